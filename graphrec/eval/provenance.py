"""Where a benchmark figure comes from: its command, date, machine and commit.

Every JSON under bench/ carries these, so that docs/benchmarks.md can say which figures are
current and on what they were measured. ``code`` is a digest of the source that was measured
(the packages' files as they were, committed or not): a figure is current while the digest of
today's files is the same, which needs no git history (a shallow clone renders the same page).
"""

from __future__ import annotations

import hashlib
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
        "code": code_digest(),
    }


#: What a measured figure depends on: the packages, not the docs, tests or scripts.
CODE_DIRS = ("graphrec", "api", "index")
CODE_SUFFIXES = (".py", ".js", ".html", ".css")


def code_digest(root: Path | None = None) -> str:
    """SHA-256 over the path and bytes of every source file under ``CODE_DIRS``."""
    root = root or Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for folder in CODE_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


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
