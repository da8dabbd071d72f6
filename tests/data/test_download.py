"""The real download code against a local HTTP server on 127.0.0.1 serving zips the test builds."""

from __future__ import annotations

import hashlib
import http.server
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from graphrec.cli import main
from graphrec.data import load_movielens
from graphrec.data.download import download_dataset
from graphrec.errors import DataError


def _make_zip(path: Path, members: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as zipped:
        for name, text in members.items():
            zipped.writestr(name, text)


def _publish_md5(zip_path: Path, digest: str | None = None) -> None:
    digest = digest or hashlib.md5(zip_path.read_bytes()).hexdigest()
    Path(f"{zip_path}.md5").write_text(f"MD5 ({zip_path.name}) = {digest}\n")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    yield from _serve(tmp_path, _QuietHandler)


@pytest.fixture
def cut_short_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    yield from _serve(tmp_path, _CutShortHandler)


def _serve(tmp_path: Path, handler_class: type) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(handler_class, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", root
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _CutShortHandler(_QuietHandler):
    """Announces each zip's full length, sends half of it and drops the connection: a
    download interrupted mid-way."""

    def do_GET(self) -> None:
        if not self.path.endswith(".zip"):
            return super().do_GET()
        body = (Path(self.directory) / self.path.lstrip("/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True


MEMBERS = {
    "ml-latest-small/ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,1\n2,1,3.0,2\n",
    "ml-latest-small/movies.csv": "movieId,title,genres\n1,Toy Story (1995),Animation\n",
}


def test_download_verifies_and_unpacks(server: tuple[str, Path], tmp_path: Path) -> None:
    base, root = server
    _make_zip(root / "ml-latest-small.zip", MEMBERS)
    _publish_md5(root / "ml-latest-small.zip")
    seen: list[int] = []
    path = download_dataset(
        "ml-latest-small", tmp_path / "data", base_url=base,
        progress=lambda done, total: seen.append(done),
    )  # fmt: skip
    assert path == tmp_path / "data" / "ml-latest-small"
    assert load_movielens(path).num_interactions == 2
    assert seen and seen[-1] == (root / "ml-latest-small.zip").stat().st_size
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["ml-latest-small"]  # no temp left


def test_checksum_mismatch_leaves_nothing(server: tuple[str, Path], tmp_path: Path) -> None:
    base, root = server
    _make_zip(root / "ml-100k.zip", {"ml-100k/u.data": "1\t1\t1\t1\n"})
    _publish_md5(root / "ml-100k.zip", digest="0" * 32)
    with pytest.raises(DataError, match="checksum mismatch"):
        download_dataset("ml-100k", tmp_path / "data", base_url=base)
    assert list((tmp_path / "data").iterdir()) == []


def test_unsafe_archive_and_missing_checksum(server: tuple[str, Path], tmp_path: Path) -> None:
    base, root = server
    _make_zip(root / "ml-1m.zip", {"../escape.txt": "x"})
    _publish_md5(root / "ml-1m.zip")
    with pytest.raises(DataError, match="unsafe path"):
        download_dataset("ml-1m", tmp_path / "data", base_url=base)
    assert not (tmp_path / "escape.txt").exists()
    with pytest.raises(DataError, match="cannot fetch the published checksum"):
        download_dataset("ml-10m", tmp_path / "data", base_url=base)


def test_cli_download_errors_exit_2(
    server: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = server
    code = main(["data", "download", "ml-nope", "--dest", str(tmp_path), "--base-url", base])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["graphrec: error: unknown dataset 'ml-nope'; choose one of: ml-latest-small, "
                   "ml-latest, ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-32m"]  # fmt: skip


def test_interrupted_download_is_one_line_and_leaves_nothing(
    cut_short_server: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, root = cut_short_server
    _make_zip(root / "ml-latest-small.zip", MEMBERS | {"ml-latest-small/pad.txt": "x" * 50_000})
    _publish_md5(root / "ml-latest-small.zip")
    dest = tmp_path / "data"
    code = main(["data", "download", "ml-latest-small", "--dest", str(dest), "--base-url", base])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("graphrec: error: ") and "download interrupted" in err[-1], err
    assert "Traceback" not in "".join(err)
    assert list(dest.iterdir()) == []  # no partial zip, no half-unpacked folder
