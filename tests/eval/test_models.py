"""One contract every model under evaluation passes, on planted communities where the answer
is known (the idea of implicit's RecommenderBaseTestMixin)."""

from __future__ import annotations

import numpy as np
import pytest

from graphrec.data.dataset import InteractionDataset
from graphrec.eval.models import MODELS
from graphrec.eval.models.two_stage import Recall
from graphrec.eval.recommender import Recommender
from graphrec.train import SageConfig
from graphrec.train.config import PinSageConfig
from graphrec.train.pairwise import PairwiseConfig
from graphrec.train.ranker_training import RankerConfig
from tests.conftest import planted

TINY_PINSAGE = {
    "dim": 16, "walks_per_movie": 16, "walk_length": 4, "top_t": 4, "hard_ranks": (4, 8),
    "num_negatives": 8, "batch_size": 32, "lr": 0.02, "epochs": 12, "patience": 12,
    "val_k": 3, "workers": 0,
}  # fmt: skip

COMMUNITY_MODELS = [
    "itemknn", "cooc", "ease", "bpr", "lightgcn", "sage", "pinsage", "recall", "recall+two_tower",
    "recall+deepfm",
]  # fmt: skip


def _model(name: str) -> Recommender:
    options = {"recall_model": "sage"} if issubclass(MODELS[name], Recall) else {}
    model = MODELS[name](seed=0, **options)
    config = getattr(model, "config", None)
    if isinstance(config, PairwiseConfig | SageConfig):
        # small data: small batches, larger steps, and a validation cut-off below the catalogue
        update = {"batch_size": 64, "lr": 0.05 if isinstance(config, PairwiseConfig) else 0.02,
                  "epochs": 30, "val_k": 3}  # fmt: skip
        model.config = config.model_copy(update=update)  # type: ignore[attr-defined]
    if isinstance(model, Recall):
        # a third of each user's ratings label the ranker; small data needs many small steps
        model.recall_configs = {"sage": SageConfig(
            batch_size=64, lr=0.02, epochs=30, val_k=3, val_fraction=0.34
        )}  # fmt: skip
        model.ranker_config = RankerConfig(epochs=40, lr=0.02, batch_size=64, patience=40)
    if isinstance(config, PinSageConfig):
        model.config = config.model_copy(update=TINY_PINSAGE)  # type: ignore[attr-defined]
    return model


@pytest.fixture(scope="module", params=COMMUNITY_MODELS)
def fitted(request: pytest.FixtureRequest) -> tuple[InteractionDataset, Recommender]:
    data = planted(num_users=40, num_movies=20)
    model = _model(request.param)
    model.fit(data)
    return data, model


def test_recommends_within_the_users_community(
    fitted: tuple[InteractionDataset, Recommender],
) -> None:
    data, model = fitted
    users = np.arange(40)
    scores = model.score_users(users).numpy()
    assert scores.shape == (40, 20)
    own = np.where((users % 2 == 0)[:, None], np.arange(20) < 10, np.arange(20) >= 10)
    seen = np.zeros((40, 20), dtype=bool)
    seen[data.users, data.movies] = True
    # each user's best unseen movie lies in its own community
    best = np.where(seen, -np.inf, scores).argmax(axis=1)
    assert own[users, best].mean() >= 0.9


def test_similar_items_share_a_community(fitted: tuple[InteractionDataset, Recommender]) -> None:
    _, model = fitted
    movies = np.arange(20)
    scores = model.score_items(movies).numpy().copy()
    assert scores.shape == (20, 20)
    scores[movies, movies] = -np.inf
    best = scores.argmax(axis=1)
    assert ((best < 10) == (movies < 10)).mean() >= 0.9


def test_popularity_ranks_by_count() -> None:
    data = planted(num_users=40, num_movies=20)
    model = MODELS["pop"](seed=0)
    model.fit(data)
    counts = np.bincount(data.movies, minlength=20)
    assert np.array_equal(model.score_users(np.array([0, 1])).numpy()[1], counts)
    assert model.score_items(np.array([3])).shape == (1, 20)


def test_ease_tunes_lambda_on_validation() -> None:
    model = MODELS["ease"](seed=0)
    model.fit(planted(num_users=40, num_movies=20))
    assert model.lambda_ in type(model).lambdas
