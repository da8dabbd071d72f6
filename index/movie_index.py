"""FAISS index of movie embeddings keyed by movie id: exact up to 100k vectors, IVF above.

Search is by inner product (graphrec indexes unit item-to-item vectors plus a popularity
column, see graphrec.popularity). Both index kinds keep vectors retrievable by id
(``IndexIDMap2``; IVF with a hash-table direct map) so that a movie can be the query, and both
support removing ids.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

logger = logging.getLogger(__name__)

#: Up to this many vectors an exact flat index is fast enough and needs no training.
EXACT_MAX_VECTORS = 100_000
#: Recall@10 against exact search the approximate index must reach at build time.
TARGET_RECALL = 0.95
#: Generations of every index in the process: a generation names one state of one index.
_generations = itertools.count(1)


class IndexFileError(Exception):
    """An index file is missing, damaged or does not match its expected checksum."""


@dataclass(frozen=True)
class IndexInfo:
    """How an index was built: ``kind`` ("flat" or "ivf"), ``nlist``/``nprobe`` for IVF, and the
    recall@10 against exact search measured at build time (1.0 for flat)."""

    kind: str
    dim: int
    nlist: int = 0
    nprobe: int = 0
    recall_at_10: float = 1.0
    build_seconds: float = 0.0


class MovieIndex:
    """Nearest-neighbour search over movie vectors by id."""

    def __init__(self, index: faiss.Index, info: IndexInfo) -> None:
        self._index = index
        self.info = info
        #: New with every add or remove, and unique in the process: answers computed from
        #: this index can be cached under it (api.answer_cache).
        self.generation = next(_generations)

    @classmethod
    def build(
        cls, ids: np.ndarray, vectors: np.ndarray, *, exact_max: int = EXACT_MAX_VECTORS,
        seed: int = 0,
    ) -> MovieIndex:  # fmt: skip
        """Index ``vectors`` ``(n, dim)`` under ``ids`` ``(n,)``: flat up to ``exact_max``, else IVF

        For IVF, ``nprobe`` is raised until recall@10 against exact search on a sample of the
        vectors reaches ``TARGET_RECALL``; the measured recall is kept in :attr:`info`.
        """
        ids, vectors = _check(ids, vectors)
        started = time.perf_counter()
        dim = vectors.shape[1]
        if len(ids) <= exact_max:
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
            index.add_with_ids(vectors, ids)
            info = IndexInfo(kind="flat", dim=dim, build_seconds=time.perf_counter() - started)
            return cls(index, info)
        nlist = int(min(4 * np.sqrt(len(ids)), len(ids) // 39))
        quantizer = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.seed = seed
        ivf.train(vectors)
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
        ivf.add_with_ids(vectors, ids)
        nprobe, recall = _tune_nprobe(ivf, ids, vectors, seed)
        info = IndexInfo(
            kind="ivf", dim=dim, nlist=nlist, nprobe=nprobe, recall_at_10=recall,
            build_seconds=time.perf_counter() - started,
        )  # fmt: skip
        logger.info("IVF index: nlist=%d nprobe=%d recall@10=%.3f", nlist, nprobe, recall)
        return cls(ivf, info)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def __contains__(self, movie_id: int) -> bool:
        try:
            self._index.reconstruct(int(movie_id))
        except RuntimeError:
            return False
        return True

    def vector(self, movie_id: int) -> np.ndarray:
        """The stored vector of ``movie_id``; ``KeyError`` when it is not indexed."""
        try:
            return np.asarray(self._index.reconstruct(int(movie_id)), dtype=np.float32)
        except RuntimeError as exc:
            raise KeyError(movie_id) from exc

    def vectors(self, movie_ids: np.ndarray) -> np.ndarray:
        """``(len(movie_ids), dim)`` the stored vectors of indexed ids, in one call."""
        ids = np.ascontiguousarray(movie_ids, dtype=np.int64)
        try:
            return np.asarray(self._index.reconstruct_batch(ids), dtype=np.float32)
        except RuntimeError as exc:
            raise KeyError("an id is not indexed") from exc

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` ``(scores, ids)``, each ``(num_queries, k)``; missing slots have id ``-1``."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        scores, ids = self._index.search(queries, k)
        return scores, ids

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under new ids; an id already present raises ``ValueError``."""
        ids, vectors = _check(ids, vectors)
        present = [int(i) for i in ids if int(i) in self]
        if present:
            raise ValueError(f"movie ids already indexed: {present[:5]}")
        self._index.add_with_ids(vectors, ids)
        self.generation = next(_generations)

    def remove(self, ids: np.ndarray) -> int:
        """Remove ids; returns how many were present."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        # IDSelectorArray: the only selector an IVF hash-table direct map accepts.
        selector = faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids))
        removed = int(self._index.remove_ids(selector))
        self.generation = next(_generations)
        return removed

    def save(self, path: Path) -> str:
        """Write atomically (temp file, then ``os.replace``) with an info sidecar; return sha256."""
        path = Path(path)
        _atomic_write(path, faiss.serialize_index(self._index).tobytes())
        _atomic_write(_info_path(path), json.dumps(asdict(self.info), indent=2).encode())
        return sha256_file(path)

    @classmethod
    def load(cls, path: Path, *, expected_sha256: str | None = None) -> MovieIndex:
        """Read an index, refusing it when its sha256 differs from ``expected_sha256``."""
        path = Path(path)
        if not path.is_file():
            raise IndexFileError(f"{path}: index file not found")
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if expected_sha256 is not None and digest != expected_sha256:
            raise IndexFileError(f"{path}: checksum mismatch (expected {expected_sha256[:12]}…, "
                              f"got {digest[:12]}…)")  # fmt: skip
        try:
            index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
            info = IndexInfo(**json.loads(_info_path(path).read_text()))
        except (RuntimeError, OSError, ValueError, TypeError) as exc:
            raise IndexFileError(f"{path}: cannot read index ({exc})") from exc
        if info.kind == "ivf":
            faiss.extract_index_ivf(index).nprobe = info.nprobe
        return cls(index, info)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _info_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check(ids: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids = np.ascontiguousarray(ids, dtype=np.int64).reshape(-1)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(ids):
        raise ValueError(f"expected vectors of shape ({len(ids)}, dim), got {vectors.shape}")
    if len(np.unique(ids)) != len(ids):
        raise ValueError("movie ids must be unique")
    return ids, vectors


def _tune_nprobe(
    ivf: faiss.IndexIVF, ids: np.ndarray, vectors: np.ndarray, seed: int
) -> tuple[int, float]:
    """Smallest power-of-two nprobe whose recall@10 against exact search reaches the target."""
    rng = np.random.default_rng(seed)
    sample = vectors[rng.choice(len(vectors), size=min(1000, len(vectors)), replace=False)]
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, positions = exact.search(sample, 10)
    truth = ids[positions]
    recall, nprobe = 0.0, 1
    while True:
        ivf.nprobe = nprobe
        _, found = ivf.search(sample, 10)
        recall = float((found[:, :, None] == truth[:, None, :]).any(-1).mean())
        if recall >= TARGET_RECALL or nprobe >= ivf.nlist:
            return nprobe, recall
        nprobe = min(2 * nprobe, ivf.nlist)
