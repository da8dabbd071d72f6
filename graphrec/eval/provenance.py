"""Where a benchmark figure comes from: its command, date, machine and commit.

Every JSON under bench/ carries these, so that docs/benchmarks.md can say which figures are
current and on what they were measured.
"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path


def provenance(script: str, argv: list[str]) -> dict[str, object]:
    """``command`` (``python <script> <argv>``), ``date`` (UTC), ``machine`` (CPU model and
    cores) and ``commit`` (``unknown`` outside a git checkout)."""
    return {
        "command": " ".join(["python", script, *argv]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count()},
        "commit": commit(),
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
