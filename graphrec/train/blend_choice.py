"""How `/similar`'s blend of attributes and popularity is chosen on validation.

Next-item hit alone is won by the blockbusters: the next movie a user rates is most often a
popular one, whatever the query. So a blend counts only if its lists look like their queries
in popularity (the neighbours' median popularity percentile, averaged over queries, at least
the queries' own median percentile: a typical neighbour no more popular than a typical
query), and among those the one with the best next-item hit ×
franchise recall wins; franchise recall keeps a list of obscure movies from winning. If no
blend is that fair, the one with the least popular neighbours is taken.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graphrec.data.dataset import InteractionDataset
from graphrec.data.franchises import MIN_RATINGS, franchise_groups, franchise_recall
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.popularity import popularity_percentile
from graphrec.train.popularity_tuning import next_item_pairs
from graphrec.train.topk import ScoreFn, similar_lists, validation_next_item_hit

#: Cut-off of the validation figures the blend is chosen by.
VALIDATION_K = 10


@dataclass(frozen=True)
class Blend:
    """One candidate blend and its validation figures."""

    attribute_weight: float
    popularity_weight: float
    figures: dict[str, float]

    @property
    def fair(self) -> bool:
        """Whether its neighbours are on median no more popular than its queries."""
        return self.figures["neighbour_popularity@10"] >= self.figures["query_popularity"]

    @property
    def merit(self) -> float:
        return self.figures["next_item_hit@10"] * self.figures["franchise_recall@10"]


class BlendJudges:
    """The validation side's queries, built once and scored for each blend.

    Args:
        dataset: Training interactions.
        fit_mask: The ratings the encoder learned from; the rest validate.
        fit_graph: The graph of the fitting ratings.
        max_queries: Users and movies judged at most, drawn at random beyond.
        rng: Draws them.
    """

    def __init__(self, dataset: InteractionDataset, fit_mask: np.ndarray, fit_graph: BipartiteGraph,
                 max_queries: int, rng: np.random.Generator) -> None:  # fmt: skip
        self.fit_graph = fit_graph
        queries, self.targets = next_item_pairs(dataset, fit_mask)
        users = np.flatnonzero((queries >= 0) & (self.targets >= 0))
        if len(users) > max_queries:  # the rest sit out: their query becomes -1
            queries = queries.copy()
            queries[rng.choice(users, len(users) - max_queries, replace=False)] = -1
        self.queries = queries
        degrees = fit_graph.movie_degrees()
        self.groups = franchise_groups(dataset.movie_table.titles, degrees)
        self.members = np.flatnonzero(self.groups >= 0)
        judged = np.flatnonzero(degrees >= MIN_RATINGS)
        if len(judged) > max_queries:
            judged = np.sort(rng.choice(judged, max_queries, replace=False))
        self.judged = judged
        self.percentile = popularity_percentile(degrees)
        self.own = float(np.median(self.percentile[judged])) if len(judged) else 0.0

    def judge(self, score: ScoreFn, attribute_weight: float, popularity_weight: float) -> Blend:
        """The blend whose movie → movie scores are ``score``, with its figures."""
        k = VALIDATION_K
        hit = validation_next_item_hit(score, self.fit_graph, self.queries, self.targets, k)
        recall = 1.0
        if len(self.members):
            lists = similar_lists(score, self.members, k)
            recall = float(franchise_recall(lists, self.members, self.groups).mean())
        popularity = self.own
        if len(self.judged):
            neighbours = similar_lists(score, self.judged, k)
            popularity = float(np.median(self.percentile[neighbours], axis=1).mean())
        figures = {
            "next_item_hit@10": round(hit, 5),
            "franchise_recall@10": round(recall, 5),
            "neighbour_popularity@10": round(popularity, 5),
            "query_popularity": round(self.own, 5),
        }
        return Blend(attribute_weight, popularity_weight, figures)


def best_blend(blends: list[Blend]) -> Blend:
    """The fair blend of most merit, or the least popular one if none is fair."""
    fair = [b for b in blends if b.fair]
    if fair:
        return max(fair, key=lambda b: b.merit)
    return max(blends, key=lambda b: b.figures["neighbour_popularity@10"])
