import json
import os
from pathlib import Path

import numpy as np
import pytest

from graphrec.artifacts import (
    WRITER_PID,
    clean_dead_writers,
    load_bundle,
    point_current,
    resolve,
    verify,
)
from graphrec.errors import BundleError


def test_bundle_layout_and_manifest(small_bundle: Path) -> None:
    version_dir = resolve(small_bundle)
    assert (small_bundle / "current").is_symlink()
    assert os.readlink(small_bundle / "current") == version_dir.name  # relative link
    manifest = json.loads((version_dir / "manifest.json").read_text())
    for key in ("version", "model", "config", "dataset", "metrics", "index", "files"):
        assert key in manifest
    assert len(manifest["dataset"]["checksum"]) == 64
    expected = {"movies.json", "movie_ids.npy", "user_ids.npy", "movie_embeddings.npy",
                "user_embeddings.npy", "movie_features.npy", "attributes.npz", "index.faiss",
                "index.faiss.json", "model.pt", "history.npz", "ranking.npz", "item_weights.npz",
                "rankers.pt", "map.npy", "fold_in_states.npz"}  # fmt: skip
    assert set(manifest["files"]) == expected
    bundle = load_bundle(small_bundle)
    assert bundle.version == manifest["version"]
    assert len(bundle.index) == len(bundle.catalog) == bundle.movie_embeddings.shape[0]
    assert np.allclose(np.linalg.norm(bundle.movie_embeddings, axis=1), 1.0, atol=1e-5)
    for name, figures in manifest["rankers"].items():
        assert bundle.rankers.item_blends[name] == figures["item_blend"], "served as recorded"


def test_damaged_or_missing_bundle_is_refused(small_bundle: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(resolve(small_bundle), copy / "v1")
    point_current(copy, "v1")
    verify(resolve(copy))
    with (copy / "v1" / "movie_embeddings.npy").open("r+b") as handle:
        handle.seek(200)
        handle.write(b"\x00\x01\x02")
    with pytest.raises(BundleError, match=r"movie_embeddings\.npy fails its checksum"):
        load_bundle(copy)
    (copy / "v1" / "model.pt").unlink()
    with pytest.raises(BundleError, match=r"missing file model\.pt"):
        load_bundle(copy)
    manifest = json.loads((copy / "v1" / "manifest.json").read_text())
    (copy / "v1" / "model.pt").write_bytes(b"")
    manifest["format"], manifest["files"] = 1, {}
    (copy / "v1" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="bundle format 1 is not this graphrec's"):
        load_bundle(copy)
    with pytest.raises(BundleError, match="no artifact bundle here"):
        load_bundle(tmp_path / "empty")


def test_staging_left_by_a_dead_writer_is_removed_and_a_live_ones_kept(tmp_path: Path) -> None:
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    dead, live, bare = tmp_path / ".tmp-dead", tmp_path / ".tmp-live", tmp_path / ".tmp-bare"
    for folder in (dead, live, bare):
        folder.mkdir()
    (dead / WRITER_PID).write_text(str(gone.pid))
    (live / WRITER_PID).write_text(str(os.getpid()))
    assert set(clean_dead_writers(tmp_path)) == {dead, bare}
    assert live.is_dir() and not dead.exists() and not bare.exists()


@pytest.mark.slow
def test_a_train_killed_while_writing_leaves_current_and_the_next_run_cleans_up(
    artifacts: Path, tmp_path: Path
) -> None:
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import bundled_slice

    old, old_version = resolve(artifacts).name, load_bundle(artifacts).version
    data = bundled_slice(tmp_path / "data", num_users=30)
    command = [sys.executable, "-m", "graphrec", "train", "--data", str(data), "--out",
               str(artifacts), "--epochs", "1", "--quiet"]  # fmt: skip
    writer = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while not list(artifacts.glob(".tmp-*")):
        assert writer.poll() is None, "training ended before it was caught writing"
        assert time.monotonic() < deadline
        time.sleep(0.001)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert list(artifacts.glob(".tmp-*")), "the dead writer's staging is left behind"
    assert resolve(artifacts).name == old
    assert load_bundle(artifacts).version == old_version  # complete and verified
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert not list(artifacts.glob(".tmp-*"))
    assert resolve(artifacts).name != old
