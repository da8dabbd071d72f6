"""Users' vectors from their interactions, the way the served model made them at training time.

PinSAGE bundles: the time-decayed mean of the user's movie vectors (graphrec.train.user_vectors),
so a new interaction is one weighted sum, whitened where training chose to (one small solve
per user, against the popularity gram of the bundle's training history). GraphSAGE bundles:
the model's own inductive step, :meth:`SageEncoder.fold_in` — the user's node is recomputed
from its id embedding (zeros for a user the model never saw) and the layer states of its
movies, which stay as trained. Both give back the bundle's vector for a user whose
interactions did not change (a test checks). Users are encoded in batches: sparse products
for all the users a feedback request touches.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from graphrec.coldstart import airbnb_embedding
from graphrec.nn.sage import SageEncoder
from graphrec.train.user_vectors import (
    Whitening,
    fold_in_vectors,
    popularity_gram,
    user_vectors,
)
from graphrec.users.history import Interactions, UserHistory

MODEL_FILE = "model.pt"
#: A GraphSAGE bundle's layer states over its training graph (:meth:`SageFoldIn.arrays`).
STATES_FILE = "fold_in_states.npz"


class UserEncoder(Protocol):
    """Turns users' interactions into the vectors recall queries with."""

    #: What the manifest and `GET /users` call this way of making user vectors.
    kind: str

    def encode(self, users: Sequence[Interactions], rows: Sequence[int | None]) -> np.ndarray:
        """``(len(users), dim)`` L2-normalised vectors (zeros without interactions); ``rows``
        are the users' bundle rows, ``None`` for a user the bundle does not hold."""
        ...

    def add_movie(self, sources: np.ndarray) -> None:
        """Give the next movie row (a registered cold movie) what its ``sources`` rows have."""
        ...


class DecayedMean:
    """PinSAGE users: ``Σ 0.5^(age / half_life) · movie`` normalised, age counted in later
    interactions (a plain mean when ``half_life`` is ``None``), whitened by ``gram`` when
    ``whitening`` is given (:class:`~graphrec.train.user_vectors.Whitening`)."""

    kind = "decayed_mean"

    def __init__(
        self,
        movie_vectors: np.ndarray,
        half_life: float | None,
        whitening: Whitening | None = None,
        gram: np.ndarray | None = None,
    ) -> None:
        self.movie_vectors = np.asarray(movie_vectors, dtype=np.float32)
        self.half_life = half_life
        self.whitening = whitening
        self.gram = gram

    @classmethod
    def from_manifest(
        cls, chosen: dict[str, Any], movie_vectors: np.ndarray, history: UserHistory
    ) -> DecayedMean:
        """The encoder a bundle's ``user_vectors`` entry names; the gram of a whitened one is
        rebuilt from the training history, as training built it."""
        whitening = chosen.get("whitening")
        if whitening is None:
            return cls(movie_vectors, chosen.get("half_life"))
        degrees = np.bincount(history.movies, minlength=len(movie_vectors))
        return cls(
            movie_vectors, chosen.get("half_life"), Whitening(**whitening),
            popularity_gram(movie_vectors, degrees),
        )  # fmt: skip

    def encode(self, users: Sequence[Interactions], rows: Sequence[int | None]) -> np.ndarray:
        owner, movies, timestamps = _concatenated(users)
        return user_vectors(
            self.movie_vectors, owner, movies, timestamps, len(users), self.half_life,
            self.whitening, self.gram,
        )  # fmt: skip

    def add_movie(self, sources: np.ndarray) -> None:
        row = airbnb_embedding(self.movie_vectors, sources)
        self.movie_vectors = np.concatenate([self.movie_vectors, row[None]])  # rare


