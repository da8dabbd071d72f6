"""List scores: a ranker's logits blended with the item model's score over each list."""

import numpy as np

from graphrec.rankers.blend import blend_scores, standardised


def test_each_row_is_standardised_on_its_own() -> None:
    scores = np.array([[1.0, 2.0, 3.0], [10.0, 10.0, 10.0], [-4.0, 0.0, 4.0]])
    z = standardised(scores)
    assert np.allclose(z.mean(axis=1), 0.0)
    assert np.allclose(z[[0, 2]].std(axis=1), 1.0)
    assert np.array_equal(z[1], np.zeros(3)), "a constant row says nothing: zeros, not NaN"
    assert np.allclose(z[0], z[2]), "shift and scale of a row do not matter"


def test_weight_zero_keeps_the_logits_themselves() -> None:
    logits = np.array([[0.3, -1.0, 2.0]], dtype=np.float32)
    assert blend_scores(logits, np.array([[5.0, 0.0, 1.0]]), 0.0) is logits
    empty = np.zeros((1, 0), dtype=np.float32)
    assert blend_scores(empty, empty, 1.0).shape == (1, 0), "an empty list stays empty"


def test_the_item_score_reorders_as_its_weight_grows() -> None:
    logits = np.array([[3.0, 2.0, 1.0, 0.0]])
    item = np.array([[0.0, 0.0, 0.0, 1.0]])
    orders = [np.argsort(-blend_scores(logits, item, w)[0]).tolist() for w in (0.25, 4.0)]
    assert orders[0] == [0, 1, 2, 3], "a small weight leaves the ranker's order"
    assert orders[1][0] == 3, "a large one lets the item model's favourite lead"


def test_a_list_without_item_evidence_keeps_the_rankers_order() -> None:
    logits = np.array([[0.5, 2.0, 1.0]])
    blended = blend_scores(logits, np.zeros((1, 3)), 1.0)
    assert np.argsort(-blended[0]).tolist() == np.argsort(-logits[0]).tolist()
