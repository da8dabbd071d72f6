"""Durable serving state: registered movies and feedback events (graphrec.store.base.Store)."""

from pathlib import Path

from graphrec.errors import ConfigError
from graphrec.store.base import DuplicateMovie, Store, StoreUnavailable
from graphrec.store.events import EventColumns, FeedbackEvent, Kind
from graphrec.store.sqlite import SqliteStore

#: The store's file in the artifacts folder (or ``GRAPHREC_DATA_DIR``).
STORE_FILE = "store.sqlite"


def open_store(url: str | None, folder: Path) -> Store:
    """The store ``url`` names (``GRAPHREC_DATABASE_URL``): ``postgresql://…`` for one shared
    by several servers, ``sqlite:///path``, or nothing for ``folder/store.sqlite``."""
    if not url:
        return SqliteStore(folder / STORE_FILE)
    if url.startswith(("postgresql://", "postgres://")):
        from graphrec.store.postgres import PostgresStore

        return PostgresStore(url)
    if url.startswith("sqlite:///"):
        return SqliteStore(Path(url.removeprefix("sqlite:///")))
    raise ConfigError(
        f"GRAPHREC_DATABASE_URL: {url.split(':')[0]!r} is neither postgresql nor sqlite"
    )


__all__ = [
    "STORE_FILE",
    "DuplicateMovie",
    "EventColumns",
    "FeedbackEvent",
    "Kind",
    "SqliteStore",
    "Store",
    "StoreUnavailable",
    "open_store",
]
