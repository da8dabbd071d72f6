"""A ranker's logit blended with the item model's score, both standardised over one list.

The rankers learn how far to trust the item model's score (graphrec.rankers.item_weights)
from features fitted on part of the training side; the score served is fitted on all of it
and is worth more than they learned. Out-of-fold validation on the rankers' own training
users (graphrec.train.ranker_training) chooses how much of the score to add back.
"""

from __future__ import annotations

import numpy as np


def standardised(scores: np.ndarray) -> np.ndarray:
    """Each row of ``(lists, n)`` scores centred and scaled to unit spread; a constant row
    becomes zeros."""
    spread = scores.std(axis=1, keepdims=True)
    centred = scores - scores.mean(axis=1, keepdims=True)
    return np.divide(centred, spread, out=np.zeros_like(centred), where=spread > 1e-9)


def blend_scores(logits: np.ndarray, item: np.ndarray, weight: float) -> np.ndarray:
    """``(lists, n)`` scores that order each list: ``z(logits) + weight · z(item)``, or the
    logits themselves when ``weight`` is 0 (the same order, the ranker's own scale) or the
    lists are empty."""
    if weight == 0 or logits.size == 0:
        return logits
    return (standardised(logits.astype(np.float64)) + weight * standardised(item)).astype(
        np.float32
    )
