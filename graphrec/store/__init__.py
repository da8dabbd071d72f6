"""Durable serving state: registered movies and feedback events (graphrec.store.base.Store)."""

from graphrec.store.base import Store
from graphrec.store.events import EventColumns, FeedbackEvent, Kind
from graphrec.store.sqlite import SqliteStore

#: The store's file in the artifacts folder (or ``GRAPHREC_DATA_DIR``).
STORE_FILE = "store.sqlite"

__all__ = ["STORE_FILE", "EventColumns", "FeedbackEvent", "Kind", "SqliteStore", "Store"]
