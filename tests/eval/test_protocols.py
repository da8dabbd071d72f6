from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graphrec.data import load_movielens
from graphrec.data.splits import VALIDATION_FRACTION, per_user_latest
from graphrec.errors import ConfigError, DataError
from graphrec.eval import make_split, split_from_files, targets_of
from tests.conftest import planted


@pytest.mark.parametrize(
    "protocol", ["temporal", "global-temporal", "stratified", "leave-last-out"]
)
def test_protocols_partition_the_interactions(protocol: str) -> None:
    data = planted()
    split = make_split(data, protocol, seed=1)
    assert split.train.num_interactions + split.test.num_interactions == data.num_interactions
    train_pairs = set(zip(split.train.users.tolist(), split.train.movies.tolist(), strict=True))
    test_pairs = set(zip(split.test.users.tolist(), split.test.movies.tolist(), strict=True))
    assert not train_pairs & test_pairs
    assert split.protocol["name"] == protocol


def test_temporal_holds_each_users_latest_fifth() -> None:
    data = planted()
    split = make_split(data, "temporal")
    for user in range(data.num_users):
        train_times = split.train.timestamps[split.train.users == user]
        test_times = split.test.timestamps[split.test.users == user]
        assert len(test_times) == 6 - round(0.8 * 6)
        assert train_times.max() <= test_times.min()


def test_global_temporal_reports_absent_users() -> None:
    data = planted()
    late_user = data.users == 0
    timestamps = np.where(late_user, 10_000, data.timestamps)  # user 0 only after the cut
    shifted = data.subset(np.ones(data.num_interactions, dtype=bool))
    object.__setattr__(shifted, "timestamps", timestamps)
    split = make_split(shifted, "global-temporal")
    assert split.protocol["test_users_absent_from_train"] >= 1
    assert 0 not in targets_of(split).users


def test_bad_protocol_and_ratio() -> None:
    with pytest.raises(ConfigError, match="unknown protocol 'random'"):
        make_split(planted(), "random")
    with pytest.raises(ConfigError, match=r"--ratio must lie in \(0, 1\)"):
        make_split(planted(), "stratified", ratio=1.5)


def _ratings(path: Path, rows: list[tuple[int, int, float, int]]) -> Path:
    pd.DataFrame(rows, columns=["userId", "movieId", "rating", "timestamp"]).to_csv(
        path, index=False
    )
    return path


def test_split_from_files(tiny_csv: Path, tmp_path: Path) -> None:
    train = _ratings(tmp_path / "train.csv", [(1, 10, 4.0, 1), (2, 20, 3.0, 2)])
    test = _ratings(tmp_path / "test.csv", [(1, 20, 5.0, 3)])
    split = split_from_files(train, test, tiny_csv)
    assert (split.train.num_interactions, split.test.num_interactions) == (2, 1)
    assert split.train.num_movies == load_movielens(tiny_csv).num_movies
    assert split.test.movie_ids[split.test.movies].tolist() == [20]

    absent = _ratings(tmp_path / "absent.csv", [(3, 20, 5.0, 3)])
    with pytest.raises(DataError, match=r"1 test users are absent from train\.csv"):
        split_from_files(train, absent, tiny_csv)
    unknown = _ratings(tmp_path / "unknown.csv", [(1, 999, 5.0, 3)])
    with pytest.raises(DataError, match="1 movie ids are not in the catalogue"):
        split_from_files(train, unknown, tiny_csv)


@pytest.mark.parametrize(
    ("protocol", "cut"),
    [("temporal", "temporal"), ("stratified", "random"), ("leave-last-out", "last")],
)
def test_models_validate_on_a_slice_cut_like_the_test(protocol: str, cut: str) -> None:
    split = make_split(planted(), protocol, seed=1)
    assert split.validation_cut == cut
    share = split.test.num_interactions / (
        split.train.num_interactions + split.test.num_interactions
    )
    expected = VALIDATION_FRACTION if protocol == "leave-last-out" else round(share, 4)
    assert split.validation_fraction == expected


def _write_split(folder: Path, train: pd.DataFrame, test: pd.DataFrame) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "train.csv", folder / "test.csv"
    train.to_csv(paths[0], index=False)
    test.to_csv(paths[1], index=False)
    return paths


def test_a_split_made_elsewhere_is_read_for_its_cut(tmp_path: Path) -> None:
    data = load_movielens()
    frame = pd.DataFrame({
        "userId": data.user_ids[data.users], "movieId": data.movie_ids[data.movies],
        "rating": data.ratings, "timestamp": data.timestamps,
    })  # fmt: skip
    in_test = per_user_latest(data.users, data.timestamps, 0.2)
    by_time = split_from_files(*_write_split(tmp_path / "t", frame[~in_test], frame[in_test]), None)
    assert by_time.validation_cut == "temporal"
    assert by_time.validation_fraction == pytest.approx(0.2, abs=0.01)
    shuffled = np.random.default_rng(0).random(data.num_interactions) < 0.25
    at_random = split_from_files(
        *_write_split(tmp_path / "r", frame[~shuffled], frame[shuffled]), None
    )
    assert at_random.validation_cut == "random"
