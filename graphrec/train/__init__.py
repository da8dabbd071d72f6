"""Embedding training."""

from graphrec.train.config import SageConfig
from graphrec.train.early_stopping import EpochCallback, fit_with_early_stopping
from graphrec.train.reproducibility import use_deterministic_kernels
from graphrec.train.result import TrainedEmbeddings
from graphrec.train.sage_trainer import SageTrainer
from graphrec.train.topk import top_k_excluding, validation_recall

__all__ = [
    "EpochCallback",
    "SageConfig",
    "SageTrainer",
    "TrainedEmbeddings",
    "fit_with_early_stopping",
    "top_k_excluding",
    "use_deterministic_kernels",
    "validation_recall",
]
