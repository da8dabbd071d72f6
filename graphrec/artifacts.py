"""The versioned artifact bundle: write atomically, point ``current`` at it, verify on load.

Layout of ``<root>/<version>/``: ``manifest.json`` (config, dataset checksum, metrics, sha256 of
every other file), ``movies.json`` (catalogue), ``movie_ids.npy`` / ``user_ids.npy`` (id maps),
``movie_embeddings.npy`` / ``user_embeddings.npy``, ``movie_features.npy``, ``attributes.npz``
(genres, years, tag counts for cold start), ``index.faiss`` (+ its ``.json`` info), ``model.pt``,
``history.npz`` (each user's training movies, ratings and times, CSR in time order: what
``/recommend`` never returns and what live feedback adds to),
``ranking.npz`` (ranker features), ``item_weights.npz`` (the rankers' item-to-item weights, CSR),
``rankers.pt``, ``map.npy`` (the catalogue's 2-D map) and, for GraphSAGE, ``fold_in_states.npz``
(the layers' states over the training graph that live users are folded in with, so that no server
repeats that pass over every rating when it loads the bundle).
``<root>/current`` is a symlink swapped with ``os.replace``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from graphrec.catalog import Catalog
from graphrec.coldstart import AttributeSimilarity
from graphrec.data.dataset import MovieTable
from graphrec.errors import BundleError
from graphrec.popularity import PopularityWeights
from graphrec.projection import pca_2d
from graphrec.rankers.features import RankingFeatures
from graphrec.rankers.item_weights import ItemWeights
from graphrec.rankers.ranking import Rankers
from graphrec.recency import Recency
from graphrec.similarity import IndexLayout
from graphrec.users.history import UserHistory
from index import IndexFileError, MovieIndex, sha256_file

logger = logging.getLogger(__name__)

#: Bumped whenever the bundle's files change; older bundles are refused with a reason.
FORMAT_VERSION = 10
CURRENT = "current"
MANIFEST = "manifest.json"
INDEX_FILE = "index.faiss"
#: A bundle is written under ``.tmp-<version>`` and renamed into place when complete.
STAGING_PREFIX = ".tmp-"
#: The writer's process id, in its staging folder until the bundle is complete.
WRITER_PID = "writer.pid"


@dataclass
class Bundle:
    """A verified bundle in memory, ready to serve."""

    path: Path
    manifest: dict[str, Any]
    catalog: Catalog
    movie_ids: np.ndarray
    user_ids: np.ndarray
    movie_embeddings: np.ndarray
    user_embeddings: np.ndarray
    movie_features: np.ndarray
    index: MovieIndex
    attributes: AttributeSimilarity
    history: UserHistory
    rankers: Rankers
    map: np.ndarray  # (num_movies, 2): graphrec.projection

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def ranker_lifts(self) -> dict[str, float | None]:
        """Per ranker, its held-out lift over recall order at training time (``None`` where
        the manifest marks it not to serve)."""
        return {
            name: float(figures["lift"]) if figures.get("serve", False) else None
            for name, figures in self.manifest.get("rankers", {}).items()
        }

    @property
    def popularity_weights(self) -> PopularityWeights:
        """Weights the queries put in the index's popularity column (graphrec.popularity)."""
        return PopularityWeights.from_dict(self.manifest["index"].get("popularity_weights"))

    @property
    def recency(self) -> Recency:
        """The recall score's recency term (graphrec.recency); off for older bundles."""
        return Recency.from_dict(self.manifest["index"].get("recency"))

    @property
    def layout(self) -> IndexLayout:
        """Which columns of the index's rows hold which space (graphrec.similarity)."""
        layout = self.manifest["index"].get("layout")
        if layout is None:  # a bundle from before the movie → movie space
            return IndexLayout(item_start=0, dim=self.index.info.dim)
        return IndexLayout(**layout)


