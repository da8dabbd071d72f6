"""Ranking metrics at k as DESIGN.md defines them, vectorised over users.

All take a recommendation matrix ``recs`` of shape ``(num_users, k)`` (movie indices, best first)
and the held-out graph; every user passed must have at least one held-out movie.
"""

from __future__ import annotations

import numpy as np

from graphrec.graph.bipartite import BipartiteGraph
from graphrec.train.topk import edge_membership

METRICS = ("ndcg", "recall", "precision", "map", "hit", "mrr", "coverage")


def ranking_metrics(
    recs: np.ndarray, users: np.ndarray, test: BipartiteGraph, k: int
) -> dict[str, float]:
    """precision, recall, ndcg (binary gain, log2 discount), map, hit, mrr and coverage at ``k``.

    Args:
        recs: ``(len(users), k)`` recommended movie indices, best first.
        users: User index of each row.
        test: Held-out interactions; each of ``users`` has at least one.
        k: Cut-off; ``recs`` may have fewer columns only when the catalogue is smaller.

    Returns:
        ``{"ndcg@k": …, "recall@k": …, …}`` averaged over users (coverage over the catalogue).
    """
    if len(users) == 0:
        return {f"{name}@{k}": 0.0 for name in METRICS}
    per_user = user_metric_values(recs, users, test, k)
    figures = {name: float(np.mean(values)) for name, values in per_user.items()}
    return figures | {f"coverage@{k}": coverage(recs, test.num_movies)}


def user_metric_values(
    recs: np.ndarray, users: np.ndarray, test: BipartiteGraph, k: int
) -> dict[str, np.ndarray]:
    """Each user's ndcg, recall, precision, map, hit and mrr at ``k``, ``(len(users),)`` each:
    the units the figures average and the bootstrap resamples (arguments as
    :func:`ranking_metrics`)."""
    relevant = test.user_degrees()[users].astype(np.float64)
    if (relevant == 0).any():
        raise ValueError("every evaluated user needs at least one held-out movie")
    hits = edge_membership(test, users, recs).astype(np.float64)
    ranks = np.arange(1, hits.shape[1] + 1)
    discount = 1.0 / np.log2(ranks + 1)
    ideal_count = np.minimum(relevant, k).astype(np.int64)
    ideal = np.cumsum(discount)[np.minimum(ideal_count, len(discount)) - 1]
    num_hits = hits.sum(axis=1)
    precision_at_rank = np.cumsum(hits, axis=1) / ranks
    first_hit = np.where(num_hits > 0, hits.argmax(axis=1) + 1, np.inf)
    return {
        f"ndcg@{k}": (hits * discount).sum(axis=1) / ideal,
        f"recall@{k}": num_hits / relevant,
        f"precision@{k}": num_hits / k,
        f"map@{k}": (precision_at_rank * hits).sum(axis=1) / ideal_count,
        f"hit@{k}": (num_hits > 0).astype(np.float64),
        f"mrr@{k}": 1.0 / first_hit,
    }


def coverage(lists: np.ndarray, num_movies: int) -> float:
    """Share of the catalogue that appears in at least one of ``lists``."""
    return len(np.unique(lists)) / num_movies


def hits_of(recs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """``(len(targets),)`` 1.0 where ``targets[i]`` appears in ``recs[i]``, else 0.0."""
    return (recs == targets[:, None]).any(axis=1).astype(np.float64)


def hit_rate(recs: np.ndarray, targets: np.ndarray) -> float:
    """Share of rows whose ``targets[i]`` appears in ``recs[i]`` (next-item hit@k)."""
    if len(targets) == 0:
        return 0.0
    return float(np.mean(hits_of(recs, targets)))
