"""Durable serving state: registered movies and feedback events (graphrec.store.base.Store)."""

from graphrec.store.base import Store
from graphrec.store.events import EventColumns, FeedbackEvent, Kind
from graphrec.store.sqlite import SqliteStore

__all__ = ["EventColumns", "FeedbackEvent", "Kind", "SqliteStore", "Store"]
