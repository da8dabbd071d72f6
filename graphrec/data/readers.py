"""Readers for the published MovieLens layouts, each returning the same three raw tables.

Every table is checked as it is read: a missing file or column, an empty file or a non-numeric id
raises :class:`DataError` naming the file and, where there is one, the line.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from graphrec.errors import DataError

Layout = Literal["csv", "dat", "100k"]

#: Genre columns of ml-100k's u.item, used when u.genre is absent.
ML100K_GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
]  # fmt: skip


@dataclass(frozen=True)
class RawTables:
    """Tables with normalised column names, before ids are made contiguous.

    ``ratings``: user, movie, rating, timestamp. ``movies``: movie, title, genres (``|``-joined).
    ``tags``: user, movie, tag (``None`` when the layout has no tags).
    """

    ratings: pd.DataFrame
    movies: pd.DataFrame
    tags: pd.DataFrame | None


def detect_layout(folder: Path) -> Layout:
    """Which published layout ``folder`` holds, judged by its ratings file."""
    if not folder.is_dir():
        raise DataError(f"{folder}: no such data folder")
    if (folder / "ratings.csv").is_file():
        return "csv"
    if (folder / "ratings.dat").is_file():
        return "dat"
    if (folder / "u.data").is_file():
        return "100k"
    raise DataError(
        f"{folder}: no MovieLens layout found (expected ratings.csv, ratings.dat or u.data)"
    )


def read_tables(folder: Path) -> RawTables:
    """Read the ratings, movies and tags of any supported layout in ``folder``."""
    match detect_layout(folder):
        case "csv":
            return _read_csv_layout(folder)
        case "dat":
            return _read_dat_layout(folder)
        case "100k":
            return _read_100k_layout(folder)


def _read_csv_layout(folder: Path) -> RawTables:
    ratings = _read_table(
        folder / "ratings.csv",
        columns={"userId": "int", "movieId": "int", "rating": "float", "timestamp": "int"},
    )
    movies = _read_table(
        folder / "movies.csv", columns={"movieId": "int", "title": "str", "genres": "str"}
    )
    tags = None
    if (folder / "tags.csv").is_file():
        tags = _read_table(
            folder / "tags.csv",
            columns={"userId": "int", "movieId": "int", "tag": "str"},
            allow_empty=True,
        )
        tags.columns = ["user", "movie", "tag"]
    ratings.columns = ["user", "movie", "rating", "timestamp"]
    movies.columns = ["movie", "title", "genres"]
    return RawTables(ratings=ratings, movies=movies, tags=tags)


def _read_dat_layout(folder: Path) -> RawTables:
    ratings = _read_table(
        folder / "ratings.dat",
        columns={"user": "int", "movie": "int", "rating": "float", "timestamp": "int"},
        sep="::",
        header=False,
    )
    movies = _read_table(
        folder / "movies.dat",
        columns={"movie": "int", "title": "str", "genres": "str"},
        sep="::",
        header=False,
    )
    tags = None
    if (folder / "tags.dat").is_file():
        tags = _read_table(
            folder / "tags.dat",
            columns={"user": "int", "movie": "int", "tag": "str", "timestamp": "int"},
            sep="::",
            header=False,
            allow_empty=True,
        )[["user", "movie", "tag"]]
    return RawTables(ratings=ratings, movies=movies, tags=tags)


def _read_100k_layout(folder: Path) -> RawTables:
    ratings = _read_table(
        folder / "u.data",
        columns={"user": "int", "movie": "int", "rating": "float", "timestamp": "int"},
        sep="\t",
        header=False,
    )
    genre_names = _read_100k_genres(folder)
    columns = {"movie": "int", "title": "str", "release": "str", "video": "str", "url": "str"}
    columns.update({f"g{i}": "int" for i in range(len(genre_names))})
    items = _read_table(folder / "u.item", columns=columns, sep="|", header=False)
    flags = items[[f"g{i}" for i in range(len(genre_names))]].to_numpy(dtype=bool)
    names = np.array(genre_names, dtype=object)
    genres = ["|".join(names[row]) for row in flags]  # one join per movie, not per rating
    movies = pd.DataFrame({"movie": items["movie"], "title": items["title"], "genres": genres})
    return RawTables(ratings=ratings, movies=movies, tags=None)


def _read_100k_genres(folder: Path) -> list[str]:
    path = folder / "u.genre"
    if not path.is_file():
        return ML100K_GENRES
    pairs = [line.split("|") for line in path.read_text(encoding="latin-1").splitlines() if line]
    names = [name for name, _ in sorted(pairs, key=lambda pair: int(pair[1]))]
    return ["Children" if name == "Children's" else name for name in names]


def _read_table(
    path: Path,
    *,
    columns: dict[str, str],
    sep: str = ",",
    header: bool = True,
    allow_empty: bool = False,
) -> pd.DataFrame:
    """Read ``columns`` of one delimited file, checking names, emptiness and numeric fields.

    Args:
        path: The file.
        columns: Column name → ``"int"``, ``"float"`` or ``"str"``, in file order for
            header-less files.
        sep: Field separator; ``"::"`` (the .dat layouts) is rewritten to a tab so that pandas'
            fast C parser can read it.
        header: Whether the first line names the columns.
        allow_empty: Accept a file with a header and no rows.
    """
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty")
    raw = path.read_bytes()
    if sep == "::":
        raw, sep = raw.replace(b"::", b"\t"), "\t"
    encoding = _encoding_of(raw)
    names = list(columns)
    typed = {name: _DTYPES[kind] for name, kind in columns.items()}
    try:
        # Fast path: let the C parser convert numbers; only a failure pays for locating the line.
        frame = _parse(
            path, raw, sep=sep, header=header, names=names, dtypes=typed, encoding=encoding
        )
    except (ValueError, OverflowError):  # a field that is no number, or a number too long
        frame = _parse(
            path, raw, sep=sep, header=header, names=names, dtypes=None, encoding=encoding
        )
        _raise_first_bad_number(path, frame, columns, first_line=2 if header else 1)
    if frame.empty and not allow_empty:
        raise DataError(f"{path}: no rows")
    bad_float = [name for name, kind in columns.items() if kind == "float"]
    if bad_float and frame[bad_float].isna().to_numpy().any():
        _raise_first_bad_number(path, frame, columns, first_line=2 if header else 1)
    return frame


_DTYPES = {"int": "int64", "float": "float32", "str": "str"}


def _raise_first_bad_number(
    path: Path, frame: pd.DataFrame, columns: dict[str, str], *, first_line: int
) -> None:
    """Raise a :class:`DataError` at the first row whose numeric field does not parse."""
    for name, kind in columns.items():
        if kind == "str":
            continue
        values = pd.to_numeric(frame[name].replace("", np.nan), errors="coerce")
        bad = values.isna().to_numpy()
        if kind == "int":
            bad = bad | ~np.isclose(values.fillna(0).to_numpy() % 1, 0)
        if bad.any():
            row = int(np.argmax(bad))
            raise DataError(
                f"{path}:{row + first_line}: column '{name}' is not a number: "
                f"{frame[name].iloc[row]!r}"
            )
    raise DataError(f"{path}: a numeric column holds a value that does not parse")


def _parse(
    path: Path,
    raw: bytes,
    *,
    sep: str,
    header: bool,
    names: list[str],
    dtypes: dict[str, str] | None,
    encoding: str,
) -> pd.DataFrame:
    """Parse ``names`` with pandas' C parser, converting to ``dtypes`` (``None``: all as text)."""
    quoting = csv.QUOTE_MINIMAL if sep == "," else csv.QUOTE_NONE
    try:
        with warnings.catch_warnings():
            # pandas only warns when the first row has an extra field; that is malformed too.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            if header:
                found = pd.read_csv(io.BytesIO(raw), sep=sep, nrows=0, encoding=encoding).columns
                missing = [name for name in names if name not in found]
                if missing:
                    raise DataError(
                        f"{path}:1: missing column {missing[0]!r} "
                        f"(found: {', '.join(map(str, found))})"
                    )
            frame = pd.read_csv(
                io.BytesIO(raw),
                sep=sep,
                header=0 if header else None,
                names=None if header else names,
                index_col=False,  # a row with an extra field is an error, not an index column
                dtype=dtypes if dtypes is not None else str,
                keep_default_na=False,
                skip_blank_lines=False,
                quoting=quoting,
                encoding=encoding,
            )
        return frame[names]
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{path}: file is empty") from exc
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        reason = str(exc).strip().splitlines()[-1].removeprefix("Error tokenizing data. C error: ")
        raise DataError(f"{path}: {reason}") from exc
    except (ValueError, OverflowError) as exc:
        if dtypes is not None:
            raise  # a field that does not convert: the caller locates it
        raise DataError(f"{path}: {exc}") from exc


def _encoding_of(raw: bytes) -> str:
    """utf-8 when the bytes decode as such; otherwise latin-1 (ml-100k and ml-1m use it)."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def read_ratings_csv(path: Path) -> pd.DataFrame:
    """A ratings file in the csv layout (userId,movieId,rating,timestamp), normalised columns."""
    ratings = _read_table(
        path, columns={"userId": "int", "movieId": "int", "rating": "float", "timestamp": "int"}
    )
    ratings.columns = ["user", "movie", "rating", "timestamp"]
    return ratings
