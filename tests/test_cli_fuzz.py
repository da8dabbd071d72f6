"""The CLI's data inputs, fuzzed: truncated, corrupted, non-UTF-8, huge-line and mangled files of
every layout give exit 0 (a mutation that left the file valid) or one line and exit 2; never a
traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graphrec.cli import main
from graphrec.data.loaders import bundled_data_dir

ROWS = 300


def _sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    ratings = pd.read_csv(bundled_data_dir() / "ratings.csv").head(ROWS)
    movies = pd.read_csv(bundled_data_dir() / "movies.csv")
    return ratings, movies[movies.movieId.isin(ratings.movieId)]


def _csv(folder: Path, ratings: pd.DataFrame, movies: pd.DataFrame) -> list[Path]:
    ratings.to_csv(folder / "ratings.csv", index=False)
    movies.to_csv(folder / "movies.csv", index=False)
    return [folder / "ratings.csv", folder / "movies.csv"]


def _dat(folder: Path, ratings: pd.DataFrame, movies: pd.DataFrame) -> list[Path]:
    lines = ratings.astype(str).agg("::".join, axis=1)
    (folder / "ratings.dat").write_text("\n".join(lines) + "\n")
    (folder / "movies.dat").write_text("\n".join(movies.astype(str).agg("::".join, axis=1)) + "\n")
    return [folder / "ratings.dat", folder / "movies.dat"]


def _100k(folder: Path, ratings: pd.DataFrame, movies: pd.DataFrame) -> list[Path]:
    ratings.to_csv(folder / "u.data", sep="\t", header=False, index=False)
    flags = "|".join(["0"] * 19)
    items = [
        f"{m}|{t}|01-Jan-1995||http://x|{flags}"
        for m, t in zip(movies.movieId, movies.title, strict=True)
    ]
    (folder / "u.item").write_text("\n".join(items) + "\n", encoding="latin-1", errors="replace")
    return [folder / "u.data", folder / "u.item"]


def _generic(folder: Path, ratings: pd.DataFrame, movies: pd.DataFrame) -> list[Path]:
    ratings.rename(columns={"userId": "user", "movieId": "item"}).to_csv(
        folder / "interactions.csv", index=False
    )
    movies.rename(columns={"movieId": "id"}).to_csv(folder / "items.csv", index=False)
    return [folder / "interactions.csv", folder / "items.csv"]


LAYOUTS: dict[str, Callable[[Path, pd.DataFrame, pd.DataFrame], list[Path]]] = {
    "csv": _csv, "dat": _dat, "100k": _100k, "generic": _generic,
}  # fmt: skip


def _mutate(raw: bytes, rng: np.random.Generator) -> bytes:
    """One seeded mutation of a file's bytes."""
    at = int(rng.integers(0, max(1, len(raw))))
    match int(rng.integers(0, 6)):
        case 0:  # truncated, as an interrupted copy or download leaves it
            return raw[:at]
        case 1:  # random bytes over a stretch, non-UTF-8 among them
            noise = rng.integers(0, 256, int(rng.integers(1, 16)), dtype=np.uint8).tobytes()
            return raw[:at] + noise + raw[at + len(noise) :]
        case 2:  # a huge line
            return raw[:at] + b"\n" + b"9" * 2_000_000 + b"\n" + raw[at:]
        case 3:  # a field turned into text
            return raw[:at] + b"abc" + raw[at:]
        case 4:  # a delimiter lost
            cut = raw.find(b",", at) if b"," in raw else raw.find(b"\t", at)
            return raw if cut < 0 else raw[:cut] + raw[cut + 1 :]
        case _:  # nothing but a header
            return raw.split(b"\n", 1)[0] + b"\n"


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_mangled_files_are_one_line_and_exit_2_never_a_traceback(
    layout: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ratings, movies = _sample()
    rng = np.random.default_rng(7)
    for case in range(30):
        folder = tmp_path / f"{layout}-{case}"
        folder.mkdir()
        files = LAYOUTS[layout](folder, ratings, movies)
        target = files[int(rng.integers(0, len(files)))]
        target.write_bytes(_mutate(target.read_bytes(), rng))
        code = main(["data", "info", str(folder)])
        err = capsys.readouterr().err.strip().splitlines()
        if code == 0:
            continue
        assert code == 2, (layout, case, err)
        assert len(err) == 1 and err[0].startswith("graphrec: error: "), (layout, case, err)
