"""Cold-start evaluation: hold movies out entirely, give them the vectors `POST /items` would
serve, and see how well their neighbourhoods and their later raters are recovered.

Protocol: ``num_movies`` movies with at least ``min_ratings`` ratings are drawn (seeded); every
interaction with them is removed from training. The embedding model `graphrec train` serves
(GraphSAGE unless ``config`` says otherwise) is trained twice, on that training set and on all
interactions (the "full model", the reference neighbourhoods), each with its movie → movie
space (graphrec.train.item_space). Both are scored as `/similar` scores them: item-space rows
with a log-popularity column, queried with the movie popularity weight. Each held-out movie
then gets an index row by four methods:

- ``airbnb``: the served row, mean of the 3 attribute-nearest existing movies' rows (genres,
  year, tags), renormalised, with their mean popularity (graphrec.coldstart.cold_index_row);
- ``genre``: the same with genre similarity alone;
- ``random``: the same from 3 random existing movies;
- ``inductive``: the movie → movie encoder's own output for the movie with no neighbours and
  no id embedding, i.e. its attribute path alone, with zero popularity.

Metrics at k: ``neighbour_overlap`` (share of the movie's top-k existing neighbours under the full
model also found from its cold row) and ``next_item_hit`` (for every later rating of a held-out
movie, query the rater's latest training movie before it, rank all movies with held-out ones at
their cold rows and the rater's training movies excluded: is the held-out movie in the top k?).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from graphrec.coldstart import NEIGHBOURS, Attributes, AttributeSimilarity, cold_index_row
from graphrec.data.dataset import InteractionDataset, MovieTable
from graphrec.eval.recommender import graph_of
from graphrec.popularity import with_popularity
from graphrec.recall_score import SimilarityScore
from graphrec.train.config import PinSageConfig, SageConfig
from graphrec.train.early_stopping import EpochCallback
from graphrec.train.item_space import with_item_space
from graphrec.train.pinsage_trainer import PinSageTrainer
from graphrec.train.result import ItemSpace, TrainedEmbeddings
from graphrec.train.sage_trainer import SageTrainer
from graphrec.train.topk import stable_top_k, user_edges

METHODS = ("airbnb", "genre", "random", "inductive")

Trainer = SageTrainer | PinSageTrainer


def evaluate_cold_start(
    dataset: InteractionDataset,
    *,
    num_movies: int = 100,
    min_ratings: int = 20,
    k: int = 10,
    seed: int = 0,
    config: SageConfig | PinSageConfig | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_epoch: EpochCallback | None = None,
) -> dict[str, dict[str, float]]:
    """Run the protocol above; returns method → {"neighbour_overlap@k", "next_item_hit@k"}.

    Args:
        config: The embedding model's configuration; its type picks the model (default:
            GraphSAGE, as `graphrec train`).
    """
    rng = np.random.default_rng(seed)
    counts = np.bincount(dataset.movies, minlength=dataset.num_movies)
    candidates = np.flatnonzero(counts >= min_ratings)
    held = np.sort(rng.choice(candidates, size=min(num_movies, len(candidates)), replace=False))
    is_held = np.zeros(dataset.num_movies, dtype=bool)
    is_held[held] = True
    train = dataset.subset(~is_held[dataset.movies])
    config = (config or SageConfig()).model_copy(update={"seed": seed})

    _stage(on_stage, "training the full model (reference neighbourhoods)")
    full = _served(with_item_space(dataset, _trainer(dataset, config).fit(on_epoch), config))
    _stage(on_stage, "training without the held-out movies")
    result = with_item_space(train, _trainer(train, config).fit(on_epoch), config)
    served = _served(result)
    space = _space(result)

    rows = with_popularity(space.vectors, result.popularity)
    vectors = {
        method: _cold_rows(method, dataset, space, rows, held, is_held, rng) for method in METHODS
    }
    truth = _top_existing(full.scores(held), is_held, k)
    raters = dataset.subset(is_held[dataset.movies])
    queries, targets, users = _next_item_pairs(train, raters)
    results = {}
    for method, cold in vectors.items():
        with_cold = rows.copy()
        with_cold[held] = cold
        similarity = SimilarityScore(with_cold[:, :-1], with_cold[:, -1], served.weight)
        found = _top_existing(similarity.scores(held), is_held, k)
        overlap = np.mean([len(set(a) & set(b)) / k for a, b in zip(found, truth, strict=True)])
        hit = _next_item_hit(similarity, train, queries, targets, users, k)
        results[method] = {f"neighbour_overlap@{k}": float(overlap), f"next_item_hit@{k}": hit}
    return results


def _trainer(dataset: InteractionDataset, config: SageConfig | PinSageConfig) -> Trainer:
    if isinstance(config, PinSageConfig):
        return PinSageTrainer(dataset, config)
    return SageTrainer(dataset, config)


def _space(result: TrainedEmbeddings) -> ItemSpace:
    if result.item_space is None:
        raise ValueError("the embeddings come without their movie → movie space")
    return result.item_space


def _served(result: TrainedEmbeddings) -> SimilarityScore:
    """`/similar`'s scores for ``result``: its movie → movie space plus weighted log
    popularity."""
    return SimilarityScore(
        _space(result).vectors, result.popularity, result.popularity_weights.item
    )


def _cold_rows(
    method: str, dataset: InteractionDataset, space: ItemSpace, rows: np.ndarray,
    held: np.ndarray, is_held: np.ndarray, rng: np.random.Generator,
) -> np.ndarray:  # fmt: skip
    table = dataset.movie_table
    if method == "inductive":
        return with_popularity(space.attribute_path[held], np.zeros(len(held), np.float32))
    if method == "random":
        existing = np.flatnonzero(~is_held)
        sources = np.stack([rng.choice(existing, NEIGHBOURS, replace=False) for _ in held])
    else:
        similarity = AttributeSimilarity(
            table.genre_names, table.genres, table.years, table.tag_names, table.tag_counts
        )
        sources = np.stack([_nearest_existing(similarity, table, m, method, is_held) for m in held])
    return np.stack([cold_index_row(rows[s]) for s in sources])


def _nearest_existing(
    similarity: AttributeSimilarity, table: MovieTable, movie: int, method: str,
    is_held: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """The 3 attribute-nearest movies outside the held-out set (genres alone for ``genre``)."""
    year = int(table.years[movie]) or None
    movie_tags = [table.tag_names[t] for t in table.tag_counts[1][table.tag_counts[0] == movie]]
    attributes = Attributes(
        title=str(table.titles[movie]),
        genres=table.genres_of(movie),
        year=year if method == "airbnb" else None,
        tags=movie_tags if method == "airbnb" else [],
    )
    scores = similarity.scores(attributes)
    scores[is_held] = -np.inf
    return np.argsort(-scores, kind="stable")[:NEIGHBOURS]


def _top_existing(scores: torch.Tensor, is_held: np.ndarray, k: int) -> np.ndarray:
    scores = scores.clone()
    scores[:, torch.from_numpy(is_held)] = -torch.inf
    return stable_top_k(scores, k)


def _next_item_pairs(
    train: InteractionDataset, raters: InteractionDataset
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each rating of a held-out movie: the rater's latest training movie before it."""
    order = np.lexsort((train.timestamps, train.users))
    users_sorted, times_sorted = train.users[order], train.timestamps[order]
    keys = users_sorted.astype(np.float64) * 1e10 + times_sorted
    position = np.searchsorted(keys, raters.users.astype(np.float64) * 1e10 + raters.timestamps,
                               side="right") - 1  # fmt: skip
    valid = (position >= 0) & (users_sorted[np.maximum(position, 0)] == raters.users)
    queries = train.movies[order][position[valid]]
    return queries, raters.movies[valid], raters.users[valid]


def _next_item_hit(
    similarity: SimilarityScore, train: InteractionDataset, queries: np.ndarray,
    targets: np.ndarray, users: np.ndarray, k: int, batch: int = 1024,
) -> float:  # fmt: skip
    if len(targets) == 0:
        return 0.0
    graph = graph_of(train)
    hits = 0
    for start in range(0, len(targets), batch):
        q, t, u = (a[start : start + batch] for a in (queries, targets, users))
        scores = similarity.scores(q)
        rows, cols = user_edges(graph, u)
        scores[torch.from_numpy(rows), torch.from_numpy(cols)] = -torch.inf
        top = stable_top_k(scores, k)
        hits += int((top == t[:, None]).any(axis=1).sum())
    return hits / len(targets)


def _stage(callback: Callable[[str], None] | None, text: str) -> None:
    if callback is not None:
        callback(text)
