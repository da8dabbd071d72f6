"""docs/benchmarks.md and the README's headline figures are what scripts/report.py renders."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("report", ROOT / "scripts" / "report.py")
assert spec is not None and spec.loader is not None
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)


def test_the_committed_pages_are_rendered_from_the_benchmarks() -> None:
    result = subprocess.run([sys.executable, "scripts/report.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_a_figure_is_stale_once_its_code_changes() -> None:
    assert report.stale(report.CURRENT_CODE) is None
    assert "changed" in report.stale("0" * 64)
    assert "does not record" in report.stale(None)


def test_like_rows_become_one_table() -> None:
    lines = report.render({"k": 10, "results": {"a": {"x": 1.0, "y": 2}, "b": {"x": 0.5}}})
    assert "| k | 10 |" in lines
    assert "| results | x | y |" in lines
    assert "| a | 1 | 2 |" in lines and "| b | 0.5 |  |" in lines
