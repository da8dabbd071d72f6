"""The CLI in-process: outputs, and one-line errors with exit code 2 for user mistakes."""

from pathlib import Path

import pytest

from graphrec.cli import main


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