def write_bundle(
    root: Path,
    *,
    catalog: Catalog,
    user_ids: np.ndarray,
    movie_embeddings: np.ndarray,
    user_embeddings: np.ndarray,
    movie_features: np.ndarray,
    index: MovieIndex,
    table: MovieTable,
    model_state: dict[str, Any],
    history: UserHistory,
    rankers: Rankers,
    manifest: dict[str, Any],
    item_vectors: np.ndarray | None = None,
    user_states: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write a new version under ``root`` and only then point ``root/current`` at it.

    Files go to a hidden temporary folder that is renamed into place once complete, so a crash
    leaves either the old ``current`` or the new one, never a half-written bundle. The page's
    map is drawn from ``item_vectors`` (the movie → movie space) when given; ``user_states``
    are the user encoder's arrays (graphrec.users.vectors), when it has any.

    Returns:
        The new version's folder.
    """
    import torch  # heavy; only the writer needs it

    from graphrec.users.vectors import STATES_FILE

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    clean_dead_writers(root)
    version = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    staging = root / f"{STAGING_PREFIX}{version}"
    staging.mkdir()
    (staging / WRITER_PID).write_text(str(os.getpid()))
    try:
        (staging / "movies.json").write_text(json.dumps(catalog.to_json()))
        np.save(staging / "movie_ids.npy", np.asarray(catalog.ids, dtype=np.int64))
        np.save(staging / "user_ids.npy", np.asarray(user_ids, dtype=np.int64))
        np.save(staging / "movie_embeddings.npy", movie_embeddings.astype(np.float32))
        np.save(staging / "user_embeddings.npy", user_embeddings.astype(np.float32))
        np.save(staging / "movie_features.npy", movie_features.astype(np.float32))
        movie, tag, count = table.tag_counts
        np.savez(
            staging / "attributes.npz",
            genre_names=np.array(table.genre_names, dtype=str),
            genres=table.genres,
            years=table.years,
            tag_names=np.array(table.tag_names, dtype=str),
            tag_movie=movie,
            tag_index=tag,
            tag_count=count,
        )
        torch.save({k: v.cpu() for k, v in model_state.items()}, staging / "model.pt")
        np.savez(staging / "history.npz", indptr=history.indptr, movies=history.movies,
                 ratings=history.ratings, timestamps=history.timestamps)  # fmt: skip
        f = rankers.features
        np.savez(staging / "ranking.npz", user_dense=f.user_dense, movie_dense=f.movie_dense,
                 num_genres=f.num_genres, popularity=f.popularity,
                 recall_weight=f.recall_weight, global_mean=f.global_mean)  # fmt: skip
        weights = f.item_weights.by_target
        np.savez(staging / "item_weights.npz", indptr=weights.indptr, indices=weights.indices,
                 data=weights.data, lam=f.item_weights.lam)  # fmt: skip
        torch.save(rankers.state(), staging / "rankers.pt")
        drawn = movie_embeddings if item_vectors is None else item_vectors
        np.save(staging / "map.npy", pca_2d(drawn))
        index.save(staging / INDEX_FILE)
        if user_states is not None:
            arrays: dict[str, Any] = user_states  # names of arrays, not of savez's options
            np.savez(staging / STATES_FILE, **arrays)
        (staging / WRITER_PID).unlink()
        files = {p.name: sha256_file(p) for p in sorted(staging.iterdir())}
        full_manifest = {
            "format": FORMAT_VERSION,
            "version": version,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            **manifest,
            "files": files,
        }
        (staging / MANIFEST).write_text(json.dumps(full_manifest, indent=2, default=_jsonable))
        _fsync_dir(staging)
        final = root / version
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    point_current(root, version)
    logger.info("wrote bundle %s", final)
    return final


def clean_dead_writers(root: Path) -> list[Path]:
    """Remove what writers killed mid-bundle left under ``root``: staging folders whose
    writer process is gone, and link files older than a minute that never replaced
    ``current``. Returns what was removed."""
    removed = []
    for staging in root.glob(f"{STAGING_PREFIX}*"):
        if staging.is_dir() and not _writer_alive(staging / WRITER_PID):
            shutil.rmtree(staging, ignore_errors=True)
            removed.append(staging)
    for link in root.glob(f".{CURRENT}-*"):
        if link.is_symlink() and time.time() - link.lstat().st_mtime > 60:
            link.unlink(missing_ok=True)
            removed.append(link)
    if removed:
        logger.info("removed what a killed writer left: %s", ", ".join(p.name for p in removed))
    return removed


def _writer_alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return False  # a writer writes its pid first: none means it died at once
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def point_current(root: Path, version: str) -> None:
    """Atomically point ``root/current`` at ``version`` (a relative link: ``root`` may move)."""
    link = root / f".{CURRENT}-{secrets.token_hex(4)}"
    os.symlink(version, link)
    os.replace(link, root / CURRENT)
    _fsync_dir(root)


def resolve(path: Path) -> Path:
    """The version folder meant by ``path``: a version folder itself, or a root with ``current``."""
    path = Path(path)
    if (path / MANIFEST).is_file():
        return path
    if (path / CURRENT).exists():
        return (path / CURRENT).resolve()
    raise BundleError(f"{path}: no artifact bundle here (run `graphrec train --out {path}` first)")


def read_manifest(version_dir: Path) -> dict[str, Any]:
    """Parse ``manifest.json``, or raise :class:`BundleError`."""
    try:
        manifest = json.loads((version_dir / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BundleError(f"{version_dir}: unreadable manifest ({exc})") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise BundleError(f"{version_dir}: manifest lists no files")
    return manifest


def verify(version_dir: Path) -> dict[str, Any]:
    """Check every file against the manifest's sha256; return the manifest or raise."""
    manifest = read_manifest(version_dir)
    for name, expected in manifest["files"].items():
        path = version_dir / name
        if not path.is_file():
            raise BundleError(f"{version_dir}: missing file {name}")
        if sha256_file(path) != expected:
            raise BundleError(f"{version_dir}: {name} fails its checksum; the bundle is damaged")
    return manifest


def load_bundle(path: Path) -> Bundle:
    """Resolve, verify and load a bundle; :class:`BundleError` for anything missing or damaged."""
    version_dir = resolve(path)
    manifest = verify(version_dir)
    if manifest.get("format") != FORMAT_VERSION:
        raise BundleError(
            f"{version_dir}: bundle format {manifest.get('format')} is not this graphrec's "
            f"({FORMAT_VERSION}); run `graphrec train` again"
        )
    try:
        index = MovieIndex.load(
            version_dir / INDEX_FILE, expected_sha256=manifest["files"].get(INDEX_FILE)
        )
        catalog = Catalog.from_json(json.loads((version_dir / "movies.json").read_text()))
        user_embeddings = np.load(version_dir / "user_embeddings.npy")
        movie_embeddings = np.load(version_dir / "movie_embeddings.npy")
        history = _history(version_dir / "history.npz", len(user_embeddings), len(catalog))
        bundle = Bundle(
            path=version_dir,
            manifest=manifest,
            catalog=catalog,
            movie_ids=np.load(version_dir / "movie_ids.npy"),
            user_ids=np.load(version_dir / "user_ids.npy"),
            movie_embeddings=movie_embeddings,
            user_embeddings=user_embeddings,
            movie_features=np.load(version_dir / "movie_features.npy"),
            index=index,
            attributes=_attribute_similarity(version_dir / "attributes.npz"),
            history=history,
            rankers=_rankers(version_dir, user_embeddings, movie_embeddings, history),
            map=np.load(version_dir / "map.npy"),
        )
    except (IndexFileError, OSError, ValueError, KeyError, RuntimeError) as exc:
        raise BundleError(f"{version_dir}: cannot load bundle ({exc})") from exc
    if len(bundle.movie_embeddings) != len(catalog):
        raise BundleError(f"{version_dir}: {len(catalog)} movies but "
                          f"{len(bundle.movie_embeddings)} embeddings")  # fmt: skip
    return bundle


def _attribute_similarity(path: Path) -> AttributeSimilarity:
    with np.load(path) as data:
        return AttributeSimilarity(
            [str(g) for g in data["genre_names"]],
            data["genres"],
            data["years"],
            [str(t) for t in data["tag_names"]],
            (data["tag_movie"], data["tag_index"], data["tag_count"]),
        )


def _history(path: Path, num_users: int, num_movies: int) -> UserHistory:
    """Each user's training interactions, CSR in time order."""
    with np.load(path) as data:
        history = UserHistory(data["indptr"], data["movies"], data["ratings"], data["timestamps"])
    if history.num_users != num_users:
        raise ValueError(f"history covers {history.num_users} users, not {num_users}")
    if len(history.movies) and int(history.movies.max()) >= num_movies:
        raise ValueError("history names a movie row past the catalogue")
    return history


def _rankers(
    version_dir: Path,
    user_embeddings: np.ndarray,
    movie_embeddings: np.ndarray,
    history: UserHistory,
) -> Rankers:
    import torch  # heavy; the serving process has it already

    with np.load(version_dir / "ranking.npz") as data:
        features = RankingFeatures(
            user_dense=data["user_dense"],
            movie_dense=data["movie_dense"],
            user_embeddings=user_embeddings,
            movie_embeddings=movie_embeddings,
            num_genres=int(data["num_genres"]),
            popularity=data["popularity"],
            recall_weight=float(data["recall_weight"]),
            history_indptr=history.indptr,  # history.npz: stored once
            history_movies=history.movies,
            global_mean=float(data["global_mean"]),
            item_weights=_item_weights(version_dir / "item_weights.npz", len(movie_embeddings)),
        )
    state = torch.load(version_dir / "rankers.pt", weights_only=True)
    return Rankers.from_state(state, features)


def _item_weights(path: Path, num_movies: int) -> ItemWeights:
    from scipy.sparse import csr_matrix

    with np.load(path) as data:
        indptr, indices = data["indptr"], data["indices"]
        if len(indptr) != num_movies + 1 or (len(indices) and int(indices.max()) >= num_movies):
            raise ValueError(f"item weights do not cover the catalogue's {num_movies} movies")
        matrix = csr_matrix((data["data"], indices, indptr), shape=(num_movies, num_movies))
        return ItemWeights(matrix, float(data["lam"]))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
