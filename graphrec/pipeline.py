"""`graphrec train`: data → graph embeddings → FAISS index → versioned bundle."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from graphrec.artifacts import write_bundle
from graphrec.catalog import Catalog
from graphrec.data.loaders import load_data
from graphrec.errors import ConfigError
from graphrec.nn.sage import SageEncoder
from graphrec.progress import SILENT, Progress
from graphrec.similarity import IndexLayout
from graphrec.train.config import PinSageConfig, SageConfig
from graphrec.train.distributed import World
from graphrec.train.pinsage_trainer import PinSageTrainer
from graphrec.train.sage_trainer import SageTrainer
from graphrec.train.two_stage import train_two_stage
from graphrec.users.history import UserHistory
from graphrec.users.vectors import SageFoldIn
from index import MovieIndex

logger = logging.getLogger(__name__)

#: Models `graphrec train --model` accepts, the default first: GraphSAGE, whose served
#: pipeline leads PinSAGE's under `temporal`, the cut `graphrec train` serves, and trails it
#: under `stratified` (README, Measured).
MODELS = ("sage", "pinsage")


def train_bundle(
    data_dir: Path | None,
    out: Path,
    *,
    model: str = MODELS[0],
    epochs: int | None = None,
    seed: int = 0,
    progress: Progress = SILENT,
    world: World | None = None,
) -> tuple[Path, dict[str, object]]:
    """Train on ``data_dir`` (bundled data when ``None``) and write a bundle under ``out``.

    ``world`` is the data-parallel group this process leads as rank 0, and the
    device it trains on; the other ranks run :func:`follow_training`.

    Returns:
        The bundle's folder and its headline figures (seconds per stage, validation recall).
    """
    config = _config(model, epochs, seed)
    started = time.perf_counter()
    dataset = load_data(data_dir)
    if not dataset.has_timestamps:  # a random slice validates (graphrec.data.interaction_log)
        config = config.model_copy(update={"val_cut": "random"})
    load_seconds = time.perf_counter() - started

    trained = train_two_stage(dataset, config, progress=progress, world=world)
    result = trained.embeddings
    train_seconds = time.perf_counter() - started - load_seconds

    space = result.item_space
    if space is None:
        raise ValueError("training returned no movie → movie space")
    layout = IndexLayout.for_spaces(result.movie_embeddings.shape[1], space.vectors.shape[1])
    vectors = layout.rows(result.movie_embeddings, space.vectors, result.popularity)
    index = MovieIndex.build(dataset.movie_ids, vectors, seed=seed)
    figures = {
        "load_seconds": round(load_seconds, 3),
        "train_seconds": round(train_seconds, 3),
        "index_seconds": round(index.info.build_seconds, 3),
        "epochs_run": len(result.history),
        "best_epoch": result.best_epoch,
        f"val_recall@{config.val_k}": round(result.best_validation, 5),
        "stage_seconds": {"load": round(load_seconds, 3)}
        | trained.stage_seconds
        | {"index": round(index.info.build_seconds, 3)},
    }
    rankers = {name: figures for name, figures in trained.rankers.figures.items()}
    manifest = {
        "model": model,
        "config": config.model_dump(),
        "training": {
            "processes": world.size if world else 1,
            "device": str(world.device) if world else "cpu",
        },
        "dataset": dataset.describe(),
        "metrics": figures,
        "rankers": rankers,
        "history": result.history,
        "user_vectors": {
            "kind": "sage_fold_in" if model == "sage" else "decayed_mean",
            "half_life": result.half_life,
            "whitening": None if result.whitening is None else result.whitening.to_dict(),
        },
        "index": asdict(index.info)
        | {
            # User queries read the embedding columns unscaled (graphrec.recall_score).
            "attribute_weight": 0.0,
            "layout": layout.to_dict(),
            "item_space": space.describe(),
            "popularity_weights": result.popularity_weights.to_dict(),
            "recency": result.recency.to_dict(),
        },
    }
    history = UserHistory.from_interactions(
        dataset.users, dataset.movies, dataset.ratings, dataset.timestamps, dataset.num_users
    )
    user_states = None
    if isinstance(result.model, SageEncoder):  # the fold-in's states, once, not per server
        fold_in = SageFoldIn.over_history(result.model, result.features.astype(np.float32), history)
        user_states = fold_in.arrays()
    path = write_bundle(
        out,
        catalog=Catalog.from_table(dataset.movie_ids, dataset.movie_table),
        user_ids=dataset.user_ids,
        movie_embeddings=result.movie_embeddings,
        user_embeddings=result.user_embeddings,
        movie_features=result.features,
        index=index,
        table=dataset.movie_table,
        model_state=result.model.state_dict(),
        history=history,
        rankers=trained.rankers,
        manifest=manifest,
        item_vectors=space.vectors,
        user_states=user_states,
    )
    return path, figures


def follow_training(data_dir: Path | None, world: World, *, model: str, epochs: int | None,
                    seed: int) -> int:  # fmt: skip
    """A helper rank's part of ``train_bundle``: the same data and trainer, every epoch rank 0
    calls for, nothing written. Returns the epochs trained."""
    config = _config(model, epochs, seed)
    dataset = load_data(data_dir)
    if isinstance(config, PinSageConfig):
        return PinSageTrainer(dataset, config, world).follow()
    return SageTrainer(dataset, config, world).follow()


def _config(model: str, epochs: int | None, seed: int) -> SageConfig | PinSageConfig:
    if model not in MODELS:
        raise ConfigError(f"unknown model {model!r}; available: {', '.join(MODELS)}")
    overrides = {"seed": seed} | ({"epochs": epochs} if epochs is not None else {})
    config_type = PinSageConfig if model == "pinsage" else SageConfig
    try:
        return config_type.model_validate(overrides)
    except ValueError as exc:
        raise ConfigError(str(exc).splitlines()[-1]) from exc
