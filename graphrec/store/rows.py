"""Rows in and out of the store's tables, the same for every database: how a movie's
attributes, an event batch and an impression are written as columns and read back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from graphrec.coldstart import Attributes
from graphrec.experiments.impressions import Impression
from graphrec.store.events import EventColumns, FeedbackEvent

#: Columns read back, in the order the functions below take them.
MOVIE_COLUMNS = "id, title, genres, year, tags"
EVENT_COLUMNS = "user_id, movie_id, COALESCE(rating, -1.0), timestamp, seq"
IMPRESSION_COLUMNS = "request_id, user_id, timestamp, arms, interleave, movies, teams"


def movie_params(movie_id: int, attributes: Attributes) -> tuple[Any, ...]:
    return (movie_id, attributes.title, json.dumps(attributes.genres), attributes.year,
            json.dumps(attributes.tags))  # fmt: skip


def movies_of(rows: Sequence[Sequence[Any]]) -> list[tuple[int, Attributes]]:
    return [
        (int(i), Attributes(title, json.loads(genres), year, json.loads(tags)))
        for i, title, genres, year, tags in rows
    ]


def event_params(events: Sequence[FeedbackEvent]) -> list[tuple[Any, ...]]:
    return [(e.user, e.movie, e.kind, e.rating, e.timestamp, e.request_id) for e in events]


def event_columns(rows: Sequence[Sequence[Any]], after: int) -> EventColumns:
    """Rows of :data:`EVENT_COLUMNS` (a missing rating read as -1) as arrays."""
    table = np.array(rows, dtype=object).reshape(-1, 5)
    ratings = table[:, 2].astype(np.float32)
    return EventColumns(
        table[:, 0].astype(np.int64), table[:, 1].astype(np.int64),
        np.where(ratings < 0, np.float32(np.nan), ratings), table[:, 3].astype(np.int64),
        int(table[-1, 4]) if len(table) else after,
    )  # fmt: skip


def impression_params(impressions: Sequence[Impression]) -> list[tuple[Any, ...]]:
    return [
        (i.request_id, i.user, i.timestamp, json.dumps(i.arms),
         None if i.interleave is None else json.dumps(i.interleave), json.dumps(i.movies),
         None if i.teams is None else json.dumps(i.teams))
        for i in impressions
    ]  # fmt: skip


def impressions_of(rows: Sequence[Sequence[Any]]) -> list[Impression]:
    return [
        Impression(
            request_id,
            user,
            timestamp,
            json.loads(arms),
            None if pair is None else tuple(json.loads(pair)),
            json.loads(movies),
            None if teams is None else json.loads(teams),
        )
        for request_id, user, timestamp, arms, pair, movies, teams in rows
    ]


def clicks_of(rows: Sequence[Sequence[Any]]) -> list[tuple[str, int, int]]:
    return [(str(r), int(u), int(m)) for r, u, m in rows]
