"""Run models over a split: fit on train, rank for every test user, compute every metric once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from graphrec.data.splits import extreme_movie
from graphrec.eval.metrics import hit_rate, ranking_metrics
from graphrec.eval.models import MODELS, Recall
from graphrec.eval.models.two_stage import RECALL_MODEL
from graphrec.eval.protocols import Split
from graphrec.eval.recommender import Recommender, graph_of
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.train.early_stopping import EpochCallback
from graphrec.train.topk import top_k_excluding

logger = logging.getLogger(__name__)

ModelStarted = Callable[[str], None]


@dataclass(frozen=True)
class Targets:
    """Who is evaluated and on what.

    Attributes:
        users: Users with at least one training and one test interaction, ``(n,)``.
        last_train_movie: Each user's latest training movie (next-item query), ``(n,)``.
        first_test_movie: Each user's earliest test movie (next-item target), ``(n,)``.
    """

    users: np.ndarray
    last_train_movie: np.ndarray
    first_test_movie: np.ndarray


def targets_of(split: Split) -> Targets:
    """Evaluated users and their next-item query/target pairs, by timestamp (ties by position)."""
    train, test = split.train, split.test
    in_train = np.zeros(train.num_users, dtype=bool)
    in_train[train.users] = True
    users = np.unique(test.users)
    users = users[in_train[users]]
    last = extreme_movie(train.users, train.timestamps, train.movies, train.num_users, latest=True)
    first = extreme_movie(test.users, test.timestamps, test.movies, test.num_users, latest=False)
    return Targets(users=users, last_train_movie=last[users], first_test_movie=first[users])


def evaluate_model(
    model: Recommender, split: Split, k: int, targets: Targets, train_graph: BipartiteGraph,
    test_graph: BipartiteGraph,
) -> tuple[dict[str, float], np.ndarray]:  # fmt: skip
    """Fit ``model`` on train, then score it; returns its figures and its top-k per user."""
    started = time.perf_counter()
    model.fit(split.train)
    train_seconds = time.perf_counter() - started
    recs = top_k_excluding(model.score_users, train_graph, k, targets.users)
    figures = ranking_metrics(recs, targets.users, test_graph, k)
    # Next item: rank every movie by similarity to the user's latest training movie, skipping
    # the user's training movies as all rankings do, and look for the first test movie.
    query_of = np.full(split.train.num_users, -1, dtype=np.int64)
    query_of[targets.users] = targets.last_train_movie
    similar = top_k_excluding(
        lambda users: model.score_items(query_of[users]), train_graph, k, targets.users
    )
    figures[f"next_item_hit@{k}"] = hit_rate(similar, targets.first_test_movie)
    figures["train_seconds"] = round(train_seconds, 3)
    figures |= model.held_out_figures(split.test)
    return figures, recs


def evaluate(
    split: Split,
    model_names: list[str],
    *,
    k: int = 10,
    seed: int = 0,
    recs_out: Path | None = None,
    on_model: ModelStarted | None = None,
    on_epoch: EpochCallback | None = None,
    recall_model: str = RECALL_MODEL,
) -> dict[str, dict[str, float]]:
    """Evaluate each named model on ``split``; optionally write ``recs_out/<model>.csv``.

    Every model cuts its validation slice the way ``split`` cut its test; the rows of what
    `graphrec train` serves (`recall`, `recall+…`) recall with ``recall_model``.

    Returns:
        Model name → metric name → value.
    """
    targets = targets_of(split)
    train_graph, test_graph = graph_of(split.train), graph_of(split.test)
    results: dict[str, dict[str, float]] = {}
    for name in model_names:
        if on_model is not None:
            on_model(name)
        model_type = MODELS[name]
        options = {"recall_model": recall_model} if issubclass(model_type, Recall) else {}
        model = model_type(
            seed=seed, on_epoch=on_epoch, validation_cut=split.validation_cut,
            validation_fraction=split.validation_fraction, **options,
        )  # fmt: skip
        figures, recs = evaluate_model(model, split, k, targets, train_graph, test_graph)
        results[name] = figures
        if recs_out is not None:
            write_recs(recs_out / f"{name}.csv", split, targets.users, recs)
    return results


def write_recs(path: Path, split: Split, users: np.ndarray, recs: np.ndarray) -> None:
    """userId,rank,movieId for every evaluated user, ranks 1..k (original ids), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(
        {
            "userId": np.repeat(split.train.user_ids[users], recs.shape[1]),
            "rank": np.tile(np.arange(1, recs.shape[1] + 1), len(users)),
            "movieId": split.train.movie_ids[recs.ravel()],
        }
    )
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False)
    tmp.replace(path)
