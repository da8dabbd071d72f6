"""Progress bars: one per stage on stderr with the figures beside it; nothing when disabled."""

import pytest

from graphrec.progress import Progress


def test_a_bar_per_stage_with_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress()
    progress.stage("pinsage epochs", total=2)
    progress.epoch({"loss": 0.25, "val_recall": 0.125})
    progress.stage("rankers", total=1)
    progress.step(lift=0.5)
    progress.close()
    err = capsys.readouterr().err
    assert "pinsage epochs" in err and "1/2" in err and "val_recall=0.1250" in err
    assert "rankers" in err and "1/1" in err and "lift=0.5000" in err


def test_disabled_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress(enabled=False)
    progress.stage("pinsage epochs", total=2)
    progress.epoch({"loss": 0.25, "val_recall": 0.125})
    progress.close()
    assert capsys.readouterr() == ("", "")
