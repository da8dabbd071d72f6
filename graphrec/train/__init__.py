"""Embedding training."""

from graphrec.train.config import SageConfig
from graphrec.train.sage_trainer import SageResult, SageTrainer
from graphrec.train.topk import top_k_excluding

__all__ = ["SageConfig", "SageResult", "SageTrainer", "top_k_excluding"]
