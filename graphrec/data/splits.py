"""Holding out interactions per user, vectorised: validation slices and evaluation splits."""

from __future__ import annotations

import numpy as np


def per_user_latest(
    users: np.ndarray, timestamps: np.ndarray, fraction: float, *, min_keep: int = 1
) -> np.ndarray:
    """Mask of each user's latest ``fraction`` of interactions (by timestamp, ties by position).

    A user keeps at least ``min_keep`` interactions outside the mask, so nobody vanishes from the
    training side. The number held out is ``floor(fraction * count)``.

    Args:
        users: User index of each interaction, ``(n,)``.
        timestamps: Time of each interaction, ``(n,)``.
        fraction: Share held out per user, in ``(0, 1)``.
        min_keep: Interactions each user keeps unmasked.

    Returns:
        ``(n,)`` boolean mask, true for held-out interactions.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction}")
    n = len(users)
    order = np.lexsort((np.arange(n), timestamps, users))  # by user, then time, then position
    sorted_users = users[order]
    counts = np.bincount(sorted_users)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(n) - starts[sorted_users]  # 0 = oldest of that user
    count = counts[sorted_users]
    held = np.minimum(np.floor(fraction * count), np.maximum(count - min_keep, 0))
    mask = np.zeros(n, dtype=bool)
    mask[order] = rank >= count - held
    return mask
