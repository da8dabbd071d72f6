"""A user's vector from their interactions, the way the served model made it at training time.

PinSAGE bundles: the time-decayed mean of the user's movie vectors (graphrec.train.user_vectors),
so a new interaction is one weighted sum. GraphSAGE bundles: the model's own inductive step,
:meth:`SageEncoder.fold_in` — the user's node is recomputed from its id embedding (zeros for a
user the model never saw) and the layer states of its movies, which stay as trained. Both give
back the bundle's vector for a user whose interactions did not change (a test checks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
import torch.nn.functional as F

from graphrec.nn.sage import SageEncoder
from graphrec.train.user_vectors import interaction_weights
from graphrec.users.history import Interactions, UserHistory

MODEL_FILE = "model.pt"


class UserEncoder(Protocol):
    """Turns one user's interactions into the vector recall queries with."""

    #: What the manifest and `GET /users` call this way of making user vectors.
    kind: str

    def encode(self, interactions: Interactions, row: int | None) -> np.ndarray:
        """``(dim,)`` L2-normalised vector (zeros without interactions); ``row`` is the user's
        bundle row, ``None`` for a user the bundle does not hold."""
        ...

    def add_movie(self, sources: np.ndarray) -> None:
        """Give the next movie row (a registered cold movie) the mean of ``sources``' rows."""
        ...


class DecayedMean:
    """PinSAGE users: ``Σ 0.5^(age / half_life) · movie`` normalised, age counted in later
    interactions (a plain mean when ``half_life`` is ``None``)."""

    kind = "decayed_mean"

    def __init__(self, movie_vectors: np.ndarray, half_life: float | None) -> None:
        self.movie_vectors = np.asarray(movie_vectors, dtype=np.float32)
        self.half_life = half_life

    def encode(self, interactions: Interactions, row: int | None) -> np.ndarray:
        if len(interactions) == 0:
            return np.zeros(self.movie_vectors.shape[1], dtype=np.float32)
        users = np.zeros(len(interactions), dtype=np.int64)
        weights = interaction_weights(users, interactions.timestamps, self.half_life)
        summed = weights @ self.movie_vectors[interactions.movies]
        return _unit(summed)

    def add_movie(self, sources: np.ndarray) -> None:
        row = self.movie_vectors[sources].mean(axis=0, keepdims=True)
        self.movie_vectors = np.concatenate([self.movie_vectors, row])  # rare: registrations


class SageFoldIn:
    """GraphSAGE users recomputed by the trained layers over their current movies."""

    kind = "sage_fold_in"

    def __init__(self, model: SageEncoder, states: list[np.ndarray]) -> None:
        self.model = model.eval()
        num_users = model.num_users
        self.user_inputs = torch.from_numpy(states[0][:num_users])
        # The movies' states feeding each layer; the last layer's output is not needed.
        self.movie_states = [torch.from_numpy(s[num_users:]) for s in states[:-1]]

    @classmethod
    def from_bundle(
        cls, path: Path, movie_features: np.ndarray, history: UserHistory, num_movies: int
    ) -> SageFoldIn:
        """Rebuild the encoder from ``model.pt`` and run it once over the training graph."""
        from graphrec.graph.bipartite import BipartiteGraph

        state: dict[str, Any] = torch.load(path / MODEL_FILE, weights_only=True)
        users, dim = state["user_embedding.weight"].shape
        model = SageEncoder(
            users, num_movies, movie_features.shape[1], dim=dim,
            num_layers=sum(1 for k in state if k.endswith("lin_l.weight")),
        )  # fmt: skip
        model.load_state_dict(state)
        model.eval()
        graph = BipartiteGraph.from_interactions(history.users, history.movies, users, num_movies)
        with torch.no_grad():
            states = model.states(torch.from_numpy(movie_features), graph.homogeneous_adjacency())
        return cls(model, [s.numpy() for s in states])

    @torch.no_grad()
    def encode(self, interactions: Interactions, row: int | None) -> np.ndarray:
        user = torch.zeros(self.model.dim) if row is None else self.user_inputs[row]
        movies = torch.from_numpy(interactions.movies)
        out = self.model.fold_in(user, [states[movies] for states in self.movie_states])
        return np.asarray(F.normalize(out, dim=-1).numpy(), dtype=np.float32)

    def add_movie(self, sources: np.ndarray) -> None:
        index = torch.from_numpy(np.asarray(sources, dtype=np.int64))
        self.movie_states = [
            torch.cat([states, states[index].mean(0, keepdim=True)]) for states in self.movie_states
        ]


def encoder_for(
    manifest: dict[str, Any],
    path: Path,
    movie_embeddings: np.ndarray,
    movie_features: np.ndarray,
    history: UserHistory,
) -> UserEncoder:
    """The user encoder of the model a bundle was trained with."""
    if manifest.get("model") == "sage":
        return SageFoldIn.from_bundle(path, movie_features, history, len(movie_embeddings))
    half_life = manifest.get("user_vectors", {}).get("half_life")
    return DecayedMean(movie_embeddings, half_life)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(np.float32)
