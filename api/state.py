"""What the server holds: the bundle being served with its live users (swapped whole on
reload) and the store of registered movies and feedback, re-applied to every bundle it loads."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from graphrec.artifacts import Bundle, load_bundle, resolve
from graphrec.bucketing import default_shares
from graphrec.coldstart import NEIGHBOURS, Attributes, cold_index_row
from graphrec.errors import BundleError
from graphrec.experiments.impressions import ImpressionLog
from graphrec.experiments.layers import Interleave, Layer
from graphrec.store import DuplicateMovie, EventColumns, FeedbackEvent, Store, open_store
from graphrec.users.history import Interactions
from graphrec.users.live import LiveUsers

logger = logging.getLogger(__name__)


class MovieIdTaken(Exception):
    """The caller asked for a movie id that the catalogue or the registry already holds."""


@dataclass
class Experiments:
    """What the server experiments with, beside the ranker layer's shares: further A/B layers,
    the default interleaving, and where impressions go (``None``: not recorded)."""

    layers: list[Layer]
    interleave: Interleave | None
    log: ImpressionLog | None


class InvalidFeedback(ValueError):
    """A feedback request names something the server does not know; nothing was stored."""


class ServingState:
    """The live bundle, its users and the store.

    Requests read :attr:`users` (which holds its bundle) once and use that object throughout, so
    a reload (one reference swap) never mixes two versions inside one response. Writers
    (registrations, feedback, reloads) take :attr:`_write_lock` in turn. FAISS indexes are not
    safe to search while another thread adds to them, so index reads and writes go through
    :attr:`lock`.
    """

    def __init__(
        self, artifacts: Path, bundle: Bundle, store: Store,
        neighbours: int = NEIGHBOURS, shares: dict[str, float] | None = None,
        ab_salt: str = "",
    ) -> None:  # fmt: skip
        self.artifacts = artifacts
        self.ab_salt = ab_salt
        self.neighbours = neighbours
        self.store = store
        self.explicit_shares = shares
        self.lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._refused: Path | None = None  # the bundle catch_up last refused
        self._loaded_at = time.monotonic()  # when the load of the bundle served began
        self.users = self._live_users(bundle)

    @property
    def bundle(self) -> Bundle:
        return self.users.bundle

    @classmethod
    def load(
        cls, artifacts: Path, data_dir: Path | None = None, neighbours: int = NEIGHBOURS,
        *, shares: dict[str, float] | None = None, ab_salt: str = "",
        database_url: str | None = None,
    ) -> ServingState:  # fmt: skip
        bundle = load_bundle(artifacts)
        store = open_store(database_url, data_dir or Path(artifacts))
        state = cls(artifacts, bundle, store, neighbours, shares, ab_salt)
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

    def reload(self, asked_at: float | None = None, *, if_moved: bool = False) -> Bundle:
        """Load ``artifacts`` again; on failure raise and keep serving the old bundle.

        The store-sync thread and ``POST /admin/reload`` both see ``current`` move, and loading
        the same bundle twice would only hold up requests. So a reload asked for at
        ``asked_at`` (``time.monotonic()``) is already done when a load of the bundle
        ``current`` still points at began after it; and with ``if_moved`` (the sync thread's)
        nothing is loaded when, by the time the lock is taken, that bundle is served.
        """
        with self._write_lock:
            if if_moved or (asked_at is not None and self._loaded_at >= asked_at):
                try:
                    if resolve(self.artifacts) == self.bundle.path:
                        return self.bundle
                except BundleError:
                    pass  # load_bundle below says what is wrong
            started = time.monotonic()
            bundle = load_bundle(self.artifacts)
            self.users = self._live_users(bundle)
            self._loaded_at = started
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
        """Nearest movies to an index row by the movie → movie score (its item-space columns
        and the movie popularity weight, graphrec.similarity.IndexLayout)."""
        query = bundle.layout.similarity_query(vector, bundle.popularity_weights.item)
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
        return cold_index_row(vectors, bundle.layout.item_start), ids

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
        with self._write_lock:
            users = self.users
            bundle = users.bundle
            vector, sources = self.cold_vector(bundle, attributes)
            if movie_id is None:
                movie_id = max(bundle.catalog.ids) + 1
            elif movie_id in bundle.catalog:
                raise MovieIdTaken(f"movie id {movie_id} is taken")
            try:
                self._add(users, movie_id, attributes, vector, sources, store=True)
            except DuplicateMovie as exc:  # another worker or server took it meanwhile
                raise MovieIdTaken(f"movie id {movie_id} is taken") from exc
        return bundle, movie_id, vector, sources

    def feedback(self, events: list[FeedbackEvent]) -> list[int]:
        """Store ``events`` (one transaction), then apply them to the users; returns the ids
        of users first seen here. All or nothing.

        Raises:
            InvalidFeedback: an event names a movie the catalogue does not hold.
        """
        with self._write_lock:
            users = self.users
            columns = EventColumns.of(events)
            rows = users.rows_of(columns.movies)
            unknown = np.flatnonzero(rows < 0)
            if len(unknown):
                i = int(unknown[0])
                raise InvalidFeedback(f"event {i}: unknown movie {events[i].movie}")
            update = users.prepare(_per_user(columns, rows))
            self.store.add_events(events)
            users.commit(update)
        return update.new_users

    def _add(
        self, users: LiveUsers, movie_id: int, attributes: Attributes, vector: np.ndarray,
        sources: list[int], *, store: bool,
    ) -> None:  # fmt: skip
        bundle = users.bundle

        def add_live() -> None:
            with self.lock:
                bundle.index.add(np.array([movie_id]), vector[None, :])
            bundle.catalog.add(movie_id, attributes.title, attributes.genres, attributes.year)

        if not store:
            add_live()
        else:
            try:
                with self.store.adding_movie(movie_id, attributes):
                    add_live()
            except BaseException:  # the COMMIT included: it comes after add_live
                with self.lock:
                    bundle.index.remove(np.array([movie_id]))
                bundle.catalog.discard(movie_id)
                raise
        # Last, once the row is committed: the users' movie rows cannot be taken back, and
        # they must stay in the catalogue's order.
        users.add_movie(movie_id, users.rows_of(np.array(sources)), attributes.genres,
                        attributes.year)  # fmt: skip

    def _live_users(self, bundle: Bundle) -> LiveUsers:
        """``bundle``'s users with every stored registration and feedback event applied.

        A registered movie gets its vector recomputed from its attributes in this bundle. Events
        are merged into each user's interactions per movie (graphrec.users.history), so an
        event the bundle was trained on already (same user, movie and time) changes nothing.
        """
        users = LiveUsers.for_bundle(bundle)
        bundle.catalog.index_titles(bundle.rankers.features.popularity)
        for movie_id, attributes in self.store.movies():
            if movie_id in bundle.catalog:  # a retrained bundle knows it: its entry is served
                title = bundle.catalog.record(movie_id)["title"]
                if title != attributes.title:
                    logger.warning("registered movie %d (%r) is %r in this bundle; serving the "
                                   "bundle's", movie_id, attributes.title, title)  # fmt: skip
        self._apply_store(users)
        logger.info("store applied: %d live users, events through #%d", users.live_users,
                    users.applied_through)  # fmt: skip
        return users

    def catch_up(self) -> None:
        """Apply what other workers (or servers) wrote to the store since this one last looked,
        and load the bundle ``artifacts/current`` points at when it is not the one served."""
        try:
            current = resolve(self.artifacts)
        except BundleError:
            current = None
        if current is not None and current not in (self.bundle.path, self._refused):
            try:
                self.reload(if_moved=True)  # a reload under way may be loading it already
            except BundleError as exc:
                # Verifying a bundle reads every file: refuse a damaged one once, not every tick.
                self._refused = current
                logger.warning("artifacts/current moved but the bundle is refused: %s", exc)
        with self._write_lock:
            self._apply_store(self.users)

    def _apply_store(self, users: LiveUsers) -> None:
        """Registrations ``users``' catalogue lacks, then events after ``users.applied_through``."""
        bundle = users.bundle
        for movie_id, attributes in self.store.movies():
            if movie_id in bundle.catalog:
                continue  # already there: registered here, or part of this bundle's catalogue
            vector, sources = self.cold_vector(bundle, attributes)
            self._add(users, movie_id, attributes, vector, sources, store=False)
        events = self.store.events(after=users.applied_through)
        if len(events):
            rows = users.rows_of(events.movies)
            known = rows >= 0
            if not known.all():
                logger.warning("%d stored events name movies this bundle lacks; skipped",
                               int((~known).sum()))  # fmt: skip
            users.apply(_per_user(events.take(known), rows[known]))
        users.applied_through = events.last


def _per_user(events: EventColumns, rows: np.ndarray) -> dict[int, Interactions]:
    """Events per user as :class:`Interactions` over movie ``rows``, in arrival order."""
    order = np.argsort(events.users, kind="stable")
    users = events.users[order]
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    ends = np.r_[starts[1:], len(order)]
    return {
        int(users[start]): Interactions(
            rows[order[start:end]],
            events.ratings[order[start:end]],
            events.timestamps[order[start:end]],
        )
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True)
    }
