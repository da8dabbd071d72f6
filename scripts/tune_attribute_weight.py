"""Choose the attribute weight of item-to-item vectors on validation data only.

Trains sage on the training side of the temporal split, then measures next-item hit@10 on the
trainer's own validation slice (each user's latest 10 % of training) for several weights, with
embeddings computed over the fitting graph so validation edges stay unseen.

    python scripts/tune_attribute_weight.py [--weights 0,0.1,0.2,0.3,0.4]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from graphrec.data import load_movielens
from graphrec.data.splits import per_user_latest
from graphrec.eval import make_split, targets_of
from graphrec.eval.metrics import hit_rate
from graphrec.eval.protocols import Split
from graphrec.eval.recommender import VALIDATION_FRACTION, graph_of
from graphrec.similarity import item_vectors
from graphrec.train import SageConfig, SageTrainer, top_k_excluding, use_deterministic_kernels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="0,0.1,0.2,0.3,0.4")
    args = parser.parse_args()
    use_deterministic_kernels()
    train = make_split(load_movielens(), "temporal").train
    trainer = SageTrainer(train, SageConfig())
    trainer.fit()
    _, movies = trainer.embed()  # over the fitting graph
    features = trainer.features.numpy()
    mask = per_user_latest(train.users, train.timestamps, VALIDATION_FRACTION)
    fit = train.subset(~mask)
    targets = targets_of(Split(train=fit, test=train.subset(mask)))
    query = np.full(train.num_users, -1)
    query[targets.users] = targets.last_train_movie
    fit_graph = graph_of(fit)
    for weight in (float(w) for w in args.weights.split(",")):
        vectors = torch.from_numpy(item_vectors(movies, features, weight))
        recs = top_k_excluding(
            lambda users, v=vectors: v[torch.from_numpy(query[users])] @ v.T,
            fit_graph, 10, targets.users,
        )  # fmt: skip
        print(f"attribute_weight {weight:.2f}: val next_item_hit@10 "
              f"{hit_rate(recs, targets.first_test_movie):.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
