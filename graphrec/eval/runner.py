"""Run models over a split: fit on train, rank for every test user, compute every metric once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphrec.data.dataset import InteractionDataset
from graphrec.data.splits import extreme_movie
from graphrec.eval.intervals import Sample, interval, paired_difference
from graphrec.eval.item_judges import JudgeQueries, judge_samples
from graphrec.eval.metrics import coverage, hits_of, user_metric_values
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
    test_graph: BipartiteGraph, queries: JudgeQueries | None = None,
) -> tuple[dict[str, float], np.ndarray, dict[str, Sample]]:  # fmt: skip
    """Fit ``model`` on train, then score it.

    Returns:
        Its figures, its top-k per user, and the units of each figure (users for the user
        metrics and next-item hit, query movies for the item-to-item judges).
    """
    started = time.perf_counter()
    model.fit(split.train)
    train_seconds = time.perf_counter() - started
    recs = top_k_excluding(model.score_users, train_graph, k, targets.users)
    samples = {
        name: Sample(values)
        for name, values in user_metric_values(recs, targets.users, test_graph, k).items()
    }
    # Next item: rank every movie by similarity to the user's latest training movie, skipping
    # the user's training movies as all rankings do, and look for the first test movie.
    query_of = np.full(split.train.num_users, -1, dtype=np.int64)
    query_of[targets.users] = targets.last_train_movie
    similar = top_k_excluding(
        lambda users: model.score_items(query_of[users]), train_graph, k, targets.users
    )
    samples[f"next_item_hit@{k}"] = Sample(hits_of(similar, targets.first_test_movie))
    if queries is not None:
        samples |= judge_samples(model.score_items, queries, k)
    figures = {name: sample.figure() for name, sample in samples.items()}
    figures[f"coverage@{k}"] = coverage(recs, test_graph.num_movies)
    figures["train_seconds"] = round(train_seconds, 3)
    figures |= model.held_out_figures(split.test)
    return figures, recs, samples


def judge_queries_of(train: InteractionDataset) -> JudgeQueries:
    """The item-to-item judges' queries and ground truth, from the training side only."""
    degrees = np.bincount(train.movies, minlength=train.num_movies)
    table = train.movie_table
    return JudgeQueries.build(table.titles, table.genres, degrees)


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
    baseline: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Evaluate each named model on ``split``; optionally write ``recs_out/<model>.csv``.

    Every model cuts its validation slice the way ``split`` cut its test; the rows of what
    `graphrec train` serves (`recall`, `recall+…`) recall with ``recall_model``.

    Args:
        baseline: A model among ``model_names``: every other model's figures also get their
            paired difference against it, with its bootstrap interval.

    Returns:
        Model name → metric name → value, plus ``"intervals"`` (figure → ``{"value", "low",
        "high"}``) and, with ``baseline``, ``"baseline"`` (``{"model", "differences"}``).
    """
    if baseline is not None and baseline not in model_names:
        raise ValueError(f"baseline {baseline!r} is not among the evaluated models")
    targets = targets_of(split)
    train_graph, test_graph = graph_of(split.train), graph_of(split.test)
    queries = judge_queries_of(split.train)
    results: dict[str, dict[str, Any]] = {}
    samples: dict[str, dict[str, Sample]] = {}
    for name in model_names:
        if on_model is not None:
            on_model(name)
        model_type = MODELS[name]
        options = {"recall_model": recall_model} if issubclass(model_type, Recall) else {}
        model = model_type(
            seed=seed, on_epoch=on_epoch, validation_cut=split.validation_cut,
            validation_fraction=split.validation_fraction, **options,
        )  # fmt: skip
        figures, recs, samples[name] = evaluate_model(
            model, split, k, targets, train_graph, test_graph, queries
        )
        results[name] = figures
        if recs_out is not None:
            write_recs(recs_out / f"{name}.csv", split, targets.users, recs)
    for name, row in results.items():
        row["intervals"] = {
            figure: interval(sample, seed).to_dict() for figure, sample in samples[name].items()
        }
        if baseline is not None and name != baseline:
            row["baseline"] = {
                "model": baseline,
                "differences": {
                    figure: paired_difference(sample, samples[baseline][figure], seed).to_dict()
                    for figure, sample in samples[name].items()
                },
            }
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
