"""What the server holds: the bundle being served (swapped whole on reload) and the registry of
cold movies, re-applied to every bundle it loads."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from graphrec.artifacts import Bundle, load_bundle
from graphrec.bucketing import default_shares
from graphrec.coldstart import NEIGHBOURS, Attributes, cold_index_row
from graphrec.popularity import set_popularity
from graphrec.registry import MovieRegistry

logger = logging.getLogger(__name__)

REGISTRY_FILE = "registry.sqlite"


class MovieIdTaken(Exception):
    """The caller asked for a movie id that the catalogue or the registry already holds."""


class ServingState:
    """The live bundle and the registry.

    Requests read :attr:`bundle` once and use that object throughout, so a reload (one reference
    swap) never mixes two versions inside one response. FAISS indexes are not safe to search while
    another thread adds to them, so index reads and writes go through :attr:`lock`.
    """

    def __init__(
        self, artifacts: Path, bundle: Bundle, registry: MovieRegistry,
        neighbours: int = NEIGHBOURS, shares: dict[str, float] | None = None,
    ) -> None:  # fmt: skip
        self.artifacts = artifacts
        self.neighbours = neighbours
        self.bundle = bundle
        self.registry = registry
        self.explicit_shares = shares
        self.lock = threading.Lock()
        self._reload_lock = threading.Lock()

    @classmethod
    def load(
        cls, artifacts: Path, data_dir: Path | None = None, neighbours: int = NEIGHBOURS,
        *, shares: dict[str, float] | None = None,
    ) -> ServingState:  # fmt: skip
        bundle = load_bundle(artifacts)
        registry = MovieRegistry((data_dir or Path(artifacts)) / REGISTRY_FILE)
        state = cls(artifacts, bundle, registry, neighbours, shares)
        state._apply_registry(bundle)
        logger.info("serving bundle %s (%d movies)", bundle.version, len(bundle.catalog))
        state._log_shares(bundle)
        return state

    def shares(self, bundle: Bundle) -> dict[str, float]:
        """A/B shares per arm for ``bundle``: ``GRAPHREC_AB_SHARES`` when set, otherwise all
        to the ranker with the best held-out lift (recall order if none beat it)."""
        if self.explicit_shares is not None:
            return self.explicit_shares
        return default_shares(bundle.ranker_lifts)[0]

    def _log_shares(self, bundle: Bundle) -> None:
        if self.explicit_shares is not None:
            logger.info("A/B shares from GRAPHREC_AB_SHARES: %s", self.explicit_shares)
            return
        shares, left_out = default_shares(bundle.ranker_lifts)
        for name in left_out:
            lift = bundle.manifest["rankers"].get(name, {}).get("lift")
            if bundle.ranker_lifts.get(name) is None:
                logger.warning(
                    "ranker %s did not beat recall order on held-out users (lift %s): "
                    "no default traffic", name, lift,
                )  # fmt: skip
            else:
                logger.info("ranker %s (lift %s) is not the best: no default traffic", name, lift)
        logger.info("A/B shares: %s", shares)

    def reload(self) -> Bundle:
        """Load ``artifacts`` again; on failure raise and keep serving the old bundle."""
        with self._reload_lock:
            bundle = load_bundle(self.artifacts)
            self._apply_registry(bundle)
            with self.lock:
                self.bundle = bundle
        logger.info("reloaded bundle %s", bundle.version)
        self._log_shares(bundle)
        return bundle

    def similar_to_movie(self, bundle: Bundle, movie_id: int, k: int) -> tuple[np.ndarray, ...]:
        """Nearest movies to an indexed one, itself left out."""
        with self.lock:
            vector = bundle.index.vector(movie_id)
        scores, ids = self.similar_to_vector(bundle, vector, k + 1)
        keep = ids != movie_id
        return scores[keep][:k], ids[keep][:k]

    def similar_to_vector(
        self, bundle: Bundle, vector: np.ndarray, k: int
    ) -> tuple[np.ndarray, ...]:
        """Nearest movies to an index-layout vector, scored with the movie popularity weight."""
        query = set_popularity(vector, bundle.popularity_weights.item)
        with self.lock:
            scores, ids = bundle.index.search(query, k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def search(self, bundle: Bundle, vector: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Raw index search of one query, under the index lock."""
        with self.lock:
            scores, ids = bundle.index.search(vector, n)
        return scores[0], ids[0]

    def cold_vector(self, bundle: Bundle, attributes: Attributes) -> tuple[np.ndarray, list[int]]:
        """The Airbnb-style index row of a cold movie and the ids it was averaged from (see
        :func:`graphrec.coldstart.cold_index_row`)."""
        rows = bundle.attributes.nearest(attributes, self.neighbours)
        ids = [bundle.catalog.ids[row] for row in rows]
        with self.lock:
            vectors = np.stack([bundle.index.vector(i) for i in ids])
        return cold_index_row(vectors), ids

    def register(
        self, attributes: Attributes, movie_id: int | None = None
    ) -> tuple[Bundle, int, np.ndarray, list[int]]:
        """Store a cold movie, then add it to the live index and catalogue.

        The row is committed only after the index and catalogue took the movie; any failure
        undoes all three. Returns the bundle it went into (a reload may follow at once), its id,
        its vector and the ids its vector came from.

        Raises:
            MovieIdTaken: ``movie_id`` is already used.
        """
        with self._reload_lock:
            bundle = self.bundle
            vector, sources = self.cold_vector(bundle, attributes)
            if movie_id is None:
                movie_id = max(bundle.catalog.ids) + 1
            elif movie_id in bundle.catalog:
                raise MovieIdTaken(f"movie id {movie_id} is taken")
            self._add(bundle, movie_id, attributes, vector, store=True)
        return bundle, movie_id, vector, sources

    def _add(
        self, bundle: Bundle, movie_id: int, attributes: Attributes, vector: np.ndarray,
        *, store: bool,
    ) -> None:  # fmt: skip
        def add_live() -> None:
            with self.lock:
                bundle.index.add(np.array([movie_id]), vector[None, :])
            bundle.catalog.add(movie_id, attributes.title, attributes.genres, attributes.year)

        if not store:
            add_live()
            return
        try:
            with self.registry.adding(movie_id, attributes):
                add_live()
        except BaseException:
            with self.lock:
                bundle.index.remove(np.array([movie_id]))
            bundle.catalog.discard(movie_id)
            raise

    def _apply_registry(self, bundle: Bundle) -> None:
        """Give every registered movie its vector in ``bundle`` (recomputed from attributes)."""
        for movie_id, attributes in self.registry.all():
            if movie_id in bundle.catalog:
                logger.warning("registered movie %d collides with the catalogue; skipped", movie_id)
                continue
            vector, _ = self.cold_vector(bundle, attributes)
            self._add(bundle, movie_id, attributes, vector, store=False)
