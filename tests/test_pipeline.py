"""`graphrec train --model pinsage` writes a bundle the server can load, rankers included."""

from pathlib import Path

import numpy as np

from graphrec.artifacts import load_bundle
from graphrec.pipeline import train_bundle
from graphrec.recommend import CANDIDATES, rank, recall, user_row
from tests.conftest import bundled_slice


def test_pinsage_bundle_serves_recommendations(tmp_path: Path) -> None:
    data = bundled_slice(tmp_path / "data", num_users=40)
    path, figures = train_bundle(data, tmp_path / "artifacts", model="pinsage", epochs=1)
    assert figures["epochs_run"] == 1
    bundle = load_bundle(tmp_path / "artifacts")
    assert bundle.path == path and bundle.manifest["model"] == "pinsage"
    assert set(bundle.manifest["rankers"]) == {"two_tower", "deepfm"}
    norms = np.linalg.norm(bundle.user_embeddings, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5), "every user rated something: unit vectors"
    row = user_row(bundle, int(bundle.user_ids[0]))
    assert row is not None
    candidates = recall(
        bundle, row, CANDIDATES, lambda q, n: tuple(a[0] for a in bundle.index.search(q, n))
    )
    ranked = rank(bundle, row, candidates, "deepfm")
    assert len(ranked.ids) == CANDIDATES and set(ranked.ids) == set(candidates.ids)
