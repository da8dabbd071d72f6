"""Training configuration: validated, serialisable into the bundle's manifest."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graphrec.data.splits import VALIDATION_FRACTION, ValidationCut


class ItemSpaceConfig(BaseModel):
    """Hyper-parameters of the movie → movie space (graphrec.train.item_space): what `/similar`
    serves, trained on co-engagement rather than on user → movie ranking."""

    model_config = ConfigDict(extra="forbid")

    dim: int = Field(64, ge=2, le=1024, description="Embedding width.")
    window: int = Field(
        1, ge=0, description="A movie's positives include the movies at most this many "
        "positions before or after it in its user's time-ordered history; on validation the "
        "next and previous movie alone found the most franchise mates (window 2 or 3 added "
        "pairs of looser kin).",
    )  # fmt: skip
    partners: bool = Field(
        False, description="Each epoch, also pair every rating with one random other movie of "
        "the same user (whole histories, sampled: linear in the ratings); on validation they "
        "taught broad taste and lost franchise mates.",
    )  # fmt: skip
    walk_pairs: int = Field(
        0, ge=0, description="Positives per movie drawn from its random-walk neighbourhood by "
        "visit count (PinSAGE's positives); on validation they added nothing beside the "
        "histories' pairs.",
    )  # fmt: skip
    epochs: int = Field(
        12, ge=1, description="Passes over the fitting ratings' pairs. With the learning rate "
        "decayed, validation merit (next-item hit × franchise recall) was 0.0636 at 8 epochs, "
        "0.0651 at 10, 0.0670 at 12, 0.0637 at 14 and 0.0671 at 20 (about ±0.004 apart by "
        "chance alone: 610 validation users); each epoch is 2-3 s of the bundled `graphrec train`.",
    )  # fmt: skip
    lr_decay: bool = Field(
        True, description="Let the learning rate fall linearly from ``lr`` towards 0 over the "
        "epochs: at 12 epochs validation merit 0.0670 with, 0.0600 without (20 epochs "
        "without: 0.0674).",
    )  # fmt: skip
    max_pairs: int = Field(
        2_000_000, ge=1, description="Pairs drawn per epoch at most (uniformly from all of "
        "them, with replacement): an epoch's cost stops growing with the ratings (the "
        "bundled data has 0.16 M).",
    )  # fmt: skip
    batch_size: int = Field(
        2048, ge=2, description="(query, positive) pairs per step. Validation next-item hit × "
        "franchise recall on the temporal training side: 0.0674 at 2048 against 0.0634 at "
        "8192 and 0.0552 at 1024 (90 epochs at 8192: 0.0501; 2048 negatives: 0.0583).",
    )  # fmt: skip
    num_negatives: int = Field(512, ge=1, description="Uniform negatives shared by a batch.")
    temperature: float = Field(0.05, gt=0.0, description="Scale of cosine scores in the loss.")
    popularity_offset: float = Field(
        1.0, ge=0.0, description="β in the training logits ``cos/τ + β·log(1 + degree)``: "
        "popularity explains part of each co-engagement, so the vectors need not (at 1, "
        "their inner products approach pointwise mutual information); serving adds back "
        "the share validation chooses.",
    )  # fmt: skip
    lr: float = Field(0.02, gt=0.0, description="Adam learning rate.")
    attribute_weights: tuple[float, ...] = Field(
        (0.15, 0.25, 0.35), min_length=1,
        description="Shares of attribute cosine in the similarity tried on validation "
        "(graphrec.similarity).",
    )  # fmt: skip
    popularity_weights: tuple[float, ...] = Field(
        (0.0, 0.0125, 0.025, 0.0375, 0.05, 0.075, 0.1), min_length=1,
        description="Weights of log popularity in the similarity tried on validation; "
        "beyond 0.1 the lists are the catalogue's top sellers.",
    )  # fmt: skip
    validation_queries: int = Field(
        20_000, ge=1, description="Users (next-item hit) and movies (neighbour popularity) "
        "the blend is judged on at most, drawn at random beyond: the choice's cost stops "
        "growing with the catalogue.",
    )  # fmt: skip
    recency_shapes: tuple[tuple[int, float], ...] = Field(
        ((3, 1.0), (5, 0.7), (10, 0.7)),
        description="(count, decay) of the recall score's recency term (graphrec.recency) "
        "tried on validation: the user's latest ``count`` movies, the a-th latest weighted "
        "decay^a; empty: no recency term.",
    )  # fmt: skip
    recency_weights: tuple[float, ...] = Field(
        (0.2, 0.4, 0.6), description="Weights of the recency term tried with each shape."
    )
    seed: int = Field(0, description="Seed for initialisation, walks, pairs and negatives.")


class ValidationConfig(BaseModel):
    """How a trainer validates: the slice it holds out (cut like the test) and early stopping."""

    model_config = ConfigDict(extra="forbid")

    val_fraction: float = Field(
        VALIDATION_FRACTION,
        gt=0.0,
        lt=1.0,
        description="Each user's share of training held for validation.",
    )
    val_cut: ValidationCut = Field(
        "temporal",
        description="How validation is cut from training, as the test is cut: 'temporal' "
        "(latest share), 'random' (random share) or 'last' (last interaction).",
    )
    patience: int = Field(5, ge=1, description="Epochs without validation gain before stopping.")
    val_k: int = Field(20, ge=1, description="Cut-off of the validation recall.")
    half_lives: tuple[float | None, ...] = Field(
        (None, 1.0, 2.0, 4.0, 8.0, 16.0),
        min_length=1,
        description="User vector: the user's movies weighted 0.5^(age/half_life), age counted "
        "in later ratings, None for a plain mean (PinSAGE: the weighted mean of movie vectors; "
        "GraphSAGE: the weighted mean aggregation of the user's node); the half-life with the "
        "best validation recall is kept.",
    )
    item_space: ItemSpaceConfig = Field(
        default_factory=ItemSpaceConfig,
        description="The movie → movie space `/similar` serves (graphrec.train.item_space); "
        "its seed is the trainer's.",
    )


class SageConfig(ValidationConfig):
    """Hyper-parameters of GraphSAGE embedding training."""

    model_config = ConfigDict(extra="forbid")

    dim: int = Field(64, ge=2, le=1024, description="Embedding width.")
    num_layers: int = Field(3, ge=1, le=4, description="SAGEConv layers.")
    dropout: float = Field(0.0, ge=0.0, lt=1.0, description="Dropout between layers.")
    fanout: int = Field(
        250,
        ge=1,
        description="Neighbours sampled per node of a training step (the layers above the first "
        "read the others' states from the epoch's histories): a step costs its batch times "
        "at most this, not the graph. A sampled mean trains layers that underweight the full "
        "mean served later: on the bundled data's validation the tuned recall@20 rose from "
        "0.162 (10) over 0.171 (40) and 0.176 (100) to 0.179 (250), as with every neighbour.",
    )
    movie_fanout: int | None = Field(
        25, ge=1, description="Users sampled per movie node instead of ``fanout``: a movie's "
        "degree grows with the data, a user's does not, so this bounds a popular movie's "
        "share of a step (5 M ratings: 70 to 75 s per million per epoch against 81 s at "
        "250; not yet flat from 1 M). Tuned recall@20 against 250: 0.1364 vs 0.1343 on "
        "the bundled data's validation, 0.1769 vs 0.1791 on its temporal training side "
        "(10: 0.1748); ``None``: ``fanout``.",
    )  # fmt: skip
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
    epochs: int = Field(
        20,
        ge=1,
        description="Most epochs; early stopping may end sooner. Validation recall is on a "
        "plateau by then (epochs 21-30 added at most 0.004 in ten runs, inside its "
        "epoch-to-epoch noise), and it keeps `graphrec train` near two minutes.",
    )
    batch_size: int = Field(2048, ge=2, description="Positive interactions per step.")
    epoch_steps: int | None = Field(
        150, ge=1, description="Steps an epoch runs at most, over a fresh random share of the "
        "fitting ratings each epoch (``None``: every rating, every epoch). A step costs its "
        "batch, so this bounds an epoch's steps whatever the data's size: the bundled data's "
        "epochs (40 steps) run whole, a million ratings' 383 are cut to 150 (19 s), 25 "
        "million ratings' 9,710 (a full pass 48-64 minutes on 2 cores) to 150 (59 s; a step "
        "still costs more on a bigger graph). Quality under the cut is not yet measured.",
    )  # fmt: skip
    lr: float = Field(0.01, gt=0.0, description="Adam learning rate.")
    weight_decay: float = Field(0.0, ge=0.0, description="Adam weight decay.")
    seed: int = Field(0, description="Seed for initialisation, batching and negatives.")


class PinSageConfig(ValidationConfig):
    """Hyper-parameters of PinSAGE training: walks, layers, margin loss, curriculum, batches."""

    model_config = ConfigDict(extra="forbid")

    dim: int = Field(64, ge=2, le=1024, description="Embedding width.")
    num_layers: int = Field(2, ge=1, le=3, description="PinSAGE convolutions.")
    walks_per_movie: int = Field(64, ge=1, description="Random walkers started from each movie.")
    walk_length: int = Field(8, ge=1, description="Movie-to-movie hops per walker.")
    restart: float = Field(0.5, ge=0.0, lt=1.0, description="Restart probability per hop.")
    top_t: int = Field(10, ge=1, description="Importance neighbourhood size T.")
    hard_ranks: tuple[int, int] = Field(
        (100, 250),
        description="Visit ranks [from, to) hard negatives are drawn from: related, not closest.",
    )
    max_hard: int = Field(
        1, ge=0, description="Hard negatives per query; epoch n uses min(n - 1, max_hard)."
    )
    hard_weight: float = Field(
        0.1, ge=0.0, description="Weight of the hard-negative term beside the shared-negative one."
    )
    num_negatives: int = Field(512, ge=1, description="Random negatives shared by a batch.")
    negative_power: float = Field(
        0.75, ge=0.0, le=1.0, description="Random negatives drawn with probability ∝ degree^p."
    )
    loss: Literal["softmax", "margin"] = Field(
        "softmax",
        description="'softmax': each query picks its positive out of the batch's positives "
        "and shared negatives (sampled softmax, log-q corrected); 'margin': the paper's "
        "max-margin hinge against the shared negatives. Hard negatives use the hinge in both.",
    )
    temperature: float = Field(
        0.05,
        gt=0.0,
        description="Scale of cosine scores in the softmax (smaller is sharper): on validation "
        "0.05 led 0.1 under a latest cut, 0.1 led it slightly under a random one.",
    )
    margin: float = Field(0.3, gt=0.0, description="Margin Δ of the max-margin loss.")
    window: int = Field(
        20,
        ge=1,
        description="A user's movie i is the positive of the mean of movies i-window..i-1 "
        "(fewer for a user's early ratings).",
    )
    bag_pairs: Literal["random-cut", "always", "never"] = Field(
        "random-cut",
        description="When to add, beside each (previous movies, next movie) pair, one whose "
        "query is `window` random other movies of the user (graphrec.train.pinsage_batches."
        "bag_pairs). 'random-cut': when validation is a random slice, as a random test holds "
        "movies from anywhere in a user's history (validation recall rose on the mean of five "
        "random splits and fell on the mean of three latest ones). Twice the pairs an epoch.",
    )
    epochs: int = Field(30, ge=1, description="Most epochs; early stopping may end sooner.")
    batch_size: int = Field(2048, ge=2, description="(query, positive) pairs per step.")
    lr: float = Field(
        0.005, gt=0.0, description="Adam learning rate (dense layers and id-embedding rows)."
    )
    whitenings: tuple[tuple[float, float], ...] = Field(
        ((0.3, 0.1), (0.3, 0.3), (1.0, 0.1), (1.0, 0.3)),
        description="(beta, ridge) of whitened user vectors (graphrec.train.user_vectors."
        "Whitening) tried on validation at the chosen half-life; one is kept only where it "
        "recalls more than the plain mean. Empty: plain means only.",
    )
    workers: int = Field(
        0,
        ge=0,
        description="DataLoader processes preparing batches ahead of the training step; 0 "
        "builds them in the training process, which is faster on 2 cores (a worker's process "
        "fights the step's threads for them).",
    )
    inference_batch: int = Field(4096, ge=1, description="Movies embedded at once at inference.")
    seed: int = Field(0, description="Seed for walks, initialisation, batching and negatives.")
