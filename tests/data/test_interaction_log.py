"""Generic interaction logs: TOML or folder, explicit or implicit, with or without timestamps."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api import Settings, create_app
from graphrec.data.interaction_log import load_log
from graphrec.data.loaders import bundled_data_dir, load_data, load_movielens
from graphrec.errors import DataError
from graphrec.eval import make_split

YEAR = r"\((\d{4})(?:[–-]\d{0,4})?\)\s*$"


def generic_copy(folder: Path, num_users: int | None = None) -> Path:
    """The bundled ratings and movies written out under the default generic column names."""
    source = bundled_data_dir()
    ratings = pd.read_csv(source / "ratings.csv")
    if num_users is not None:
        ratings = ratings[ratings.userId <= num_users]
    movies = pd.read_csv(source / "movies.csv")
    folder.mkdir(parents=True, exist_ok=True)
    ratings.rename(columns={"userId": "user", "movieId": "item"}).to_csv(
        folder / "interactions.csv", index=False
    )
    years = movies.title.str.strip().str.extract(YEAR)[0].fillna("")
    pd.DataFrame(
        {"id": movies.movieId, "title": movies.title, "genres": movies.genres, "year": years}
    ).to_csv(folder / "items.csv", index=False)
    return folder


def test_the_bundled_data_as_a_generic_log_is_the_same_dataset(tmp_path: Path) -> None:
    movielens = tmp_path / "ml"
    movielens.mkdir()
    for name in ("ratings.csv", "movies.csv"):  # the generic layout carries no tags
        (movielens / name).write_bytes((bundled_data_dir() / name).read_bytes())
    expected = load_movielens(movielens)
    got = load_data(generic_copy(tmp_path / "log"))
    for name in ("user_ids", "movie_ids", "users", "movies", "ratings", "timestamps"):
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name), err_msg=name)
    np.testing.assert_array_equal(got.movie_table.genres, expected.movie_table.genres)
    np.testing.assert_array_equal(got.movie_table.years, expected.movie_table.years)
    assert got.movie_table.genre_names == expected.movie_table.genre_names
    assert got.has_timestamps and got.checksum() == expected.checksum()


def test_an_implicit_tsv_log_without_timestamps_described_by_toml(tmp_path: Path) -> None:
    pd.DataFrame({"listener": [1, 1, 2, 3, 3, 3], "artist": [10, 11, 10, 11, 12, 99],
                  "plays": [5, 0, 120, 3, 7, 1]}).to_csv(
        tmp_path / "plays.tsv", sep="\t", index=False
    )  # fmt: skip
    artists = {"aid": [10, 11, 12], "name": ["Low", "Mid", "High"],
               "tags": ["rock;indie", "jazz", ""]}  # fmt: skip
    pd.DataFrame(artists).to_csv(tmp_path / "artists.csv", index=False)
    (tmp_path / "log.toml").write_text(
        'name = "music"\n[interactions]\npath = "plays.tsv"\nuser = "listener"\n'
        'item = "artist"\nweight = "plays"\n[items]\npath = "artists.csv"\nid = "aid"\n'
        'title = "name"\ngenres = "tags"\ngenre_sep = ";"\n'
    )
    data = load_data(tmp_path / "log.toml")
    assert data.name == "music" and not data.has_timestamps
    np.testing.assert_allclose(np.sort(data.ratings), np.sort(np.log1p([5, 0, 120, 3, 7, 1])))
    assert list(data.movie_ids) == [10, 11, 12, 99]
    assert data.movie_table.titles[3] == "item 99"  # no row in the item table
    assert data.movie_table.genre_names == ["indie", "jazz", "rock"]
    assert (data.movie_table.years == 0).all()
    assert data.movie_table.tag_names == []  # the "tags" column is read as genres, not twice
    with pytest.raises(DataError, match=r"no timestamps.*--protocol stratified"):
        make_split(data, "temporal")
    assert make_split(data, "stratified").test.num_interactions > 0


def test_an_item_table_s_tags_are_tag_features(tmp_path: Path) -> None:
    pd.DataFrame({"user": [1, 1, 2], "item": ["7", "8", "8"]}).to_csv(
        tmp_path / "interactions.csv", index=False
    )
    pd.DataFrame({"id": [7, 8], "title": ["A", "B"], "labels": ["Pixar, toys", "toys"]}).to_csv(
        tmp_path / "items.csv", index=False
    )
    (tmp_path / "log.toml").write_text(
        '[interactions]\npath = "interactions.csv"\n[items]\npath = "items.csv"\n'
        'tags = "labels"\ntag_sep = ","\n'
    )
    data = load_data(tmp_path / "log.toml")
    assert data.movie_table.tag_names == ["pixar", "toys"]
    movie, tag, count = data.movie_table.tag_counts
    triplets = zip(movie.tolist(), tag.tolist(), count.tolist(), strict=True)
    assert sorted(triplets) == [(0, 0, 1), (0, 1, 1), (1, 1, 1)]


def test_a_parquet_folder_with_iso_times(tmp_path: Path) -> None:
    pd.DataFrame({"user": [1, 2, 2], "item": [5, 5, 6],
                  "timestamp": ["2020-01-01T00:00:00Z", "2020-01-02", "2021-06-01T12:00:00+00:00"]}
                 ).to_parquet(tmp_path / "interactions.parquet")  # fmt: skip
    data = load_log(tmp_path)
    assert data.has_timestamps and sorted(data.timestamps)[0] == 1577836800
    assert (data.ratings == 1.0).all()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"interactions.csv": "user,item\n1,2\n,3\n"}, "row 2: column 'user' is blank"),
        ({"interactions.csv": "user,thing\n1,2\n"}, "missing column 'item'"),
        (
            {"interactions.csv": "user,item,rating\n1,2,4\n1,3,good\n"},
            "row 2: column 'rating' is not a number: 'good'",
        ),
        ({"interactions.csv": ""}, "file is empty"),
        ({"interactions.csv": "user,item\n"}, "no rows"),
        ({"interactions.csv": "user,item\nu-1,2\n"}, "string ids are not supported"),
        (
            {"interactions.csv": "user,item\n1,2\n", "items.csv": "id,title\n2,a\n2,b\n"},
            "rows 1 and 2: duplicate id 2",
        ),
        (
            {"log.toml": '[interactions]\npath = "x.csv"\nusr = "u"\n'},
            "unknown key: interactions.usr",
        ),
        ({"log.toml": '[interactions]\npath = "missing.csv"\n'}, "missing.csv: file not found"),
        ({"interactions.csv": b"user,item\n1,2\xff\n"}, "not UTF-8"),
    ],
)
def test_bad_logs_are_one_line_naming_file_column_and_row(
    tmp_path: Path, files: dict[str, str | bytes], message: str
) -> None:
    for name, text in files.items():
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    target = tmp_path / "log.toml" if "log.toml" in files else tmp_path
    result = subprocess.run([sys.executable, "-m", "graphrec", "data", "info", str(target)],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


def test_an_implicit_log_trains_serves_and_exports(tmp_path: Path) -> None:
    log = generic_copy(tmp_path / "log", num_users=60)
    frame = pd.read_csv(log / "interactions.csv")
    frame.assign(weight=frame.rating * 2)[["user", "item", "weight"]].to_csv(
        log / "interactions.csv", index=False
    )
    items = pd.read_csv(log / "items.csv")
    items[["id", "title", "genres"]].to_csv(log / "items.csv", index=False)  # no years
    artifacts = tmp_path / "artifacts"
    command = [sys.executable, "-m", "graphrec", "train", "--data", str(log), "--out",
               str(artifacts), "--epochs", "2", "--quiet"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    with TestClient(create_app(Settings(artifacts=artifacts, data_dir=tmp_path))) as client:
        similar = client.get("/similar/1?k=5")
        assert similar.status_code == 200 and len(similar.json()["results"]) == 5
        assert client.get("/recommend/1?k=5").status_code == 200
        cold = client.post(
            "/similar?k=5", json={"title": "New", "genres": ["Comedy"], "year": 2026}
        )
        assert cold.status_code == 200 and cold.json()["matched_on"] == ["genres"]
        by_year = client.post("/similar", json={"title": "New", "year": 2026})
        assert by_year.status_code == 422
        assert by_year.json()["detail"] == (
            "nothing to match on: this bundle knows genres (the title is not used)"
        )
