from pathlib import Path

import pytest

from graphrec.cli import main
from graphrec.data import load_movielens
from graphrec.eval.coldstart import METHODS, evaluate_cold_start
from graphrec.train import SageConfig
from tests.conftest import bundled_slice


def test_cold_start_protocol_on_a_slice(tmp_path: Path) -> None:
    data = load_movielens(bundled_slice(tmp_path / "data", num_users=80))
    config = SageConfig(epochs=2, dim=16, num_layers=2)
    results = evaluate_cold_start(data, num_movies=10, min_ratings=10, k=10, config=config)
    assert set(results) == set(METHODS)
    for figures in results.values():
        assert set(figures) == {"neighbour_overlap@10", "next_item_hit@10"}
        assert all(0.0 <= value <= 1.0 for value in figures.values())
    assert results["random"]["neighbour_overlap@10"] <= results["airbnb"]["neighbour_overlap@10"]


def test_cli_cold_start_bad_count_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--cold-start", "--cold-movies", "0"])
    assert exit_info.value.code == 2
    assert "--cold-movies: must be at least 1" in capsys.readouterr().err
