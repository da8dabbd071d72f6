from pathlib import Path

import numpy as np
import pytest

from graphrec.data import bundled_data_dir, load_movielens
from graphrec.data.readers import detect_layout
from graphrec.errors import DataError


def test_csv_layout_indices_and_attributes(tiny_csv: Path) -> None:
    data = load_movielens(tiny_csv)
    assert data.user_ids.tolist() == [1, 2, 3]
    assert data.movie_ids.tolist() == [10, 20, 30, 40]  # unrated movie 40 stays in the catalogue
    assert data.users.tolist() == [0, 0, 1, 2]
    assert data.movies.tolist() == [0, 1, 0, 2]
    assert data.ratings.dtype == np.float32 and data.timestamps.tolist() == [100, 200, 150, 50]
    table = data.movie_table
    assert table.years.tolist() == [1999, 2001, 0, 1950]
    assert table.genre_names == ["Action", "Comedy", "Drama"]  # "(no genres listed)" dropped
    assert table.genres_of(0) == ["Action", "Comedy"] and table.genres_of(2) == []
    assert table.tag_names == ["dark", "funny"]  # lower-cased, stripped, merged
    movie, tag, count = table.tag_counts
    assert sorted(zip(movie.tolist(), tag.tolist(), count.tolist(), strict=True)) == [
        (0, 1, 2.0),
        (1, 0, 1.0),
    ]
    assert data.movie_index(20) == 1 and data.movie_index(25) is None


def test_dat_layout(tmp_path: Path) -> None:
    folder = tmp_path / "ml-1m"
    folder.mkdir()
    (folder / "ratings.dat").write_text(
        "1::1::5::978300760\n1::2::3::978302109\n2::2::4::978301968\n"
    )
    (folder / "movies.dat").write_bytes(
        (
            "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Amélie (2001)::Comedy|Romance\n"
        ).encode("latin-1")
    )
    data = load_movielens(folder)
    assert detect_layout(folder) == "dat"
    assert data.num_users == 2 and data.num_movies == 2 and data.num_interactions == 3
    assert data.movie_table.titles[1] == "Amélie (2001)"  # latin-1 decoded
    assert data.movie_table.years.tolist() == [1995, 2001]
    assert "Children's" in data.movie_table.genre_names


def test_100k_layout(tmp_path: Path) -> None:
    folder = tmp_path / "ml-100k"
    folder.mkdir()
    (folder / "u.data").write_text(
        "196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t302\t4\t1\n"
    )
    flags_242 = ["0"] * 19
    flags_242[5] = "1"  # Comedy
    flags_302 = ["0"] * 19
    flags_302[6] = flags_302[16] = "1"  # Crime, Thriller
    (folder / "u.item").write_bytes(
        (f"242|Kolya (1996)|24-Jan-1997||http://x|{'|'.join(flags_242)}\n"
         f"302|L.A. Confidential (1997)|01-Jan-1997||http://y|{'|'.join(flags_302)}\n")
        .encode("latin-1")
    )  # fmt: skip
    data = load_movielens(folder)
    assert detect_layout(folder) == "100k"
    assert data.user_ids.tolist() == [186, 196] and data.movie_ids.tolist() == [242, 302]
    assert data.movie_table.genres_of(0) == ["Comedy"]
    assert data.movie_table.genres_of(1) == ["Crime", "Thriller"]
    assert data.movie_table.years.tolist() == [1996, 1997]


def test_bundled_data_matches_published_counts() -> None:
    data = load_movielens()
    assert (data.num_interactions, data.num_users, data.num_movies) == (100836, 610, 9742)
    assert (bundled_data_dir() / "LICENSE.txt").is_file()


def test_ratings_of_unknown_movies_are_dropped(tmp_path: Path) -> None:
    from tests.conftest import write_csv_layout

    folder = write_csv_layout(
        tmp_path / "d", ratings=[(1, 1, 4.0, 1), (1, 99, 3.0, 2)], movies=[(1, "A (2000)", "Drama")]
    )
    assert load_movielens(folder).num_interactions == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ratings.csv", "", r"ratings\.csv: file is empty"),
        ("ratings.csv", "userId,movieId,rating,timestamp\n", r"ratings\.csv: no rows"),
        ("ratings.csv", "userId,movieId,timestamp\n1,10,5\n",
         r"ratings\.csv:1: missing column 'rating'"),
        ("ratings.csv", "userId,movieId,rating,timestamp\n1,10,4,1\nx,10,4,1\n",
         r"ratings\.csv:3: column 'userId' is not a number: 'x'"),
        ("ratings.csv", "userId,movieId,rating,timestamp\n1,10,4,1\n1,10.5,4,1\n",
         r"ratings\.csv:3: column 'movieId' is not a number"),
        ("ratings.csv", "userId,movieId,rating,timestamp\n1,10,,1\n",
         r"ratings\.csv:2: column 'rating' is not a number"),
        ("ratings.csv", "userId,movieId,rating,timestamp\n1,10,4,1\n1,10,4,1,9\n",
         r"ratings\.csv: Expected 4 fields in line 3, saw 5"),
        ("ratings.csv", "userId,movieId,rating,timestamp\n1,10,4,1,9\n", r"ratings\.csv: Length"),
        ("movies.csv", "movieId,title\n10,A\n", r"movies\.csv:1: missing column 'genres'"),
    ],
)  # fmt: skip
def test_malformed_files_name_file_and_line(
    tiny_csv: Path, name: str, content: str, message: str
) -> None:
    (tiny_csv / name).write_text(content)
    with pytest.raises(DataError, match=message):
        load_movielens(tiny_csv)


def test_missing_folder_and_unknown_layout(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such data folder"):
        load_movielens(tmp_path / "nope")
    with pytest.raises(DataError, match="no MovieLens layout found"):
        load_movielens(tmp_path)
