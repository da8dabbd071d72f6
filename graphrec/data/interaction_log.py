"""Any interaction log as an :class:`InteractionDataset`: a TOML description, or a folder with
``interactions.csv|tsv|parquet`` (and ``items.csv|tsv|parquet``) under the default column names.

DESIGN.md gives the TOML. What a log may lack:

- **ratings**: every row is an interaction. A ``weight`` column (plays, purchases) is a
  confidence; it enters as the interaction's value ``log(1 + weight)``, the "rating" that only
  the movie features' mean-value column reads (every interaction is a positive label, as
  for explicit ratings). Without either, every value is 1.
- **timestamps**: every timestamp is 0 and the dataset says so (``has_timestamps``): training
  validates on a random slice, the time-based protocols refuse, and the movie → movie space
  pairs a user's movies at random instead of by their order.
- **items**: an item without a row is named ``item <id>`` and has no genres, year or tags.
  An item table's ``tags`` column (``tag_sep``-separated) counts each listed tag once, as a
  MovieLens tag application would: tag features, and cold start by tags.

Ids must be integers here; string ids are refused with a line saying so.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from graphrec.data.dataset import InteractionDataset
from graphrec.data.loaders import build_dataset
from graphrec.data.readers import RawTables
from graphrec.errors import DataError

#: File names a folder log is recognised by, in the order they are looked for.
SUFFIXES = (".csv", ".tsv", ".parquet")


class InteractionsSpec(BaseModel):
    """Where the interactions are and what their columns are called."""

    model_config = ConfigDict(extra="forbid")

    path: str
    sep: str | None = None
    user: str = "user"
    item: str = "item"
    rating: str | None = None
    weight: str | None = None
    timestamp: str | None = None


class ItemsSpec(BaseModel):
    """The optional item table."""

    model_config = ConfigDict(extra="forbid")

    path: str
    sep: str | None = None
    id: str = "id"
    title: str | None = None
    genres: str | None = None
    genre_sep: str = "|"
    year: str | None = None
    tags: str | None = None
    tag_sep: str = "|"


class LogSpec(BaseModel):
    """A whole TOML description (DESIGN.md)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    interactions: InteractionsSpec
    items: ItemsSpec | None = None


def is_log(path: Path) -> bool:
    """Whether ``path`` is a TOML description or a folder holding a generic log."""
    return path.suffix == ".toml" or _folder_file(path, "interactions") is not None


def load_log(path: Path) -> InteractionDataset:
    """Read the log ``path`` names (a ``.toml`` file or a folder; module docstring).

    Raises:
        DataError: A TOML typo, a missing file or column, an empty file, a non-numeric value,
            duplicate item rows or blank ids: one line naming the file, column and row.
    """
    spec, base = _spec(path)
    interactions = _interactions(base / spec.interactions.path, spec.interactions)
    items = None if spec.items is None else _items(base / spec.items.path, spec.items)
    has_timestamps = interactions.attrs.pop("has_timestamps")
    known = np.unique(interactions["movie"].to_numpy())
    movies = pd.DataFrame({"movie": known, "title": [f"item {i}" for i in known], "genres": ""})
    years = None
    if items is not None:
        movies = pd.concat([items[["movie", "title", "genres"]], movies]).drop_duplicates("movie")
        years = items[["movie", "year"]]
    tags = None if items is None else _tag_rows(items)
    tables = RawTables(ratings=interactions, movies=movies, tags=tags)
    dataset = build_dataset(tables, name=spec.name or path.stem)
    return _finish(dataset, years, has_timestamps)


