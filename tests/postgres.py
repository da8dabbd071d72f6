"""A throw-away PostgreSQL cluster on loopback for the tests, from Debian's `postgresql` package
(`.ci/run` installs it); tests that need it skip, saying why, where it is missing."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serving import free_port


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a fresh cluster's server (trust authentication, user ``graphrec``)."""
    binaries = _binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server here (apt-get install postgresql; .ci/run does)")
    root = Path(tempfile.mkdtemp(prefix="graphrec-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        as_postgres = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
    root.chmod(0o755)
    data, port = root / "data", free_port()
    subprocess.run([*as_postgres, str(binaries / "initdb"), "-D", str(data), "--auth=trust",
                    "-U", "graphrec", "--no-sync"], check=True, capture_output=True)  # fmt: skip
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log")]
    subprocess.run([*as_postgres, *start, "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://graphrec@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_postgres, str(binaries / "pg_ctl"), "-D", str(data), "-m",
                        "immediate", "stop"], capture_output=True)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A database of its own for one test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"
