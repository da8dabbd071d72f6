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


class Cluster:
    """One throw-away cluster on a free loopback port, which a test may stop and start."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.root = Path(tempfile.mkdtemp(prefix="graphrec-pg-"))
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:  # the server refuses to run as root
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres")
        self.root.chmod(0o755)
        self.data, self.port = self.root / "data", free_port()
        subprocess.run([*self.as_postgres, str(binaries / "initdb"), "-D", str(self.data),
                        "--auth=trust", "-U", "graphrec", "--no-sync"],
                       check=True, capture_output=True)  # fmt: skip
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql://graphrec@127.0.0.1:{self.port}"

    def _pg_ctl(self, *args: str, check: bool = True) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = [*self.as_postgres, str(self.binaries / "pg_ctl"), "-D", str(self.data),
                   "-o", options, "-l", str(self.root / "log"), *args]  # fmt: skip
        subprocess.run(command, check=check, capture_output=True)

    def start(self) -> None:
        self._pg_ctl("-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "-w", "stop", check=False)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def new_cluster() -> Cluster:
    """A started cluster of its own; skips the test where PostgreSQL is not installed."""
    binaries = _binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server here (apt-get install postgresql; .ci/run does)")
    return Cluster(binaries)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a fresh cluster's server (trust authentication, user ``graphrec``)."""
    cluster = new_cluster()
    try:
        yield cluster.url
    finally:
        cluster.remove()


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A database of its own for one test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"
