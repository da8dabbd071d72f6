"""The fused margin loss against the same loss written with plain autograd."""

import torch
import torch.nn.functional as F

from graphrec.train.margin_loss import hard_hinge, shared_hinge


def test_shared_hinge_matches_plain_autograd_in_value_and_gradient() -> None:
    torch.manual_seed(0)
    leaves = [torch.randn(7, 4, requires_grad=True), torch.randn(5, 4, requires_grad=True)]
    positive = torch.randn(7, 1, requires_grad=True)
    fused = shared_hinge(leaves[0], leaves[1], positive, 0.3, 35)
    plain = F.relu(leaves[0] @ leaves[1].T - positive + 0.3).mean()
    torch.testing.assert_close(fused, plain)
    fused_grads = torch.autograd.grad(fused, [*leaves, positive])
    plain_grads = torch.autograd.grad(plain, [*leaves, positive])
    for ours, theirs in zip(fused_grads, plain_grads, strict=True):
        torch.testing.assert_close(ours, theirs)


def test_a_negative_past_the_margin_costs_nothing() -> None:
    query, negative = torch.tensor([[1.0, 0.0]]), torch.tensor([[-1.0, 0.0]])
    assert float(shared_hinge(query, negative, torch.tensor([[1.0]]), 0.3, 1)) == 0.0
    assert float(shared_hinge(query, -negative, torch.tensor([[1.0]]), 0.3, 1)) > 0.0


def test_hard_hinge_counts_only_existing_hard_negatives() -> None:
    query = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    hard = torch.tensor([[[1.0, 0.0]], [[0.0, 5.0]]])
    mask = torch.tensor([[True], [False]])
    loss = hard_hinge(query, hard, mask, torch.zeros(2, 1), 0.5, 1)
    assert float(loss) == 1.5  # only the first: 1·1 − 0 + 0.5
