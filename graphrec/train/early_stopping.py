"""Early stopping shared by every trainer: keep the weights of the best validation epoch."""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable

import numpy as np
from torch import nn

logger = logging.getLogger(__name__)

EpochCallback = Callable[[dict[str, float]], None]


def fit_with_early_stopping(
    model: nn.Module,
    train_epoch: Callable[[], dict[str, float]],
    validate: Callable[[], float] | None,
    *,
    epochs: int,
    patience: int,
    on_epoch: EpochCallback | None = None,
) -> tuple[list[dict[str, float]], int]:
    """Run epochs until validation stops improving for ``patience`` epochs; restore the best.

    Args:
        model: Its ``state_dict`` is saved at each new best and loaded at the end.
        train_epoch: One pass over the data, returning at least ``{"loss": float}``; other
            figures it returns join the epoch's record.
        validate: Higher is better; ``None`` when there is no validation slice, in which case
            the epoch with the lowest training loss is kept.
        epochs: Most epochs.
        patience: Epochs without improvement before stopping.
        on_epoch: Called with each epoch's record (progress display).

    Returns:
        One record per epoch (epoch, loss, val_recall, seconds, train_seconds (the pass
        alone, without validation), and the epoch's own figures)
        and the best epoch (1-based).
    """
    if validate is None:
        logger.warning("validation slice is empty (users too short); keeping the lowest loss")
    history: list[dict[str, float]] = []
    best_state, best_value, best_epoch, waited = None, -np.inf, 0, 0
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        stats = train_epoch()
        trained = time.perf_counter()
        value = validate() if validate is not None else -stats["loss"]
        record = {
            "epoch": epoch,
            "loss": stats["loss"],
            "val_recall": max(value, 0.0),
            "seconds": time.perf_counter() - started,
            "train_seconds": trained - started,
        } | {name: figure for name, figure in stats.items() if name != "loss"}
        history.append(record)
        if on_epoch is not None:
            on_epoch(record)
        if value > best_value:
            best_state, best_value, best_epoch, waited = (
                copy.deepcopy(model.state_dict()), value, epoch, 0,
            )  # fmt: skip
            continue
        waited += 1
        if waited >= patience:
            logger.info("early stop at epoch %d (best %d)", epoch, best_epoch)
            break
    assert best_state is not None
    model.load_state_dict(best_state)
    return history, best_epoch
