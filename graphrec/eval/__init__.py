"""Evaluation: protocols, metrics, models under evaluation and the runner."""

from graphrec.eval.metrics import hit_rate, ranking_metrics
from graphrec.eval.models import MODELS
from graphrec.eval.protocols import PROTOCOLS, Split, make_split, split_from_files
from graphrec.eval.runner import evaluate, targets_of

__all__ = [
    "MODELS",
    "PROTOCOLS",
    "Split",
    "evaluate",
    "hit_rate",
    "make_split",
    "ranking_metrics",
    "split_from_files",
    "targets_of",
]