class SageFoldIn:
    """GraphSAGE users recomputed by the trained layers over their current movies, aggregated
    with the half-life training chose (a plain mean: exactly the forward pass)."""

    kind = "sage_fold_in"

    def __init__(
        self,
        model: SageEncoder,
        user_inputs: np.ndarray,
        movie_states: list[np.ndarray],
        half_life: float | None = None,
    ) -> None:
        self.model = model.eval()
        self.half_life = half_life
        self.user_inputs = user_inputs
        self.movie_states = movie_states

    @classmethod
    def from_states(cls, model: SageEncoder, states: list[np.ndarray],
                    half_life: float | None = None) -> SageFoldIn:  # fmt: skip
        """From every layer's node states (:meth:`SageEncoder.states`): the users' inputs and
        the movies' states feeding each layer (the last layer's output is not needed)."""
        num_users = model.num_users
        movie_states = [np.ascontiguousarray(s[num_users:]) for s in states[:-1]]
        return cls(model, states[0][:num_users], movie_states, half_life)

    @classmethod
    def over_history(
        cls, model: SageEncoder, movie_features: np.ndarray, history: UserHistory,
        half_life: float | None = None,
    ) -> SageFoldIn:  # fmt: skip
        """Run the trained ``model`` once over the training graph ``history`` holds: the layer
        states a bundle stores (:meth:`arrays`), so that no server repeats the pass."""
        from graphrec.graph.bipartite import BipartiteGraph

        model.eval()
        graph = BipartiteGraph.from_interactions(
            history.users, history.movies, model.num_users, len(movie_features)
        )
        with torch.no_grad():
            states = model.states(torch.from_numpy(movie_features), graph.homogeneous_adjacency())
        return cls.from_states(model, [s.numpy() for s in states], half_life)

    def arrays(self) -> dict[str, np.ndarray]:
        """What :meth:`from_bundle` reads back from :data:`STATES_FILE`."""
        layers = {f"movie_states_{i}": states for i, states in enumerate(self.movie_states)}
        return {"user_inputs": self.user_inputs} | layers

    @classmethod
    def from_bundle(cls, path: Path, half_life: float | None = None) -> SageFoldIn:
        """The encoder from ``model.pt`` and the layer states in :data:`STATES_FILE`."""
        state: dict[str, Any] = torch.load(path / MODEL_FILE, weights_only=True)
        with np.load(path / STATES_FILE) as data:
            layers = sum(1 for name in data.files if name.startswith("movie_states_"))
            movie_states = [data[f"movie_states_{i}"] for i in range(layers)]
            user_inputs = data["user_inputs"]
        users, dim = state["user_embedding.weight"].shape
        model = SageEncoder(
            users, len(movie_states[0]), state["attribute_projection.weight"].shape[1], dim=dim,
            num_layers=sum(1 for k in state if k.endswith("lin_l.weight")),
        )  # fmt: skip
        model.load_state_dict(state)
        return cls(model, user_inputs, movie_states, half_life)

    def encode(self, users: Sequence[Interactions], rows: Sequence[int | None]) -> np.ndarray:
        owner, movies, timestamps = _concatenated(users)
        inputs = np.zeros((len(users), self.model.dim), dtype=np.float32)
        given = np.array([-1 if row is None else row for row in rows], dtype=np.int64)
        known = given >= 0
        inputs[known] = self.user_inputs[given[known]]
        return fold_in_vectors(
            self.model, inputs, self.movie_states, owner, movies, timestamps, self.half_life
        )

    def add_movie(self, sources: np.ndarray) -> None:
        self.movie_states = [
            np.concatenate([states, states[sources].mean(axis=0, keepdims=True)])
            for states in self.movie_states
        ]


def encoder_for(
    manifest: dict[str, Any], path: Path, movie_embeddings: np.ndarray, history: UserHistory
) -> UserEncoder:
    """The user encoder of the model a bundle was trained with."""
    chosen = manifest.get("user_vectors", {})
    if manifest.get("model") == "sage":
        return SageFoldIn.from_bundle(path, chosen.get("half_life"))
    return DecayedMean.from_manifest(chosen, movie_embeddings, history)


def _concatenated(users: Sequence[Interactions]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(owner, movies, timestamps)`` of all users' interactions, each user's kept in order."""
    lengths = [len(u) for u in users]
    owner = np.repeat(np.arange(len(users)), lengths)
    if not users:
        return owner, np.zeros(0, np.int64), np.zeros(0, np.int64)
    movies = np.concatenate([u.movies for u in users])
    timestamps = np.concatenate([u.timestamps for u in users])
    return owner, movies, timestamps
