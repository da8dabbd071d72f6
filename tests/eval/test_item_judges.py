"""The item-to-item judges on a tiny catalogue whose right answers are known."""

import numpy as np
import pytest
import torch

from graphrec.eval.item_judges import JudgeQueries, judge_samples
from graphrec.train.topk import similar_lists

TITLES = np.array(["Saga (1990)", "Saga 2 (1992)", "Saga 3 (1995)", "Drama (1991)",
                   "Comedy (1993)", "Blockbuster (1994)"])  # fmt: skip
GENRES = np.array([[1, 0, 0], [1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], dtype=bool)
DEGREES = np.array([30, 25, 20, 40, 50, 500])


def _queries() -> JudgeQueries:
    return JudgeQueries.build(TITLES, GENRES, DEGREES, min_ratings=20)


def test_similar_lists_leave_the_query_out() -> None:
    scores = torch.eye(4) * 10 + torch.arange(4.0)
    assert similar_lists(lambda m: scores[torch.from_numpy(m)], np.arange(4), 2).tolist() == [
        [3, 2], [3, 2], [3, 1], [2, 1],
    ]  # fmt: skip


def test_franchise_aware_scores_beat_popularity() -> None:
    q = _queries()
    same = (q.franchise[:, None] == q.franchise[None, :]) & (q.franchise >= 0)[:, None]
    kin = torch.from_numpy(same)
    popularity = torch.from_numpy(np.log1p(DEGREES).astype(np.float32))
    samples = {
        "kin": judge_samples(lambda m: kin[torch.from_numpy(m)].float() + 0.01 * popularity, q, 2),
        "pop": judge_samples(lambda m: popularity.expand(len(m), -1), q, 2),
    }
    figures = {name: {k: s.figure() for k, s in sample.items()} for name, sample in samples.items()}
    assert figures["kin"]["franchise_recall@2"] == 1.0
    assert figures["pop"]["franchise_recall@2"] == 0.0  # the blockbuster and Comedy, for all
    assert figures["kin"]["genre_jaccard@2"] > figures["pop"]["genre_jaccard@2"]
    # popularity sends every query to the blockbuster (percentile 0) and the next most rated
    assert figures["kin"]["neighbour_popularity@2"] > figures["pop"]["neighbour_popularity@2"]
    assert figures["pop"]["similar_coverage@2"] == pytest.approx(3 / 6)  # + Drama, for Comedy
