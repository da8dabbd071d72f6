"""The CLI in-process: outputs, and one-line errors with exit code 2 for user mistakes."""

import json
from pathlib import Path

import pytest

from graphrec.cli import main
from graphrec.experiments.impressions import Impression
from graphrec.store import STORE_FILE, FeedbackEvent, SqliteStore


def test_data_info_reports_counts_degrees_components(
    tiny_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["data", "info", str(tiny_csv)]) == 0
    out = capsys.readouterr().out
    assert "users: 3" in out and "movies: 4 (3 rated)" in out
    assert "interactions: 4" in out and "density: 0.33333" in out
    assert "user degree: q0=1" in out
    assert "components: 3 (largest 4 nodes, 1 unrated movies; counted with networkx)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["data", "info", "/nonexistent/folder"], "no such data folder"),
        (["train", "--data", "/nonexistent/folder"], "no such data folder"),
        (["train", "--model", "word2vec"], "unknown model 'word2vec'"),
        (["evaluate", "--model", "word2vec"], "unknown model 'word2vec'"),
        (["serve", "--artifacts", "/nonexistent/artifacts"], "no artifact bundle here"),
        (["experiments", "report", "--artifacts", "/nonexistent/artifacts"], "no store here"),
    ],
)
def test_user_errors_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("graphrec: error: ") and message in err[0]


def test_malformed_file_exit_2(tiny_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tiny_csv / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,abc,4,1\n")
    assert main(["data", "info", str(tiny_csv)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"graphrec: error: {tiny_csv / 'ratings.csv'}:2: column 'movieId' is not a "
                   "number: 'abc'")  # fmt: skip


def test_argument_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--epochs", "0"])
    assert exit_info.value.code == 2


def test_cli_names_match_the_registries() -> None:
    """The CLI keeps its own copy of the names so that `--help` imports nothing heavy."""
    from graphrec import pipeline
    from graphrec.cli import MODEL_NAMES, PROTOCOL_NAMES, TRAIN_MODELS
    from graphrec.eval import MODELS, PROTOCOLS

    assert tuple(MODELS) == MODEL_NAMES and PROTOCOL_NAMES == PROTOCOLS
    assert TRAIN_MODELS == pipeline.MODELS


def test_experiments_report_reads_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SqliteStore(tmp_path / STORE_FILE)
    store.add_impressions([
        Impression("r1", 1, 0.0, {"ranker": "deepfm"}, None, [10, 11]),
        Impression("r2", 2, 0.0, {"ranker": "none"}, None, [10, 12]),
        Impression("i1", 3, 0.0, {}, ("deepfm", "none"), [10, 20], [0, 1]),
    ])  # fmt: skip
    store.add_events([FeedbackEvent(1, 11, "click", None, 5, "r1"),
                      FeedbackEvent(3, 10, "click", None, 5, "i1")])  # fmt: skip
    store.close()
    assert main(["experiments", "report", "--artifacts", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "impressions 3, attributed clicks 2" in out and "A/B layer ranker:" in out
    assert "A won 1, B won 0" in out
    assert main(["experiments", "report", "--data-dir", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ab"]["ranker"]["deepfm"]["clicks"] == 1
    assert report["interleaving"][0]["wins_a"] == 1


def test_serve_settings_flags_then_environment_then_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from graphrec.cli import _parser, serve_settings

    monkeypatch.delenv("GRAPHREC_ARTIFACTS", raising=False)
    assert serve_settings(_parser().parse_args(["serve"])).artifacts == Path("artifacts")
    monkeypatch.setenv("GRAPHREC_ARTIFACTS", "/from/env")
    assert serve_settings(_parser().parse_args(["serve"])).artifacts == Path("/from/env")
    given = _parser().parse_args(["serve", "--artifacts", "/from/flag", "--json-access-log"])
    settings = serve_settings(given)
    assert settings.artifacts == Path("/from/flag") and settings.json_access_log
    assert settings.access_log and not settings.uvicorn_access_log
    monkeypatch.setenv("GRAPHREC_ACCESS_LOG", "true")
    quiet = serve_settings(_parser().parse_args(["serve", "--no-access-log"]))
    assert not quiet.access_log and not quiet.uvicorn_access_log


def test_serve_reads_the_artifacts_folder_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GRAPHREC_ARTIFACTS", "/nonexistent/from-env")
    assert main(["serve"]) == 2
    assert "/nonexistent/from-env" in capsys.readouterr().err