def _spec(path: Path) -> tuple[LogSpec, Path]:
    if path.suffix != ".toml":
        interactions = _folder_file(path, "interactions")
        if interactions is None:
            raise DataError(f"{path}: no interactions.csv, .tsv or .parquet")
        items = _folder_file(path, "items")
        spec = LogSpec(
            name=path.name,
            interactions=InteractionsSpec(path=interactions.name),
            items=None if items is None else ItemsSpec(path=items.name, title="title"),
        )
        return spec, path
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not valid TOML ({error})") from None
    try:
        return LogSpec.model_validate(raw), path.parent
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        reason = "unknown key" if first["type"] == "extra_forbidden" else first["msg"].lower()
        raise DataError(f"{path}: {reason}: {where}") from None


def _folder_file(folder: Path, stem: str) -> Path | None:
    if not folder.is_dir():
        return None
    for suffix in SUFFIXES:
        if (folder / f"{stem}{suffix}").is_file():
            return folder / f"{stem}{suffix}"
    return None


def _read(path: Path, sep: str | None) -> pd.DataFrame:
    """The whole table, every column as text (csv/tsv) or as stored (parquet)."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty")
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            separator = sep or ("\t" if path.suffix == ".tsv" else ",")
            frame = pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False,
                                encoding="utf-8", index_col=False)  # fmt: skip
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text") from None
    except (ValueError, OSError, pd.errors.ParserError) as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise DataError(f"{path}: cannot be read ({reason})") from None
    if frame.empty:
        raise DataError(f"{path}: no rows")
    return frame


def _column(frame: pd.DataFrame, path: Path, name: str) -> pd.Series:
    if name not in frame.columns:
        found = ", ".join(map(str, frame.columns))
        raise DataError(f"{path}: missing column {name!r} (found: {found})")
    return frame[name]


def _optional(frame: pd.DataFrame, path: Path, given: str | None, default: str) -> pd.Series | None:
    """A column the spec names (which must exist), else the default name if present."""
    if given is not None:
        return _column(frame, path, given)
    return frame[default] if default in frame.columns else None


def _numbers(values: pd.Series, path: Path, name: str, *, integer: bool) -> np.ndarray:
    """``values`` as numbers, or a :class:`DataError` at the first row that is not one."""
    text = values.astype(str).str.strip()
    blank = (text == "").to_numpy()
    if blank.any():
        row = int(np.argmax(blank))
        raise DataError(f"{path}: row {row + 1}: column {name!r} is blank")
    parsed = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(parsed)
    if integer:
        bad |= ~np.isclose(np.nan_to_num(parsed) % 1, 0) | (np.abs(np.nan_to_num(parsed)) >= 2**63)
    if bad.any():
        row = int(np.argmax(bad))
        kind = "an integer id (string ids are not supported yet)" if integer else "a number"
        raise DataError(f"{path}: row {row + 1}: column {name!r} is not {kind}: {text.iloc[row]!r}")
    return parsed.astype(np.int64) if integer else parsed


def _interactions(path: Path, spec: InteractionsSpec) -> pd.DataFrame:
    frame = _read(path, spec.sep)
    users = _numbers(_column(frame, path, spec.user), path, spec.user, integer=True)
    items = _numbers(_column(frame, path, spec.item), path, spec.item, integer=True)
    rating = _optional(frame, path, spec.rating, "rating")
    weight = _optional(frame, path, spec.weight, "weight")
    if rating is not None:
        values = _numbers(rating, path, spec.rating or "rating", integer=False)
    elif weight is not None:
        weights = _numbers(weight, path, spec.weight or "weight", integer=False)
        if (weights < 0).any():
            row = int(np.argmax(weights < 0))
            raise DataError(
                f"{path}: row {row + 1}: column {spec.weight or 'weight'!r} is negative"
            )
        values = np.log1p(weights)
    else:
        values = np.ones(len(frame))
    stamps = _optional(frame, path, spec.timestamp, "timestamp")
    times = np.zeros(len(frame), dtype=np.int64)
    if stamps is not None:
        times = _times(stamps, path, spec.timestamp or "timestamp")
    out = pd.DataFrame({"user": users, "movie": items, "rating": values.astype(np.float32),
                        "timestamp": times})  # fmt: skip
    out.attrs["has_timestamps"] = stamps is not None
    return out


def _times(values: pd.Series, path: Path, name: str) -> np.ndarray:
    """Seconds since the epoch, given as numbers or as ISO 8601 text."""
    numeric = pd.to_numeric(values.astype(str).str.strip(), errors="coerce")
    if not numeric.isna().any():
        return numeric.to_numpy(dtype=np.float64).astype(np.int64)
    parsed = pd.to_datetime(
        values.astype(str).str.strip(), errors="coerce", utc=True, format="ISO8601"
    )
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(f"{path}: row {row + 1}: column {name!r} is neither seconds since the "
                        f"epoch nor an ISO 8601 time: {values.iloc[row]!r}")  # fmt: skip
    epoch = pd.Timestamp(0, tz="UTC")
    return ((parsed - epoch) // pd.Timedelta(seconds=1)).to_numpy(dtype=np.int64)


def _items(path: Path, spec: ItemsSpec) -> pd.DataFrame:
    frame = _read(path, spec.sep)
    ids = _numbers(_column(frame, path, spec.id), path, spec.id, integer=True)
    unique, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        duplicate = unique[counts > 1][0]
        rows = np.flatnonzero(ids == duplicate)[:2] + 1
        raise DataError(f"{path}: rows {rows[0]} and {rows[1]}: duplicate id {duplicate}")
    title = _optional(frame, path, spec.title, "title")
    titles = [f"item {i}" for i in ids] if title is None else title.astype(str).tolist()
    genres = _optional(frame, path, spec.genres, "genres")
    joined = [""] * len(ids)
    if genres is not None:
        parts = genres.astype(str).str.split(spec.genre_sep, regex=False)
        joined = ["|".join(g.strip() for g in row if g.strip()) for row in parts]
    year = _optional(frame, path, spec.year, "year")
    years = np.zeros(len(ids), dtype=np.int64)
    if year is not None:
        text = year.astype(str).str.strip()
        known = (text != "").to_numpy()
        years[known] = _numbers(text[known], path, spec.year or "year", integer=True)
    tags: list[list[str]] = [[] for _ in ids]
    # A column named "tags" that the spec reads as genres is not read twice.
    taken = spec.tags is None and spec.genres == "tags"
    tag_text = None if taken else _optional(frame, path, spec.tags, "tags")
    if tag_text is not None:
        tags = [[t.strip() for t in row if t.strip()]
                for row in tag_text.astype(str).str.split(spec.tag_sep, regex=False)]  # fmt: skip
    return pd.DataFrame({"movie": ids, "title": titles, "genres": joined, "year": years,
                         "tags": tags})  # fmt: skip


def _tag_rows(items: pd.DataFrame) -> pd.DataFrame | None:
    """The item table's tags as MovieLens-style tag rows ``(user, movie, tag)``, user -1:
    each tag an item lists counts once."""
    rows = items[["movie", "tags"]].explode("tags").dropna(subset=["tags"])
    if rows.empty:
        return None
    return pd.DataFrame({"user": -1, "movie": rows["movie"].to_numpy(),
                         "tag": rows["tags"].to_numpy()})  # fmt: skip


def _finish(
    dataset: InteractionDataset, years: pd.DataFrame | None, has_timestamps: bool
) -> InteractionDataset:
    """The dataset with the item table's years (not parsed from titles) and the timestamp flag."""
    table = dataset.movie_table
    known_years = np.zeros(dataset.num_movies, dtype=np.int64)
    if years is not None:
        rows = np.searchsorted(dataset.movie_ids, years["movie"].to_numpy())
        inside = (rows < dataset.num_movies) & (
            dataset.movie_ids[np.minimum(rows, dataset.num_movies - 1)] == years["movie"].to_numpy()
        )
        known_years[rows[inside]] = years["year"].to_numpy()[inside]
    return replace(
        dataset, movie_table=replace(table, years=known_years), has_timestamps=has_timestamps
    )
