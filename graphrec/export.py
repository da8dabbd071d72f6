"""Embeddings, similar lists and recommendation lists out of a bundle, in files other tools
read.

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
from graphrec.bucketing import RECALL_ORDER, default_shares
from graphrec.errors import ConfigError
from graphrec.progress import SILENT, Progress
from graphrec.recall_score import CANDIDATES
from graphrec.recommend import rank, recall_query, recalled
from graphrec.users.live import LiveUsers, UserProfile

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


def recommendation_lists(
    bundle: Bundle, k: int, ranker: str | None = None, users: np.ndarray | None = None,
    progress: Progress = SILENT,
) -> pd.DataFrame:  # fmt: skip
    """Each user's top ``k`` as `GET /recommend/{user}?ranker=…` answers them from this bundle
    (no feedback applied): columns user, rank (1..k), movie, score.

    Users are searched :data:`CHUNK` at a time, each chunk's index search one call; every
    user's results are then filtered and reordered exactly as serving does
    (graphrec.recommend). ``ranker`` ``None`` is the bundle's default arm.

    Raises:
        ConfigError: An unknown ranker, or users the bundle does not know.
    """
    shares = default_shares(bundle.ranker_lifts)[0]
    arm = ranker or max(shares, key=shares.__getitem__)
    arms = (RECALL_ORDER, *bundle.rankers.models)
    if arm not in arms:
        raise ConfigError(f"unknown ranker {arm!r}: this bundle serves {', '.join(arms)}")
    ids = bundle.user_ids if users is None else np.asarray(users, dtype=np.int64)
    live = LiveUsers.for_bundle(bundle)
    profiles = [live.profile(int(u)) for u in ids]
    unknown = [int(u) for u, p in zip(ids, profiles, strict=True) if p is None]
    if unknown:
        raise ConfigError(f"users not in the bundle: {', '.join(map(str, unknown[:5]))}")
    n = max(CANDIDATES, k)
    columns: dict[str, list[np.ndarray]] = {"user": [], "rank": [], "movie": [], "score": []}
    progress.stage("recommendation lists", total=len(ids))
    for start in range(0, len(ids), CHUNK):
        chunk = cast(list[UserProfile], profiles[start : start + CHUNK])
        widest = min(n + max(len(p.rated_ids) for p in chunk), len(bundle.index))
        queries = np.concatenate([recall_query(bundle, p) for p in chunk])
        scores, found = bundle.index.search(queries, widest)
        for row, profile in enumerate(chunk):
            ranked = recalled(profile, scores[row], found[row], n)
            if arm != RECALL_ORDER:
                ranked = rank(live, profile, ranked, arm)
            top = min(k, len(ranked.ids))
            columns["user"].append(np.full(top, ids[start + row]))
            columns["rank"].append(np.arange(1, top + 1))
            columns["movie"].append(ranked.ids[:top])
            columns["score"].append(ranked.scores[:top].astype(np.float32))
            progress.step()
    return pd.DataFrame({name: np.concatenate(parts) for name, parts in columns.items()})


def export_recommendations(bundle: Bundle, out: Path, k: int = 10, ranker: str | None = None,
                           users: np.ndarray | None = None, progress: Progress = SILENT,
                           ) -> Path:  # fmt: skip
    """:func:`recommendation_lists` as ``.parquet`` or ``.csv`` (by ``out``'s suffix)."""
    return _write_table(recommendation_lists(bundle, k, ranker, users, progress), out)


def check_table_name(out: Path) -> None:
    """Refuse, before any work, a list export whose name is neither ``.parquet`` nor ``.csv``."""
    if out.suffix not in (".parquet", ".csv"):
        raise ConfigError(f"{out}: the export's name must end in .parquet or .csv")


def read_user_ids(path: Path) -> np.ndarray:
    """User ids from a file, one per line (blank lines skipped).

    Raises:
        ConfigError: The file is missing or a line is not an integer id.
    """
    try:
        lines = path.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read user ids ({error})") from None
    for number, line in enumerate(lines, start=1):
        if not line.lstrip("-").isdigit():
            raise ConfigError(f"{path}: entry {number} is not an integer id: {line[:40]!r}")
    if not lines:
        raise ConfigError(f"{path}: no user ids")
    return np.array([int(line) for line in lines], dtype=np.int64)


def _write_table(frame: pd.DataFrame, out: Path) -> Path:
    check_table_name(out)
    if out.suffix == ".parquet":
        return _atomic(out, lambda p: frame.to_parquet(p, index=False))
    return _atomic(out, lambda p: frame.to_csv(p, index=False))


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
