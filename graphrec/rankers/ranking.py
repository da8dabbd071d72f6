"""Both trained rankers with the features they read: scoring, and the state a bundle stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from graphrec.rankers.blend import blend_scores
from graphrec.rankers.features import CROSS_COLUMNS, ITEM_COLUMN, RankingFeatures
from graphrec.rankers.models import DeepFM, PairInputs, TwoTower

#: Ranker names, as `/recommend?ranker=` and the bundle take them.
RANKERS = ("two_tower", "deepfm")


@dataclass
class Rankers:
    """Both trained rankers and the features they read.

    ``item_blends``: per ranker, the weight of the item model's score blended into its logit
    over each candidate list (graphrec.rankers.blend); 0 or absent, the logit alone.
    """

    features: RankingFeatures
    models: dict[str, nn.Module]
    figures: dict[str, dict[str, float]] = field(default_factory=dict)
    item_blends: dict[str, float] = field(default_factory=dict)

    def inputs(self, users: np.ndarray, movies: np.ndarray, ranks: np.ndarray) -> PairInputs:
        """Features of the pairs ``(users[i], movies[i])``, ``ranks[i]`` the movie's 0-based
        position among the user's recall candidates."""
        f = self.features
        return PairInputs(
            user_dense=torch.from_numpy(f.user_dense[users]),
            movie_dense=torch.from_numpy(f.movie_dense[movies]),
            user_embedding=torch.from_numpy(f.user_embeddings[users]),
            movie_embedding=torch.from_numpy(f.movie_embeddings[movies]),
            cross=torch.from_numpy(f.cross(users, movies, ranks)),
        )

    def user_inputs(
        self,
        user_dense: np.ndarray,
        user_embedding: np.ndarray,
        rated: np.ndarray,
        rated_vectors: np.ndarray,
        movies: np.ndarray,
        ranks: np.ndarray,
    ) -> PairInputs:
        """:meth:`inputs` for one user given by their own rows rather than a table row: a user
        whose interactions changed after training, or an anonymous session.

        Args:
            user_dense: ``(3 + G,)`` the user's dense row (graphrec.rankers.features.user_dense).
            user_embedding: ``(dim,)`` the user's vector.
            rated: ``(h,)`` rows of the movies the user interacted with.
            rated_vectors: ``(h, dim)`` their graph embeddings.
            movies, ranks: Candidate movie rows and their 0-based recall ranks.
        """
        f, n = self.features, len(movies)
        dense = np.broadcast_to(user_dense, (n, len(user_dense)))
        embedding = np.broadcast_to(user_embedding, (n, len(user_embedding)))
        candidates = f.movie_embeddings[movies]
        if len(rated_vectors):
            nearest = (rated_vectors @ candidates.T).max(axis=0).astype(np.float32)
        else:
            nearest = np.zeros(n, dtype=np.float32)
        item = f.item_weights.user_scores(rated, movies)
        return PairInputs(
            user_dense=torch.from_numpy(np.ascontiguousarray(dense)),
            movie_dense=torch.from_numpy(f.movie_dense[movies]),
            user_embedding=torch.from_numpy(np.ascontiguousarray(embedding)),
            movie_embedding=torch.from_numpy(candidates),
            cross=torch.from_numpy(f.cross_of(dense, embedding, movies, ranks, nearest, item)),
        )

    @torch.no_grad()
    def score(
        self, name: str, users: np.ndarray, movies: np.ndarray, ranks: np.ndarray
    ) -> np.ndarray:
        """Logit of each (user, movie) pair under ranker ``name`` (see :meth:`inputs`)."""
        return self.score_inputs(name, self.inputs(users, movies, ranks))

    def score_inputs(self, name: str, inputs: PairInputs) -> np.ndarray:
        """Logits of pairs whose features :meth:`inputs` gathered already."""
        return model_logits(self.models[name], inputs)

    def list_scores(self, name: str, inputs: PairInputs, lists: int = 1) -> np.ndarray:
        """What orders candidates under ranker ``name``: its logits blended with the item
        model's score over each list. ``inputs`` holds ``lists`` candidate lists of one length,
        one after another; the result is flat like them."""
        logits = self.score_inputs(name, inputs).reshape(lists, -1)
        item = inputs.cross[:, ITEM_COLUMN].numpy().reshape(lists, -1)
        return blend_scores(logits, item, self.item_blends.get(name, 0.0)).ravel()

    def state(self) -> dict[str, Any]:
        """What the bundle stores: weights and the shapes to rebuild the modules."""
        f = self.features
        return {
            "shapes": {
                "num_users": len(f.user_embeddings),
                "num_movies": len(f.movie_embeddings),
                "dim": f.user_embeddings.shape[1],
                "user_dense": f.user_dense.shape[1],
                "movie_dense": f.movie_dense.shape[1],
                "num_genres": f.num_genres,
            },
            "weights": {name: model.state_dict() for name, model in self.models.items()},
            "figures": self.figures,
            "item_blends": self.item_blends,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], features: RankingFeatures) -> Rankers:
        s = state["shapes"]
        models = build_models(
            s["dim"],
            s["user_dense"],
            s["movie_dense"],
            s["num_genres"],
        )
        for name, model in models.items():
            model.load_state_dict(state["weights"][name])
        return cls(
            features=features,
            models=models,
            figures=state.get("figures", {}),
            item_blends=state["item_blends"],
        )


@torch.no_grad()
def model_logits(model: nn.Module, inputs: PairInputs) -> np.ndarray:
    """``model``'s logits of the pairs ``inputs``, in evaluation mode."""
    model.eval()
    return np.asarray(model(inputs).numpy())


def build_models(
    dim: int, user_dense: int, movie_dense: int, num_genres: int
) -> dict[str, nn.Module]:
    """Both rankers, untrained, for embeddings of width ``dim`` and these dense widths."""
    scalars = (user_dense - num_genres) + (movie_dense - num_genres) + CROSS_COLUMNS
    return {
        "two_tower": TwoTower(dim, user_dense, movie_dense),
        "deepfm": DeepFM(dim, scalars, num_genres),
    }
