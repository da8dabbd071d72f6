"""Choosing `/similar`'s blend: only lists that look like their queries in popularity count."""

import numpy as np
import torch

from graphrec.graph.bipartite import BipartiteGraph
from graphrec.train.blend_choice import Blend, BlendJudges, best_blend
from tests.conftest import planted


def blend(hit: float, recall: float, neighbours: float, weight: float) -> Blend:
    figures = {"next_item_hit@10": hit, "franchise_recall@10": recall,
               "neighbour_popularity@10": neighbours, "query_popularity": 0.3}  # fmt: skip
    return Blend(0.2, weight, figures)


def test_the_blockbuster_blend_loses_to_a_fair_one_despite_its_hit() -> None:
    charts = blend(hit=0.30, recall=0.5, neighbours=0.05, weight=0.1)
    fair = blend(hit=0.10, recall=0.5, neighbours=0.35, weight=0.0)
    better = blend(hit=0.12, recall=0.5, neighbours=0.31, weight=0.025)
    assert best_blend([charts, fair, better]) is better


def test_with_no_fair_blend_the_least_popular_one_is_taken() -> None:
    a, b = blend(0.3, 0.5, 0.05, 0.1), blend(0.1, 0.1, 0.2, 0.0)
    assert best_blend([a, b]) is b


def test_judges_score_popular_neighbours_as_less_fair() -> None:
    data = planted(num_users=200)  # every movie has 20 ratings or more
    fit = data.timestamps < np.quantile(data.timestamps, 0.8)
    graph = BipartiteGraph.from_interactions(
        data.users[fit], data.movies[fit], data.num_users, data.num_movies
    )
    judges = BlendJudges(data, fit, graph, max_queries=1000, rng=np.random.default_rng(0))
    degrees = graph.movie_degrees().astype(np.float32)

    def charts(movies: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.tile(degrees, (len(movies), 1)))

    def obscure(movies: np.ndarray) -> torch.Tensor:
        return -charts(movies)

    popular = judges.judge(charts, 0.0, 1.0)
    rare = judges.judge(obscure, 0.0, 0.0)
    assert popular.figures["neighbour_popularity@10"] < rare.figures["neighbour_popularity@10"]
    assert not popular.fair and rare.fair
