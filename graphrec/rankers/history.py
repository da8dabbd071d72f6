"""How close a candidate is to the nearest movie a user already rated: a multi-interest signal.

A user vector is one point (a mean); a user who loves both westerns and anime sits between the
two. The largest cosine between a candidate and any of the user's rated movies sees each
interest on its own, the way item-based neighbours do. Computed for pairs in chunks: every pair
is expanded over its user's history, scored with one row-wise dot product, then reduced per
pair with ``np.maximum.reduceat``; no loop over ratings.
"""

from __future__ import annotations

import numpy as np

#: History rows expanded at once (memory: ``CHUNK * dim`` floats twice).
CHUNK = 1 << 20


def history_csr(users: np.ndarray, movies: np.ndarray, num_users: int) -> tuple[np.ndarray, ...]:
    """``(indptr, movies)`` of each user's rated movies, from parallel interaction arrays."""
    order = np.argsort(users, kind="stable")
    indptr = np.zeros(num_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(users, minlength=num_users), out=indptr[1:])
    return indptr, np.asarray(movies, dtype=np.int64)[order]


def max_similarity(
    indptr: np.ndarray,
    history: np.ndarray,
    vectors: np.ndarray,
    users: np.ndarray,
    movies: np.ndarray,
    chunk: int = CHUNK,
) -> np.ndarray:
    """``(n,)`` largest inner product of ``vectors[movies[i]]`` with the vectors of the movies
    ``users[i]`` rated (CSR ``indptr``/``history``); 0 for a user with no history."""
    out = np.zeros(len(users), dtype=np.float32)
    lengths = indptr[users + 1] - indptr[users]
    ends = np.cumsum(lengths)
    start = 0
    while start < len(users):
        base = ends[start - 1] if start else 0
        stop = max(int(np.searchsorted(ends, base + chunk, side="right")), start + 1)
        part = lengths[start:stop]
        total = int(part.sum())
        if total:
            pair = np.repeat(np.arange(stop - start), part)
            offset = np.arange(total) - np.repeat(np.cumsum(part) - part, part)
            rated = history[np.repeat(indptr[users[start:stop]], part) + offset]
            scores = np.einsum("ij,ij->i", vectors[rated], vectors[movies[start:stop][pair]])
            filled = part > 0
            out[start:stop][filled] = np.maximum.reduceat(scores, (np.cumsum(part) - part)[filled])
        start = stop
    return out
