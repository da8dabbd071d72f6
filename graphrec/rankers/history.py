"""How close a candidate is to the nearest movie a user already rated: a multi-interest signal.

A user vector is one point (a mean); a user who loves both westerns and anime sits between the
two. The largest cosine between a candidate and any of the user's rated movies sees each
interest on its own, the way item-based neighbours do.
"""

from __future__ import annotations

import numpy as np


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
) -> np.ndarray:
    """``(n,)`` largest inner product of ``vectors[movies[i]]`` with the vectors of the movies
    ``users[i]`` rated (CSR ``indptr``/``history``); 0 for a user with no history.

    Pairs are grouped by user and each group is one matrix product, history × candidates: a
    loop over users, not ratings, because expanding every pair over its user's whole history
    cost a served request with a long history (2,698 ratings × 200 candidates) hundreds of
    milliseconds where one product takes about one.
    """
    out = np.zeros(len(users), dtype=np.float32)
    if len(users) == 0:
        return out
    order = np.argsort(users, kind="stable")
    grouped = users[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    ends = np.r_[starts[1:], len(grouped)]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        user = grouped[start]
        rated = history[indptr[user] : indptr[user + 1]]
        if len(rated):
            rows = order[start:end]
            out[rows] = (vectors[rated] @ vectors[movies[rows]].T).max(axis=0)
    return out
