"""Embeddings and similar lists out of a bundle, in files other tools read.

Vectors are written in the bundle's row order with their ids beside them, so nobody has to
guess the order of its ``.npy`` files. Similar lists are computed as `GET /similar` computes
them (the index row's movie → movie query, the movie itself left out), in chunks of movies,
so a catalogue of any size fits; they cover the bundle's movies, not movies registered later
through `POST /items`, which live in the server's store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, cast

import numpy as np
import pandas as pd

from graphrec.artifacts import Bundle
from graphrec.errors import ConfigError

#: Movies searched at once: memory is ``chunk × (k + 1)`` results.
CHUNK = 4096
EmbeddingFormat = Literal["parquet", "npy"]


def export_embeddings(bundle: Bundle, out: Path, fmt: EmbeddingFormat = "parquet") -> list[Path]:
    """``movies`` (id, title, embedding: the user → movie vector, item_embedding: the movie →
    movie row `/similar` ranks by) and ``users`` (id, embedding), as parquet or npy."""
    out.mkdir(parents=True, exist_ok=True)
    layout = bundle.layout
    rows = np.stack([bundle.index.vector(int(m)) for m in bundle.movie_ids])
    item_rows = rows[:, layout.item_start : layout.dim - 1]
    arrays = {
        "movie_ids": bundle.movie_ids,
        "movie_embeddings": bundle.movie_embeddings.astype(np.float32),
        "movie_item_embeddings": item_rows.astype(np.float32),
        "user_ids": bundle.user_ids,
        "user_embeddings": bundle.user_embeddings.astype(np.float32),
    }
    if fmt == "npy":
        return [_atomic(out / f"{name}.npy", lambda p, a=array: np.save(p, a))
                for name, array in arrays.items()]  # fmt: skip
    catalog = bundle.catalog  # every bundle movie has a catalogue row
    titles = [catalog.titles[cast(int, catalog.row(int(m)))] for m in bundle.movie_ids]
    movies = pd.DataFrame({
        "id": bundle.movie_ids, "title": titles,
        "embedding": list(arrays["movie_embeddings"]),
        "item_embedding": list(arrays["movie_item_embeddings"]),
    })  # fmt: skip
    users = pd.DataFrame({"id": bundle.user_ids, "embedding": list(arrays["user_embeddings"])})
    return [
        _atomic(out / "movies.parquet", lambda p: movies.to_parquet(p, index=False)),
        _atomic(out / "users.parquet", lambda p: users.to_parquet(p, index=False)),
    ]


def similar_lists(bundle: Bundle, k: int) -> pd.DataFrame:
    """Every bundle movie's ``k`` nearest: columns movie, rank (1..k), similar, score."""
    layout, weight = bundle.layout, bundle.popularity_weights.item
    parts = []
    for start in range(0, len(bundle.movie_ids), CHUNK):
        movies = bundle.movie_ids[start : start + CHUNK]
        rows = np.stack([bundle.index.vector(int(m)) for m in movies])
        scores, ids = bundle.index.search(layout.similarity_query(rows, weight), k + 1)
        keep = (ids != movies[:, None]) & (ids >= 0)
        # The first k kept per row, as similar_to_movie keeps them.
        rank = np.cumsum(keep, axis=1)
        keep &= rank <= k
        query = np.broadcast_to(movies[:, None], ids.shape)
        parts.append(pd.DataFrame({"movie": query[keep], "rank": rank[keep],
                                   "similar": ids[keep], "score": scores[keep]}))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def export_similar(bundle: Bundle, out: Path, k: int = 10) -> Path:
    """:func:`similar_lists` as ``.parquet`` or ``.csv`` (by ``out``'s suffix)."""
    frame = similar_lists(bundle, k)
    return _write_table(frame, out)


def _write_table(frame: pd.DataFrame, out: Path) -> Path:
    if out.suffix == ".parquet":
        return _atomic(out, lambda p: frame.to_parquet(p, index=False))
    if out.suffix == ".csv":
        return _atomic(out, lambda p: frame.to_csv(p, index=False))
    raise ConfigError(f"{out}: the export's name must end in .parquet or .csv")


def _atomic(path: Path, write: object) -> Path:
    """Write through ``write(temporary path)``, then rename: a failed export leaves nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial{path.suffix}")
    try:
        write(partial)  # type: ignore[operator]
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
