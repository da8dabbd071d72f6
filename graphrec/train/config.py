"""Training configuration: validated, serialisable into the bundle's manifest."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SageConfig(BaseModel):
    """Hyper-parameters of GraphSAGE embedding training."""

    model_config = ConfigDict(extra="forbid")

    dim: int = Field(64, ge=2, le=1024, description="Embedding width.")
    num_layers: int = Field(3, ge=1, le=4, description="SAGEConv layers.")
    dropout: float = Field(0.0, ge=0.0, lt=1.0, description="Dropout between layers.")
    loss: Literal["softmax", "bpr"] = Field(
        "softmax",
        description="'softmax': in-batch sampled softmax; 'bpr': pairwise with random negatives.",
    )
    logq: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="Weight of the log-popularity subtracted from in-batch logits (sampling-bias "
        "correction): 1 corrects fully, 0 leaves popular movies over-penalised as negatives.",
    )
    temperature: float = Field(0.2, gt=0.0, description="Scale of cosine scores in the loss.")
    epochs: int = Field(30, ge=1, description="Most epochs; early stopping may end sooner.")
    batch_size: int = Field(2048, ge=2, description="Positive interactions per step.")
    lr: float = Field(0.01, gt=0.0, description="Adam learning rate.")
    weight_decay: float = Field(0.0, ge=0.0, description="Adam weight decay.")
    val_fraction: float = Field(
        0.1, gt=0.0, lt=1.0, description="Each user's latest share of training held for validation."
    )
    patience: int = Field(5, ge=1, description="Epochs without validation gain before stopping.")
    val_k: int = Field(20, ge=1, description="Cut-off of the validation recall.")
    seed: int = Field(0, description="Seed for initialisation, batching and negatives.")
