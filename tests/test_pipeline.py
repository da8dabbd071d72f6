"""`graphrec train --model pinsage|sage` writes a bundle the server can load, rankers included."""

from pathlib import Path

import numpy as np
import pytest

from api.state import ServingState
from graphrec.artifacts import Bundle, load_bundle
from graphrec.coldstart import Attributes
from graphrec.pipeline import MODELS, train_bundle
from graphrec.recall_score import CANDIDATES
from graphrec.recency import recent_vector
from graphrec.recommend import rank, recall
from graphrec.store import SqliteStore
from graphrec.users.live import LiveUsers
from tests.conftest import bundled_slice


@pytest.mark.parametrize("model", MODELS)
def test_bundle_serves_recommendations(tmp_path: Path, model: str) -> None:
    data = bundled_slice(tmp_path / "data", num_users=40)
    path, figures = train_bundle(data, tmp_path / "artifacts", model=model, epochs=1)
    assert figures["epochs_run"] == 1
    bundle = load_bundle(tmp_path / "artifacts")
    assert bundle.path == path and bundle.manifest["model"] == model
    assert set(bundle.manifest["rankers"]) == {"two_tower", "deepfm"}
    if model == "pinsage":
        norms = np.linalg.norm(bundle.user_embeddings, axis=1)
        assert np.allclose(norms, 1.0, atol=1e-5), "every user rated something: unit vectors"
    users = LiveUsers.for_bundle(bundle)
    profile = users.profile(int(bundle.user_ids[0]))
    assert profile is not None and profile.row is not None
    row = profile.row
    candidates = recall(
        bundle, profile, CANDIDATES, lambda q, n: tuple(a[0] for a in bundle.index.search(q, n))
    )
    ranked = rank(users, profile, candidates, "deepfm")
    assert len(ranked.ids) == CANDIDATES and set(ranked.ids) == set(candidates.ids)
    _check_popularity_scores(bundle, row, candidates.ids, candidates.scores, tmp_path)


def stored_items(bundle: Bundle) -> np.ndarray:
    """Every movie's movie → movie columns as the index stores them."""
    return bundle.index.vectors(bundle.movie_ids)[:, bundle.layout.item_start : -1]


def _check_popularity_scores(
    bundle: Bundle, row: int, ids: np.ndarray, scores: np.ndarray, tmp_path: Path
) -> None:
    """Recall and /similar score embedding similarity plus weighted log training popularity."""
    popularity = np.log1p(bundle.history.movie_degrees(len(bundle.movie_ids)))
    rows = np.searchsorted(bundle.movie_ids, ids)
    stored = np.stack([bundle.index.vector(int(i)) for i in ids])
    assert np.allclose(stored[:, -1], popularity[rows])
    weights = bundle.popularity_weights
    assert weights.to_dict() == bundle.manifest["index"]["popularity_weights"]
    embedding = bundle.movie_embeddings[rows] @ bundle.user_embeddings[row]
    items = slice(bundle.layout.item_start, -1)  # the movie → movie space only
    history = bundle.history.of(row).movies
    recent = recent_vector(stored_items(bundle), history, bundle.recency)  # zeros when off
    expected = embedding + weights.user * popularity[rows] + stored[:, items] @ recent
    assert np.allclose(scores, expected, atol=1e-4)
    # A movie query carries the movie weight (set here to a value the grid may not have chosen).
    bundle.manifest["index"]["popularity_weights"] = {"user": 0.0, "item": 0.25}
    state = ServingState(tmp_path, bundle, SqliteStore(tmp_path / "store.sqlite"))
    query = int(ids[0])
    similar_scores, similar_ids = state.similar_to_movie(bundle, query, 5)
    assert query not in similar_ids
    vectors = np.stack([bundle.index.vector(int(i)) for i in similar_ids])
    assert bundle.layout.item_start == bundle.movie_embeddings.shape[1]
    expected = vectors[:, items] @ bundle.index.vector(query)[items] + 0.25 * vectors[:, -1]
    assert np.allclose(similar_scores, expected, atol=1e-4)
    # A cold movie takes its sources' mean popularity; the rest is their renormalised mean.
    vector, sources = state.cold_vector(bundle, Attributes(title="New", genres=["Comedy"]))
    rows = np.stack([bundle.index.vector(i) for i in sources])
    assert vector[-1] == pytest.approx(rows[:, -1].mean(), abs=1e-5)
    assert np.linalg.norm(vector[items]) == pytest.approx(1.0, abs=1e-5), "each space unit"
    assert np.linalg.norm(vector[: items.start]) == pytest.approx(1.0, abs=1e-5)
