"""Training the rankers on recall candidates: who chose which candidate, learned listwise.

Labels come from the validation slice of the training side (the one embedding training
validates on, cut like the test); features and candidates come from the other ratings, so a
label is never also an input. Label = the user rated the movie, whatever the rating: the evaluation
counts every held-out interaction as relevant (DESIGN.md), and a ranker trained on "liked"
only (>= 3.5) would learn a different target from the one it is scored on.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from graphrec.graph.bipartite import BipartiteGraph
from graphrec.rankers.blend import blend_scores
from graphrec.rankers.features import ITEM_COLUMN, RankingFeatures
from graphrec.rankers.item_weights import LAMBDAS, SOURCES_PER_MOVIE, ItemWeights
from graphrec.rankers.models import PairInputs, fit_scales
from graphrec.rankers.ranking import RANKERS, Rankers, build_models, model_logits
from graphrec.recall_score import CANDIDATES
from graphrec.train.topk import edge_membership, top_k_excluding

logger = logging.getLogger(__name__)

#: Item-score blend weights validation chooses among: 0 keeps the ranker's own order.
ITEM_BLENDS = (0.0, 0.25, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class RankerConfig:
    """Candidates per user, negatives per user, and the optimiser."""

    candidates: int = CANDIDATES
    #: Unchosen candidates per user the lists are made of: all of them by default, so that a
    #: training list is the list serving reorders (60 of 200 ranked worse on validation).
    hard_negatives: int = CANDIDATES
    random_negatives: int = 5
    epochs: int = 30
    batch_size: int = 1024
    lr: float = 0.003
    validation_users: float = 0.1
    patience: int = 5
    #: Only labelled movies among the candidates are positives: the ranker learns to order
    #: what recall returns, not to find movies recall missed.
    candidate_positives_only: bool = True
    #: Cut-off of the validation ndcg that picks the epoch.
    k: int = 10
    #: "listwise": each positive against all of its user's sampled negatives at once (a
    #: sampled softmax over the user's list, which weighs the negatives that outscore it);
    #: "pairwise": each positive against ``pair_negatives`` random negatives of its user; both
    #: need no per-user calibration, as a reranking of one user's candidates does not;
    #: "bce": every pair alone.
    loss: Literal["listwise", "pairwise", "bce"] = "listwise"
    #: Users per batch ("listwise"): 16 gives the bundled data's 550 label users 35 steps an
    #: epoch.
    batch_users: int = 16
    #: Labelled users the rankers learn from at most (a random subset beyond): features of
    #: every pair are gathered once, about 0.7 kB each, ``candidates`` pairs per user.
    max_users: int = 10_000
    #: Negatives of the same user each positive is paired with, per epoch ("pairwise").
    pair_negatives: int = 4
    #: Ridge strengths of the item model (a ranker feature) validation chooses among; empty:
    #: keep the features' own item weights.
    item_lambdas: tuple[float, ...] = LAMBDAS
    #: Source movies the item model keeps per target movie.
    item_sources: int = SOURCES_PER_MOVIE
    #: Weights of the item model's score in the rankers' list scores, smallest first, that
    #: out-of-fold validation chooses among (graphrec.rankers.blend); ``(0.0,)``: logits alone.
    item_blends: tuple[float, ...] = ITEM_BLENDS
    #: Folds of the rankers' training users that choose the blend (each one more ranker fit).
    blend_folds: int = 2


def recall_candidates(
    features: RankingFeatures, exclude: BipartiteGraph, users: np.ndarray, n: int
) -> np.ndarray:
    """``(len(users), n)`` movies by the features' recall score, best first, leaving out the
    user's ``exclude`` edges (the interactions the features come from)."""
    return top_k_excluding(features.recall.scores, exclude, n, users)


