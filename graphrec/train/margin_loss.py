"""PinSAGE's max-margin loss, with its largest term fused into one autograd function.

Every query of a batch is scored against every shared negative: a ``(B, N)`` matrix (4096 × 512)
much larger than anything else in the step, and written plainly (``relu(q @ nᵀ − s⁺ + Δ)``,
then the mean) autograd walks it a dozen times forward and back. :class:`_SharedHinge` walks it
four times: the product with its bias, the clamp and sum, the mask (in place), and the row sums
of the gradient; the mask's products carry the rest.
"""

from __future__ import annotations

from typing import Any, cast

import torch
from torch import Tensor


def shared_hinge(
    query: Tensor, negatives: Tensor, positive_score: Tensor, margin: float, denominator: int
) -> Tensor:
    """``Σ relu(query · negative − positive_score + margin) / denominator`` over every
    (query, negative) pair; ``positive_score`` is ``(B, 1)``."""
    return cast(Tensor, _SharedHinge.apply(query, negatives, positive_score, margin, denominator))


def hard_hinge(
    query: Tensor,
    hard: Tensor,
    hard_mask: Tensor,
    positive_score: Tensor,
    margin: float,
    denominator: int,
) -> Tensor:
    """The same hinge over each query's own hard negatives ``(B, H, dim)``, where they exist."""
    score = (query.unsqueeze(1) * hard).sum(-1)
    return torch.relu(score - positive_score + margin)[hard_mask].sum() / denominator


class _SharedHinge(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        query: Tensor,
        negatives: Tensor,
        positive_score: Tensor,
        margin: float,
        denominator: int,
    ) -> Tensor:
        scores = torch.addmm(margin - positive_score, query, negatives.T)
        loss = scores.clamp_(min=0).sum() / denominator
        active = scores.sign_()  # 1 where the hinge is active, else 0: the mask, in place
        ctx.save_for_backward(query, negatives, active)
        ctx.denominator = denominator
        return loss

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, Tensor, Tensor, None, None]:
        query, negatives, active = ctx.saved_tensors
        scale = grad / ctx.denominator  # scales the small products, not the (B, N) mask
        return (
            (active @ negatives) * scale,
            (active.T @ query) * scale,
            active.sum(1, keepdim=True) * -scale,
            None,
            None,
        )
