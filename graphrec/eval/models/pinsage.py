"""Our PinSAGE encoder under evaluation, trained exactly as `graphrec train` trains it."""

from __future__ import annotations

from graphrec.data.dataset import InteractionDataset
from graphrec.eval.models.sage import Sage
from graphrec.train.config import PinSageConfig
from graphrec.train.item_space import with_item_space
from graphrec.train.pinsage_trainer import PinSageTrainer
from graphrec.train.result import TrainedEmbeddings


class PinSage(Sage):
    """PinSAGE movie vectors; a user is the (decayed) mean of their training movies' vectors."""

    name = "pinsage"
    config = PinSageConfig()

    def train(self, train: InteractionDataset) -> TrainedEmbeddings:
        config = self.trainer_config()
        assert isinstance(config, PinSageConfig)
        return with_item_space(train, PinSageTrainer(train, config).fit(self.on_epoch), config)
