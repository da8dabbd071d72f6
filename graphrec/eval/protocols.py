"""Evaluation protocols (DESIGN.md): how interactions are split into train and test."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphrec.data.dataset import InteractionDataset
from graphrec.data.loaders import build_dataset, bundled_data_dir
from graphrec.data.readers import RawTables, read_ratings_csv, read_tables
from graphrec.data.splits import (
    VALIDATION_FRACTION,
    ValidationCut,
    global_time_cut,
    per_user_last,
    per_user_latest,
    per_user_random,
)
from graphrec.errors import ConfigError, DataError

PROTOCOLS = ("temporal", "global-temporal", "stratified", "leave-last-out")
#: Protocols that cut by time, which a log without timestamps cannot take.
TIME_PROTOCOLS = ("temporal", "global-temporal", "leave-last-out")
#: Share of each user's latest interactions that `temporal` holds out.
TEMPORAL_TEST_FRACTION = 0.2
#: Timestamp quantile of the single cut of `global-temporal`.
GLOBAL_CUT_QUANTILE = 0.8
#: The validation cut that mirrors each protocol's test cut.
VALIDATION_CUT: dict[str, ValidationCut] = {
    "temporal": "temporal",
    "global-temporal": "temporal",
    "stratified": "random",
    "leave-last-out": "last",
}
#: Share of test users whose test lies after all their training for a split made elsewhere to
#: count as cut by time.
TEMPORAL_AGREEMENT = 0.95


@dataclass(frozen=True)
class Split:
    """Train and test over one catalogue and user index, plus a description of how.

    ``protocol["validation"]`` names the validation cut that mirrors the test cut.
    """

    train: InteractionDataset
    test: InteractionDataset
    protocol: dict[str, Any] = field(default_factory=dict)

    @property
    def validation_cut(self) -> ValidationCut:
        cut: ValidationCut = self.protocol.get("validation", "temporal")
        return cut

    @property
    def validation_fraction(self) -> float:
        """Share of each user's training that validates: the test's share of each user."""
        return float(self.protocol.get("validation_fraction", VALIDATION_FRACTION))


def make_split(
    dataset: InteractionDataset, protocol: str, *, ratio: float = 0.75, seed: int = 0
) -> Split:
    """Split ``dataset`` by ``protocol``.

    Args:
        dataset: All interactions.
        protocol: One of :data:`PROTOCOLS`.
        ratio: Training share per user for ``stratified``, in ``(0, 1)``.
        seed: Seed of ``stratified``'s random choice.
    """
    users, times = dataset.users, dataset.timestamps
    if protocol in TIME_PROTOCOLS and not dataset.has_timestamps:
        raise DataError(
            f"{dataset.name} has no timestamps: protocol {protocol!r} cuts by time; "
            "use --protocol stratified"
        )
    params: dict[str, Any] = {"name": protocol}
    match protocol:
        case "temporal":
            test_mask = per_user_latest(users, times, TEMPORAL_TEST_FRACTION)
            params["test_fraction"] = TEMPORAL_TEST_FRACTION
        case "global-temporal":
            test_mask = global_time_cut(times, GLOBAL_CUT_QUANTILE)
            params["cut_quantile"] = GLOBAL_CUT_QUANTILE
        case "stratified":
            if not 0.0 < ratio < 1.0:
                raise ConfigError(f"--ratio must lie in (0, 1), got {ratio}")
            test_mask = per_user_random(users, 1.0 - ratio, seed=seed)
            params |= {"ratio": ratio, "seed": seed}
        case "leave-last-out":
            test_mask = per_user_last(users, times)
        case _:
            raise ConfigError(
                f"unknown protocol {protocol!r}; choose one of: {', '.join(PROTOCOLS)}"
            )
    params["validation"] = VALIDATION_CUT[protocol]
    if protocol != "leave-last-out":
        params["validation_fraction"] = round(float(test_mask.mean()), 4)
    return _describe(dataset.subset(~test_mask), dataset.subset(test_mask), params)


def split_from_files(train_csv: Path, test_csv: Path, data_dir: Path | None) -> Split:
    """A split made elsewhere: two ratings csv files; ``data_dir`` supplies movie attributes.

    Raises:
        DataError: A file is malformed, a test user is absent from train, or a movie id is not in
            the catalogue of ``data_dir``.
    """
    train = read_ratings_csv(train_csv)
    test = read_ratings_csv(test_csv)
    folder = data_dir if data_dir is not None else bundled_data_dir()
    tables = read_tables(folder)
    absent = np.setdiff1d(test["user"].to_numpy(), train["user"].to_numpy())
    if len(absent):
        raise DataError(
            f"{test_csv}: {len(absent)} test users are absent from {train_csv.name} "
            f"(e.g. user {absent[0]})"
        )
    catalogue = tables.movies["movie"].to_numpy()
    for path, frame in ((train_csv, train), (test_csv, test)):
        unknown = np.setdiff1d(frame["movie"].to_numpy(), catalogue)
        if len(unknown):
            raise DataError(
                f"{path}: {len(unknown)} movie ids are not in the catalogue of {folder} "
                f"(e.g. movie {unknown[0]})"
            )
    both = RawTables(
        ratings=pd.concat([train, test], ignore_index=True), movies=tables.movies, tags=tables.tags
    )
    dataset = build_dataset(both, name=folder.name)
    test_mask = np.arange(dataset.num_interactions) >= len(train)
    train_side, test_side = dataset.subset(~test_mask), dataset.subset(test_mask)
    params = {
        "name": "files",
        "train": str(train_csv),
        "test": str(test_csv),
        "validation": detect_cut(train_side, test_side),
        "validation_fraction": round(float(test_mask.mean()), 4),
    }
    return _describe(train_side, test_side, params)


def detect_cut(train: InteractionDataset, test: InteractionDataset) -> ValidationCut:
    """How a split made elsewhere was cut, read off its timestamps.

    ``temporal`` when nearly every test user's test lies after all of their training
    (``last`` when each has one test interaction), else ``random``.
    """
    users = np.unique(test.users)
    if len(users) == 0:
        return "temporal"
    last_train = np.full(train.num_users, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last_train, train.users, train.timestamps.astype(np.int64))
    first_test = np.full(test.num_users, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_test, test.users, test.timestamps.astype(np.int64))
    after = np.mean(first_test[users] >= last_train[users])
    if after < TEMPORAL_AGREEMENT:
        return "random"
    single = np.bincount(test.users, minlength=test.num_users)[users] == 1
    return "last" if single.all() else "temporal"


def _describe(train: InteractionDataset, test: InteractionDataset, params: dict[str, Any]) -> Split:
    train_users = np.zeros(train.num_users, dtype=bool)
    train_users[train.users] = True
    test_users = np.unique(test.users)
    params |= {
        "train_interactions": train.num_interactions,
        "test_interactions": test.num_interactions,
        "test_users": len(test_users),
        "test_users_absent_from_train": int((~train_users[test_users]).sum()),
    }
    return Split(train=train, test=test, protocol=params)
