"""Second-stage rankers over recall candidates: features, two-tower and DeepFM."""

from graphrec.rankers.features import RankingFeatures
from graphrec.rankers.models import DeepFM, PairInputs, TwoTower

__all__ = ["DeepFM", "PairInputs", "RankingFeatures", "TwoTower"]
