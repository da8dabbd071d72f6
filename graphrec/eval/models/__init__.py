"""Models under evaluation, by the name `graphrec evaluate --models` takes."""

from graphrec.eval.models.bpr import BPRMF
from graphrec.eval.models.cooc import CoOccurrence
from graphrec.eval.models.ease import EASE
from graphrec.eval.models.itemknn import ItemKNN
from graphrec.eval.models.lightgcn import LightGCN
from graphrec.eval.models.pinsage import PinSage
from graphrec.eval.models.pop import Popularity
from graphrec.eval.models.sage import Sage
from graphrec.eval.models.two_stage import Recall, RecallDeepFM, RecallTwoTower
from graphrec.eval.recommender import Recommender

MODELS: dict[str, type[Recommender]] = {
    model.name: model
    for model in (
        Popularity,
        ItemKNN,
        CoOccurrence,
        EASE,
        BPRMF,
        LightGCN,
        Sage,
        PinSage,
        Recall,
        RecallTwoTower,
        RecallDeepFM,
    )
}

__all__ = [
    "BPRMF",
    "EASE",
    "MODELS",
    "CoOccurrence",
    "ItemKNN",
    "LightGCN",
    "PinSage",
    "Popularity",
    "Recall",
    "RecallDeepFM",
    "RecallTwoTower",
    "Sage",
]
