"""User encoders give back the vectors training made, and move with new interactions."""

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from graphrec.artifacts import load_bundle
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.nn.sage import SageEncoder
from graphrec.train.user_vectors import Whitening, popularity_gram, user_vectors
from graphrec.users.history import Interactions, UserHistory
from graphrec.users.vectors import DecayedMean, SageFoldIn


@pytest.mark.parametrize("half_life", [None, 1.0, 4.0])
def test_decayed_mean_is_the_training_user_vector(half_life: float | None) -> None:
    rng = np.random.default_rng(0)
    movies = rng.normal(size=(30, 8)).astype(np.float32)
    users = rng.integers(0, 5, 80)
    rated = rng.integers(0, 30, 80)
    times = rng.integers(0, 50, 80)  # ties in time on purpose
    expected = user_vectors(movies, users, rated, times, 5, half_life)
    history = UserHistory.from_interactions(users, rated, np.ones(80), times, 5)
    encoder = DecayedMean(movies, half_life)
    rows = list(range(5))
    got = encoder.encode([history.of(row) for row in rows], rows)
    assert np.allclose(got, expected, atol=1e-5)
    assert np.allclose(encoder.encode([history.of(3)], [3])[0], expected[3], atol=1e-5)


def test_a_whitened_mean_is_the_training_user_vector() -> None:
    rng = np.random.default_rng(1)
    movies = rng.normal(size=(30, 8)).astype(np.float32)
    users, rated, times = rng.integers(0, 5, 80), rng.integers(0, 30, 80), rng.integers(0, 50, 80)
    whitening = Whitening(beta=1.0, ridge=0.3)
    gram = popularity_gram(movies, np.bincount(rated, minlength=30))
    expected = user_vectors(movies, users, rated, times, 5, 2.0, whitening, gram)
    history = UserHistory.from_interactions(users, rated, np.ones(80), times, 5)
    chosen = {"kind": "decayed_mean", "half_life": 2.0, "whitening": whitening.to_dict()}
    encoder = DecayedMean.from_manifest(chosen, movies, history)
    rows = list(range(5))
    assert np.allclose(encoder.encode([history.of(row) for row in rows], rows), expected, atol=1e-5)
    plain = DecayedMean.from_manifest({"half_life": 2.0, "whitening": None}, movies, history)
    assert not np.allclose(plain.encode([history.of(0)], [0])[0], expected[0], atol=1e-3)


def test_decayed_mean_leans_to_the_latest_interaction() -> None:
    movies = np.eye(3, dtype=np.float32)
    encoder = DecayedMean(movies, half_life=1.0)
    vector, empty = encoder.encode(
        [Interactions.of([0, 1], [4.0, 4.0], [1, 2]), Interactions.empty()], [None, None]
    )
    assert vector[1] > vector[0] > 0 and vector[2] == 0
    assert np.linalg.norm(vector) == pytest.approx(1.0)
    assert not empty.any()


def test_fold_in_is_the_forward_pass_of_a_known_user() -> None:
    torch.manual_seed(0)
    users = np.array([0, 0, 1, 2, 2, 2])
    movies = np.array([0, 1, 1, 0, 2, 3])
    graph = BipartiteGraph.from_interactions(users, movies, 3, 4)
    model = SageEncoder(3, 4, feature_dim=2, dim=8, num_layers=2).eval()
    features = torch.randn(4, 2)
    with torch.no_grad():
        expected = F.normalize(model(features, graph.homogeneous_adjacency()), dim=-1)[:3]
        states = [s.numpy() for s in model.states(features, graph.homogeneous_adjacency())]
    encoder = SageFoldIn.from_states(model, states)
    each = [
        Interactions.of(movies[users == u], np.ones(6)[users == u], np.arange(6)[users == u])
        for u in range(3)
    ]
    assert np.allclose(encoder.encode(each, [0, 1, 2]), expected, atol=1e-5)


def test_a_half_life_weighs_the_latest_movies_more() -> None:
    torch.manual_seed(0)
    graph = BipartiteGraph.from_interactions(np.array([0, 0, 1]), np.array([0, 1, 2]), 2, 3)
    model = SageEncoder(2, 3, feature_dim=2, dim=8).eval()
    with torch.no_grad():
        states = [s.numpy() for s in model.states(torch.randn(3, 2), graph.homogeneous_adjacency())]
    history = Interactions.of([0, 1], [4.0, 4.0], [1, 2])
    latest_only = Interactions.of([1], [4.0], [2])
    mean, decayed, latest = (
        SageFoldIn.from_states(model, states, half_life).encode([h], [None])[0]
        for half_life, h in ((None, history), (0.1, history), (None, latest_only))
    )
    assert not np.allclose(mean, latest)
    assert np.allclose(decayed, latest, atol=1e-3)  # 0.5^10 leaves the older movie ~nothing


def test_fold_in_of_a_new_user_follows_their_movies() -> None:
    torch.manual_seed(0)
    users, movies = np.array([0, 0, 1, 1]), np.array([0, 1, 2, 3])
    graph = BipartiteGraph.from_interactions(users, movies, 2, 4)
    model = SageEncoder(2, 4, feature_dim=2, dim=8).eval()
    with torch.no_grad():
        states = [s.numpy() for s in model.states(torch.randn(4, 2), graph.homogeneous_adjacency())]
    encoder = SageFoldIn.from_states(model, states)
    like_user_0, like_user_1 = encoder.encode(
        [Interactions.of([0, 1], [5.0, 5.0], [0, 1]), Interactions.of([2, 3], [5.0, 5.0], [0, 1])],
        [None, None],
    )
    assert np.linalg.norm(like_user_0) == pytest.approx(1.0, abs=1e-5)
    assert not np.allclose(like_user_0, like_user_1)


def test_fold_in_gives_back_the_bundle_user_vectors(small_bundle: Path) -> None:
    bundle = load_bundle(small_bundle)
    assert bundle.manifest["model"] == "sage"
    chosen = bundle.manifest["user_vectors"]
    assert chosen["kind"] == "sage_fold_in"
    encoder = SageFoldIn.from_bundle(bundle.path, chosen["half_life"])
    rows = list(range(len(bundle.user_ids)))
    vectors = encoder.encode([bundle.history.of(row) for row in rows], rows)
    assert np.allclose(vectors, bundle.user_embeddings, atol=1e-4)
