"""BPR training (Rendle et al., UAI 2009) for any encoder that yields user and movie vectors."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from graphrec.graph.bipartite import BipartiteGraph
from graphrec.train.early_stopping import EpochCallback, fit_with_early_stopping
from graphrec.train.topk import validation_recall

#: Returns ``(num_users + num_movies, dim)``: users first, then movies.
Encode = Callable[[], torch.Tensor]


class PairwiseConfig(BaseModel):
    """Hyper-parameters of BPR training."""

    model_config = ConfigDict(extra="forbid")

    dim: int = Field(64, ge=2, description="Embedding width.")
    epochs: int = Field(60, ge=1, description="Most epochs; early stopping may end sooner.")
    batch_size: int = Field(4096, ge=2, description="Positive interactions per step.")
    lr: float = Field(0.005, gt=0.0, description="Adam learning rate.")
    reg: float = Field(1e-4, ge=0.0, description="L2 penalty on the batch's vectors.")
    patience: int = Field(5, ge=1, description="Epochs without validation gain before stopping.")
    val_k: int = Field(20, ge=1, description="Cut-off of the validation recall.")
    seed: int = Field(0, description="Seed for batching and negatives.")


def train_bpr(
    module: nn.Module,
    encode: Encode,
    fit: BipartiteGraph,
    validation: BipartiteGraph,
    config: PairwiseConfig,
    on_epoch: EpochCallback | None = None,
) -> tuple[list[dict[str, float]], int]:
    """Train ``module`` with one uniform random negative per positive; early stop on recall.

    Args:
        module: Owns the parameters ``encode`` uses; its best state is restored at the end.
        encode: Computes every node's vector (called once per step, so full-graph encoders work).
        fit: Training edges, also excluded when ranking for validation.
        validation: Held-out edges for early stopping.
        config: Hyper-parameters.
        on_epoch: Progress callback.

    Returns:
        The epoch history and the best epoch.
    """
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    optimizer = torch.optim.Adam(module.parameters(), lr=config.lr)
    users, movies = fit.edge_arrays()
    num_users = fit.num_users

    def train_epoch() -> dict[str, float]:
        module.train()
        order = rng.permutation(len(users))
        total, steps = 0.0, 0
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            negatives = rng.integers(0, fit.num_movies, len(batch))
            vectors = encode()
            u = vectors[torch.from_numpy(users[batch])]
            pos = vectors[torch.from_numpy(movies[batch] + num_users)]
            neg = vectors[torch.from_numpy(negatives + num_users)]
            loss = -F.logsigmoid((u * pos).sum(-1) - (u * neg).sum(-1)).mean()
            penalty = (u.pow(2).sum() + pos.pow(2).sum() + neg.pow(2).sum()) / len(batch)
            loss = loss + config.reg * penalty
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            steps += 1
        return {"loss": total / max(steps, 1)}

    @torch.no_grad()
    def validate() -> float:
        module.eval()
        vectors = encode()
        user_vecs, movie_vecs = vectors[:num_users], vectors[num_users:]
        return validation_recall(
            lambda batch: user_vecs[torch.from_numpy(batch)] @ movie_vecs.T,
            fit,
            validation,
            config.val_k,
        )

    return fit_with_early_stopping(
        module,
        train_epoch,
        validate if validation.num_edges > 0 else None,
        epochs=config.epochs,
        patience=config.patience,
        on_epoch=on_epoch,
    )
