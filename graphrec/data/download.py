"""`graphrec data download NAME`: fetch a published MovieLens zip, verify it, unpack atomically.

GroupLens publishes an ``.md5`` file beside every zip; the download is checked against it before
anything is unpacked, and the unpacked folder is renamed into place only once complete.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from graphrec.errors import DataError

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://files.grouplens.org/datasets/movielens/"
DATASETS = ("ml-latest-small", "ml-latest", "ml-100k", "ml-1m", "ml-10m", "ml-20m", "ml-25m",
            "ml-32m")  # fmt: skip
_MD5 = re.compile(r"\b([0-9a-fA-F]{32})\b")
_CHUNK = 1 << 20

Progress = Callable[[int, int | None], None]


def download_dataset(
    name: str,
    dest: Path,
    *,
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = 60.0,
    progress: Progress | None = None,
) -> Path:
    """Download ``name`` into ``dest/name`` and return that folder.

    Args:
        name: One of :data:`DATASETS`.
        dest: Parent folder; ``dest/name`` must not exist yet.
        base_url: Where the zips and their ``.md5`` files live.
        timeout: Seconds to wait on the network per read.
        progress: Called with (bytes so far, total bytes or ``None``) as the zip arrives.

    Raises:
        DataError: Unknown name, target exists, network failure, checksum mismatch or a bad zip.
    """
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    dest = Path(dest)
    target = dest / name
    if target.exists():
        raise DataError(f"{target}: already exists; remove it to download again")
    dest.mkdir(parents=True, exist_ok=True)
    url = base_url.rstrip("/") + f"/{name}.zip"
    expected = _published_md5(url + ".md5", timeout)
    with tempfile.TemporaryDirectory(dir=dest, prefix=f".{name}-") as work:
        archive = Path(work) / f"{name}.zip"
        actual = _fetch(url, archive, timeout, progress)
        if actual != expected:
            raise DataError(f"{url}: checksum mismatch (md5 {actual}, published {expected})")
        unpacked = _unpack(archive, Path(work) / "unpacked")
        os.replace(unpacked, target)
    logger.info("downloaded %s into %s", name, target)
    return target


def _published_md5(url: str, timeout: float) -> str:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            text = response.read(4096).decode("ascii", errors="replace")
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise DataError(f"{url}: cannot fetch the published checksum ({_reason(exc)})") from exc
    match = _MD5.search(text)
    if match is None:
        raise DataError(f"{url}: no md5 checksum in the published file")
    return match.group(1).lower()


def _fetch(url: str, path: Path, timeout: float, progress: Progress | None) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(path, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            done = 0
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        # IncompleteRead (the connection closed early) is an HTTPException, not an OSError.
        raise DataError(f"{url}: download failed ({_reason(exc)})") from exc
    if total is not None and done != total:
        raise DataError(f"{url}: download interrupted ({done} of {total} bytes)")
    return digest.hexdigest()


def _unpack(archive: Path, into: Path) -> Path:
    """Extract safely and return the dataset folder (the zip's single top folder, if it has one)."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            for member in zipped.namelist():
                parts = PurePosixPath(member).parts
                if member.startswith("/") or ".." in parts:
                    raise DataError(f"{archive.name}: unsafe path in archive: {member!r}")
            zipped.extractall(into)
    except zipfile.BadZipFile as exc:
        raise DataError(f"{archive.name}: not a valid zip file ({exc})") from exc
    entries = [p for p in into.iterdir() if not p.name.startswith("__MACOSX")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    for stray in into.glob("__MACOSX"):
        shutil.rmtree(stray)
    return into


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "reason", None) or exc)
