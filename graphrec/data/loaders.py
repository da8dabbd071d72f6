"""Turn raw MovieLens tables into an :class:`InteractionDataset` with contiguous indices."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from graphrec.data.dataset import InteractionDataset, MovieTable
from graphrec.data.readers import RawTables, read_tables
from graphrec.errors import DataError

logger = logging.getLogger(__name__)

#: The dataset shipped inside the package, used when no ``--data`` folder is given.
BUNDLED_NAME = "ml-latest-small"
_NO_GENRES = "(no genres listed)"
_YEAR_PATTERN = r"\((\d{4})(?:[–-]\d{0,4})?\)\s*$"


def bundled_data_dir() -> Path:
    """Folder of the embedded MovieLens latest-small copy (with its LICENSE.txt)."""
    return Path(str(resources.files("graphrec.data") / "bundled" / BUNDLED_NAME))


def load_movielens(folder: Path | str | None = None) -> InteractionDataset:
    """Load any supported MovieLens layout; the bundled latest-small when ``folder`` is ``None``.

    Raises:
        DataError: The folder holds no known layout, or one of its files is malformed.
    """
    path = Path(folder) if folder is not None else bundled_data_dir()
    tables = read_tables(path)
    logger.info("read %s: %d ratings, %d movies", path, len(tables.ratings), len(tables.movies))
    return build_dataset(tables, name=path.name)


def load_data(path: Path | str | None = None) -> InteractionDataset:
    """Whatever ``--data`` names: the bundled set (``None``), a generic interaction log (a
    ``.toml`` description or a folder with ``interactions.*``: graphrec.data.interaction_log)
    or a MovieLens folder."""
    from graphrec.data.interaction_log import is_log, load_log  # it builds on this module

    if path is not None and is_log(Path(path)):
        return load_log(Path(path))
    return load_movielens(path)


def build_dataset(tables: RawTables, *, name: str) -> InteractionDataset:
    """Index users and movies contiguously and parse movie attributes, all vectorised."""
    movies = tables.movies.drop_duplicates("movie", keep="first").sort_values("movie")
    movie_ids = movies["movie"].to_numpy(np.int64)
    ratings = tables.ratings
    known = np.isin(ratings["movie"].to_numpy(), movie_ids)
    if not known.all():
        unknown = ratings.loc[~known, "movie"]
        logger.warning(
            "dropping %d ratings of %d movie ids absent from the movie table (e.g. %d)",
            len(unknown), unknown.nunique(), int(unknown.iloc[0]),
        )  # fmt: skip
        ratings = ratings.loc[known]
    if ratings.empty:
        raise DataError(f"{name}: no ratings refer to a known movie")
    user_ids, users = np.unique(ratings["user"].to_numpy(np.int64), return_inverse=True)
    movie_index = np.searchsorted(movie_ids, ratings["movie"].to_numpy(np.int64))
    table = _movie_table(movies, tables.tags, movie_ids)
    return InteractionDataset(
        name=name,
        user_ids=user_ids,
        movie_ids=movie_ids,
        users=users.astype(np.int64),
        movies=movie_index.astype(np.int64),
        ratings=ratings["rating"].to_numpy(np.float32),
        timestamps=ratings["timestamp"].to_numpy(np.int64),
        movie_table=table,
    )


def _movie_table(
    movies: pd.DataFrame, tags: pd.DataFrame | None, movie_ids: np.ndarray
) -> MovieTable:
    titles = movies["title"].astype(str).str.strip()
    years = titles.str.extract(_YEAR_PATTERN)[0].fillna(0).astype(np.int64).to_numpy()
    dummies = movies["genres"].astype(str).str.get_dummies(sep="|")
    dummies = dummies.drop(columns=[c for c in dummies.columns if c in (_NO_GENRES, "")])
    tag_names, tag_counts = _tag_counts(tags, movie_ids)
    return MovieTable(
        titles=titles.to_numpy(dtype=object),
        genre_names=[str(c) for c in dummies.columns],
        genres=dummies.to_numpy(dtype=bool),
        years=years,
        tag_names=tag_names,
        tag_counts=tag_counts,
    )


def _tag_counts(
    tags: pd.DataFrame | None, movie_ids: np.ndarray
) -> tuple[list[str], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per-movie counts of each lower-cased tag as COO triplets over the tag vocabulary."""
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))
    if tags is None or tags.empty:
        return [], empty
    tags = tags.assign(tag=tags["tag"].astype(str).str.strip().str.lower())
    tags = tags.loc[(tags["tag"] != "") & np.isin(tags["movie"].to_numpy(), movie_ids)]
    if tags.empty:
        return [], empty
    counts = tags.groupby(["movie", "tag"]).size().reset_index(name="count")
    vocabulary, tag_index = np.unique(counts["tag"].to_numpy(dtype=str), return_inverse=True)
    movie_index = np.searchsorted(movie_ids, counts["movie"].to_numpy(np.int64))
    return [str(t) for t in vocabulary], (
        movie_index.astype(np.int64),
        tag_index.astype(np.int64),
        counts["count"].to_numpy(np.float32),
    )
