"""Lazy Adam over the rows of an embedding table that a step touched.

It is :class:`torch.optim.SparseAdam`'s update (moments and parameters change only on the
rows in the gradient, bias correction counts steps), taken from the gradient's rows directly.
SparseAdam coalesces the gradient and masks each moment with it, two sorts per step that were
a tenth of a PinSAGE step; here a step is gathers and scatters over the touched rows. Data-
parallel training hands it the rows and values gathered from every rank.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


class RowAdam:
    """Adam on the rows of ``weight`` named by each step's gradient."""

    def __init__(
        self,
        weight: Tensor,
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        if lr <= 0.0:
            raise ValueError(f"lr must be positive (got {lr})")
        self.weight = weight
        self.lr, self.betas, self.eps = lr, betas, eps
        # Both moments of a row side by side: one gather and one scatter fetch and store them.
        self.moments = weight.new_zeros((weight.shape[0], 2, weight.shape[1]))
        self.steps = 0

    @property
    def exp_avg(self) -> Tensor:
        return self.moments[:, 0]

    @property
    def exp_avg_sq(self) -> Tensor:
        return self.moments[:, 1]

    @torch.no_grad()
    def step(self, rows: Tensor, grad: Tensor, *, distinct: bool = False) -> None:
        """Update ``rows`` with ``grad`` ``(n, dim)``; repeated rows' gradients add up unless the
        caller knows there are none (``distinct``)."""
        if not distinct:
            rows, grad = merge_rows(rows, grad)
        self.steps += 1
        beta1, beta2 = self.betas
        # Random rows of a large table cost a cache miss each, so every row is gathered and
        # scattered once; the arithmetic is in place.
        moments = self.moments.index_select(0, rows)
        exp_avg, exp_avg_sq = moments[:, 0], moments[:, 1]
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        self.moments.index_copy_(0, rows, moments)
        step_size = self.lr * math.sqrt(1 - beta2**self.steps) / (1 - beta1**self.steps)
        update = exp_avg.div_(exp_avg_sq.sqrt_().add_(self.eps))
        self.weight.index_add_(0, rows, update, alpha=-step_size)


def sparse_rows(weight: Tensor) -> tuple[Tensor, Tensor]:
    """The rows and values of the sparse gradient autograd left on ``weight``, which is
    cleared (``nn.Embedding(sparse=True)`` gives one row per looked-up id, repeats kept)."""
    grad = weight.grad
    if grad is None:
        return weight.new_zeros(0, dtype=torch.int64), weight.new_zeros((0, weight.shape[1]))
    if not grad.is_sparse:
        raise ValueError("RowAdam needs a sparse gradient (nn.Embedding(sparse=True))")
    weight.grad = None
    return grad._indices()[0], grad._values()


def merge_rows(rows: Tensor, values: Tensor) -> tuple[Tensor, Tensor]:
    """Distinct rows, each with the sum of its values."""
    distinct, inverse = torch.unique(rows, return_inverse=True)
    merged = values.new_zeros((len(distinct), values.shape[1]))
    return distinct, merged.index_add_(0, inverse, values)