def labelled_pairs(
    candidates: np.ndarray,
    users: np.ndarray,
    labels: BipartiteGraph,
    config: RankerConfig,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(users, movies, ranks, targets)``: positives are labelled movies (among the candidates
    unless ``candidate_positives_only`` is off), negatives unchosen candidates and random
    movies. A pair's rank is its position among the user's candidates (``candidates.shape[1]``
    for a movie recall did not return)."""
    n = candidates.shape[1]
    chosen = edge_membership(labels, users, candidates)
    positions = np.broadcast_to(np.arange(n), candidates.shape)
    if config.candidate_positives_only:
        pos_users = np.repeat(users, n)[chosen.ravel()]
        pos_movies, pos_ranks = candidates[chosen], positions[chosen]
    else:
        label_users, label_movies = labels.edge_arrays()
        keep = np.isin(label_users, users)
        pos_users, pos_movies = label_users[keep], label_movies[keep]
        pos_ranks = _rank_among(candidates, users, pos_users, pos_movies)
    # Hard negatives: candidates the user did not choose, a random subset per user.
    noise = np.where(chosen, np.inf, rng.random(candidates.shape))
    picked = np.argsort(noise, axis=1)[:, : config.hard_negatives]
    hard_users = np.repeat(users, picked.shape[1])
    hard_movies = np.take_along_axis(candidates, picked, axis=1).ravel()
    ok = ~np.take_along_axis(chosen, picked, axis=1).ravel()
    random_users = np.repeat(users, config.random_negatives)
    random_movies = rng.integers(0, labels.num_movies, len(random_users))
    random_ok = ~edge_membership(labels, random_users, random_movies[:, None])[:, 0]
    random_users, random_movies = random_users[random_ok], random_movies[random_ok]
    random_ranks = _rank_among(candidates, users, random_users, random_movies)
    return (
        np.concatenate([pos_users, hard_users[ok], random_users]),
        np.concatenate([pos_movies, hard_movies[ok], random_movies]),
        np.concatenate([pos_ranks, picked.ravel()[ok], random_ranks]),
        np.concatenate([np.ones(len(pos_users)), np.zeros(ok.sum() + len(random_users))]).astype(
            np.float32
        ),
    )


def _rank_among(
    candidates: np.ndarray, users: np.ndarray, pair_users: np.ndarray, pair_movies: np.ndarray
) -> np.ndarray:
    """Position of each pair's movie among its user's candidates, ``n`` where absent."""
    rows = np.searchsorted(users, pair_users)
    match = candidates[rows] == pair_movies[:, None]
    return np.where(match.any(axis=1), match.argmax(axis=1), candidates.shape[1])


def fit_rankers(
    features: RankingFeatures,
    fit: BipartiteGraph,
    labels: BipartiteGraph,
    config: RankerConfig | None = None,
    *,
    seed: int = 0,
    on_ranker: Callable[[dict[str, float]], None] | None = None,
) -> Rankers:
    """Train both rankers on candidates recalled from ``fit`` and labelled by ``labels``.

    A share of users is held apart for early stopping and for the figures reported: AUC, log
    loss and the ndcg@k of their reranked candidates beside recall order's. The item model's
    blend weight is chosen out of fold on the other users (:func:`choose_item_blend`).

    The ranker's lift over recall order pools every labelled user, each ranked by a model
    that never learned from them: the held-apart users by the served ranker, the others by
    the out-of-fold ones. The held-apart users alone (56 on the bundled data) swing a lift by
    tens of percent from one split to the next. The out-of-fold rankers learn from half the
    users for the served one's epochs, so the pooled lift leans low: a guard errs on the safe
    side. A ranker without positive lift is marked ``serve: False``.
    """
    config = config or RankerConfig()
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    users = np.flatnonzero(labels.user_degrees() > 0)
    if len(users) > config.max_users:
        users = np.sort(rng.choice(users, config.max_users, replace=False))
    candidates = recall_candidates(features, fit, users, config.candidates)
    held = rng.random(len(users)) < config.validation_users  # before any pair: same for any config
    # Chosen on the users that train the rankers, so that the held-apart lift stays unseen.
    features = choose_item_weights(features, fit, labels, users[~held], candidates[~held], config)
    pair_users, pair_movies, pair_ranks, target = labelled_pairs(
        candidates, users, labels, config, rng
    )
    rankers = Rankers(features=features, models=fresh_models(features))
    features_of_pairs = rankers.inputs(pair_users, pair_movies, pair_ranks)
    pairs = LabelledPairs.of(pair_users, target, features_of_pairs)
    held_pairs = np.isin(pair_users, users[held])
    train, validation = pairs.take(~held_pairs), pairs.take(held_pairs)
    ranking = Reranking(users[held], candidates[held], labels, config.k)
    held_lists = ranking.scored(rankers) if len(ranking.users) else None
    recall_order = -np.arange(candidates.shape[1], dtype=np.float32)[None, :]
    recall_ndcg = ranking.ndcg(recall_order)
    own = Reranking(users[~held], candidates[~held], labels, config.k)
    own_recall_ndcg = own.ndcg(recall_order)
    for name in RANKERS:
        model = rankers.models[name]
        figures = fit_ranker(model, train, held_lists, config, rng)
        epochs = int(figures.get("epoch", config.epochs))
        blend, own_ndcg = choose_item_blend(rankers, name, train, own, epochs, config, rng)
        rankers.item_blends[name] = blend
        if held_lists is not None:
            scores = blend_scores(held_lists.logits(model), held_lists.item, blend)
            figures[f"ndcg@{config.k}"] = round(ranking.ndcg(scores), 4)
        if len(validation.users):
            figures |= pair_figures(model_logits(model, validation.inputs()), validation.target)
        ndcg = figures.get(f"ndcg@{config.k}", float("nan"))
        pooled = _pooled([(ndcg, recall_ndcg, len(ranking.users)),
                          (own_ndcg, own_recall_ndcg, len(own.users))])  # fmt: skip
        lift = pooled[0] / pooled[1] - 1.0 if pooled[1] > 0 else float("nan")
        rankers.figures[name] = figures | {
            "item_blend": blend,
            f"recall_ndcg@{config.k}": round(recall_ndcg, 4),
            f"out_of_fold_ndcg@{config.k}": round(own_ndcg, 4),
            f"out_of_fold_recall_ndcg@{config.k}": round(own_recall_ndcg, 4),
            "lift": round(lift, 4),
            "serve": bool(round(lift, 4) > 0),
        }
        logger.info("ranker %s: %s", name, rankers.figures[name])
        if on_ranker is not None:
            on_ranker(rankers.figures[name])
    return rankers


def _pooled(parts: list[tuple[float, float, int]]) -> tuple[float, float]:
    """User-weighted means of (ranker ndcg, recall ndcg) over the parts that have a ranker
    figure (NaN where a part has no users or its ranker was not scored)."""
    known = [(a, b, n) for a, b, n in parts if n > 0 and not np.isnan(a)]
    users = sum(n for _, _, n in known)
    if users == 0:
        return float("nan"), float("nan")
    return sum(a * n for a, _, n in known) / users, sum(b * n for _, b, n in known) / users


def fresh_models(features: RankingFeatures) -> dict[str, nn.Module]:
    """Both rankers, untrained, shaped for ``features``."""
    return build_models(
        features.user_embeddings.shape[1],
        features.user_dense.shape[1],
        features.movie_dense.shape[1],
        features.num_genres,
    )


@dataclass(frozen=True)
class LabelledPairs:
    """Training pairs: each one's user and 0/1 target, and the features of all pairs, gathered
    once for every epoch and every model (``rows`` picks this selection's pairs from them, so
    that a selection copies no features)."""

    users: np.ndarray
    target: np.ndarray
    features: PairInputs
    rows: np.ndarray

    @classmethod
    def of(cls, users: np.ndarray, target: np.ndarray, features: PairInputs) -> LabelledPairs:
        return cls(users, target, features, np.arange(len(users)))

    def take(self, mask: np.ndarray) -> LabelledPairs:
        """The pairs where ``mask`` (over this selection) holds."""
        return LabelledPairs(self.users[mask], self.target[mask], self.features, self.rows[mask])

    def inputs(self, positions: np.ndarray | None = None) -> PairInputs:
        """Features of this selection's pairs at ``positions`` (all of them by default)."""
        rows = self.rows if positions is None else self.rows[positions]
        return self.features.take(torch.from_numpy(rows))


def choose_item_blend(
    rankers: Rankers,
    name: str,
    train: LabelledPairs,
    own: Reranking,
    epochs: int,
    config: RankerConfig,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """The weight of the item model's score in ranker ``name``'s list scores, out of fold, and
    the out-of-fold ndcg@k at that weight (NaN when no folds ran).

    The training users (``own``, whose pairs ``train`` holds) fall in ``config.blend_folds``
    folds; a fresh ranker trained on the others' pairs for ``epochs`` (the served ranker's
    early-stopped count) orders each fold's candidates, and the weight whose blends order them
    best overall wins, ties to the smaller. Every training user counts, where the held-apart
    users are too few to tell weights apart, and none is scored by a model that learned from
    them.
    """
    weights = config.item_blends
    if not weights or config.blend_folds < 2 or len(own.users) < config.blend_folds:
        return (weights[0] if weights else 0.0), float("nan")
    fold = rng.permutation(len(own.users)) % config.blend_folds
    totals = np.zeros(len(weights))
    for k in range(config.blend_folds):
        out = own.users[fold == k]
        model = fresh_models(rankers.features)[name]
        fit_ranker(model, train.take(~np.isin(train.users, out)), None, config, rng, epochs=epochs)
        part = Reranking(out, own.candidates[fold == k], own.labels, own.k)
        for chunk in part.chunks():
            lists = chunk.scored(rankers)
            logits = lists.logits(model)
            totals += len(chunk.users) * np.array(
                [chunk.ndcg(blend_scores(logits, lists.item, w)) for w in weights]
            )
    best = int(np.argmax(totals))  # the first of equal totals: weights run smallest first
    logger.info(
        "ranker %s: item blend %g (out-of-fold ndcg@%d %s)",
        name, weights[best], own.k, ", ".join(f"{w:g}: {t / len(own.users):.4f}"
                                                for w, t in zip(weights, totals, strict=True)),
    )  # fmt: skip
    return weights[best], float(totals[best] / len(own.users))


def choose_item_weights(
    features: RankingFeatures,
    fit: BipartiteGraph,
    labels: BipartiteGraph,
    users: np.ndarray,
    candidates: np.ndarray,
    config: RankerConfig,
) -> RankingFeatures:
    """``features`` with the item weights, fitted on ``fit``, whose scores alone order the
    labelled users' candidates best (ndcg@k against ``labels``)."""
    if not config.item_lambdas:
        return features
    fit_users, fit_movies = fit.edge_arrays()
    ranking = Reranking(users, candidates, labels, config.k)
    rows, movies = np.repeat(users, candidates.shape[1]), candidates.ravel()
    best, best_ndcg = None, -np.inf
    for lam in config.item_lambdas:
        weights = ItemWeights.fit(
            fit_users, fit_movies, fit.num_users, fit.num_movies, lam, sources=config.item_sources
        )
        scores = weights.pair_scores(features.history_indptr, features.history_movies, rows, movies)
        ndcg = ranking.ndcg(scores.reshape(candidates.shape))
        logger.info("item weights: lambda %g → candidates' ndcg@%d %.4f", lam, config.k, ndcg)
        if ndcg > best_ndcg:
            best, best_ndcg = weights, ndcg
    assert best is not None
    return dataclasses.replace(features, item_weights=best)


@dataclass(frozen=True)
class Reranking:
    """Held-apart users' candidates and labels: ndcg@k of any reordering of the candidates."""

    users: np.ndarray
    candidates: np.ndarray
    labels: BipartiteGraph
    k: int

    def ndcg(self, scores: np.ndarray) -> float:
        """Mean ndcg@k when each row of candidates is ordered by ``scores`` (broadcastable)."""
        if len(self.users) == 0:
            return float("nan")
        scores = np.broadcast_to(scores, self.candidates.shape)
        order = np.argsort(-scores, axis=1, kind="stable")[:, : self.k]
        top = np.take_along_axis(self.candidates, order, axis=1)
        hits = edge_membership(self.labels, self.users, top)
        discount = 1.0 / np.log2(np.arange(2, hits.shape[1] + 2))
        ideal_hits = np.minimum(self.labels.user_degrees()[self.users], self.k)
        ideal = np.cumsum(discount)[ideal_hits - 1]
        return float(np.mean((hits * discount).sum(axis=1) / ideal))

    def scored(self, rankers: Rankers) -> ScoredLists:
        """Features of every candidate, gathered once for all epochs, and their item scores."""
        m, n = self.candidates.shape
        ranks = np.tile(np.arange(n), m)
        inputs = rankers.inputs(np.repeat(self.users, n), self.candidates.ravel(), ranks)
        item = inputs.cross[:, ITEM_COLUMN].numpy().reshape(self.candidates.shape)
        return ScoredLists(self, inputs, item)

    def chunks(self, pairs: int = 200_000) -> list[Reranking]:
        """The same lists in pieces of about ``pairs`` candidates, whose features fit in memory
        one at a time."""
        step = max(1, pairs // max(self.candidates.shape[1], 1))
        return [
            Reranking(self.users[i : i + step], self.candidates[i : i + step], self.labels, self.k)
            for i in range(0, len(self.users), step)
        ]


@dataclass(frozen=True)
class ScoredLists:
    """A :class:`Reranking`'s candidate features and ``(users, n)`` item-model scores."""

    ranking: Reranking
    inputs: PairInputs
    item: np.ndarray

    def logits(self, model: nn.Module) -> np.ndarray:
        """``(users, n)`` logits of ``model`` over the lists."""
        return model_logits(model, self.inputs).reshape(self.ranking.candidates.shape)


def fit_ranker(
    model: nn.Module,
    train: LabelledPairs,
    held: ScoredLists | None,
    config: RankerConfig,
    rng: np.random.Generator,
    *,
    epochs: int | None = None,
) -> dict[str, float]:
    """Train ``model`` by ``config.loss``; keep the epoch whose logits order the held-apart
    lists best, or run ``epochs`` (``config.epochs`` when nothing is held apart) and keep the
    last."""
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    users, target = train.users, train.target
    fit_scales(model, train.features.cross[torch.from_numpy(train.rows)])
    best: dict[str, float] = {}
    best_state, waited = None, 0
    for epoch in range(1, (epochs or config.epochs) + 1):
        model.train()
        for batch in _batches(users, target, config, rng):
            if config.loss == "listwise":
                (rows,) = batch
                logits = model(train.inputs(rows))
                loss = listwise_loss(logits, users[rows], torch.from_numpy(target[rows]))
            elif config.loss == "pairwise":
                positive, negative = (model(train.inputs(i)) for i in batch)
                loss = F.softplus(negative - positive).mean()
            else:
                (rows,) = batch
                logits = model(train.inputs(rows))
                loss = F.binary_cross_entropy_with_logits(logits, torch.from_numpy(target[rows]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if held is None or epochs is not None:  # keep the last epoch
            best = {"epoch": epoch}
            continue
        ndcg = held.ranking.ndcg(held.logits(model))
        if ndcg > best.get(f"ndcg@{config.k}", -np.inf):
            best, waited = {f"ndcg@{config.k}": round(ndcg, 4), "epoch": epoch}, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            waited += 1
            if waited >= config.patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return best


def _batches(
    users: np.ndarray, target: np.ndarray, config: RankerConfig, rng: np.random.Generator
) -> list[tuple[np.ndarray, ...]]:
    """One epoch's batches of pair indices: ``(rows,)`` of ``batch_users`` whole users for the
    listwise loss and of random pairs for BCE, ``(positives, negatives)`` for the pairwise loss,
    each positive with ``pair_negatives`` random negatives of its user."""
    size = config.batch_size
    if len(users) == 0:
        return []
    if config.loss == "listwise":
        _, group = np.unique(users, return_inverse=True)
        batch_of = rng.permutation(int(group.max()) + 1)[group] // config.batch_users
        order = np.argsort(batch_of, kind="stable")
        cuts = np.flatnonzero(np.diff(batch_of[order])) + 1
        return [(rows,) for rows in np.split(order, cuts)]
    if config.loss == "bce":
        order = rng.permutation(len(users))
        return [(order[i : i + size],) for i in range(0, len(order), size)]
    positives = np.repeat(np.flatnonzero(target == 1), config.pair_negatives)
    negatives = np.flatnonzero(target == 0)
    negatives = negatives[np.argsort(users[negatives], kind="stable")]
    start = np.searchsorted(users[negatives], users[positives], side="left")
    count = np.searchsorted(users[negatives], users[positives], side="right") - start
    has = count > 0
    pick = start[has] + (rng.random(int(has.sum())) * count[has]).astype(np.int64)
    positives, partners = positives[has], negatives[pick]
    order = rng.permutation(len(positives))
    return [
        (positives[order[i : i + size]], partners[order[i : i + size]])
        for i in range(0, len(order), size)
    ]


def listwise_loss(logits: torch.Tensor, users: np.ndarray, target: torch.Tensor) -> torch.Tensor:
    """Mean over positive pairs of ``-log softmax`` of the positive's logit against all the
    negatives of its user in the batch: ``softplus(logsumexp(negatives) - positive)``."""
    positive = target == 1
    if not bool(positive.any()):
        return logits.sum() * 0.0
    _, local = np.unique(users, return_inverse=True)
    group = torch.from_numpy(local)
    n = int(local.max()) + 1
    negatives = torch.where(target == 0, logits, torch.tensor(-torch.inf))
    peak = torch.full((n,), -torch.inf).scatter_reduce(0, group, negatives.detach(), "amax")
    shift = torch.where(torch.isfinite(peak), peak, torch.zeros(()))
    sums = torch.zeros(n).scatter_add(0, group, torch.exp(negatives - shift[group]))
    log_sum = torch.log(sums) + shift  # -inf for a user without negatives: the loss is then 0
    return F.softplus(log_sum[group[positive]] - logits[positive]).mean()


def pair_figures(logits: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """AUC (rank statistic, ties averaged) and mean log loss of logits against 0/1 targets."""
    positives, negatives = target == 1, target == 0
    if not positives.any() or not negatives.any():
        return {"auc": float("nan"), "logloss": float("nan")}
    order = np.argsort(logits, kind="stable")
    ranks = np.empty(len(logits), dtype=np.float64)
    sorted_logits = logits[order]
    # Average rank over ties, vectorised: each value's first and last position.
    first = np.searchsorted(sorted_logits, sorted_logits, side="left")
    last = np.searchsorted(sorted_logits, sorted_logits, side="right")
    ranks[order] = (first + last + 1) / 2.0
    n_pos, n_neg = positives.sum(), negatives.sum()
    auc = (ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    loss = F.binary_cross_entropy_with_logits(
        torch.from_numpy(logits.astype(np.float32)), torch.from_numpy(target.astype(np.float32))
    )
    return {"auc": round(float(auc), 4), "logloss": round(float(loss), 4)}
