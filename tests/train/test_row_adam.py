"""RowAdam against torch's SparseAdam on an embedding table."""

import pytest
import torch
from torch import nn

from graphrec.train.row_adam import RowAdam, merge_rows, sparse_rows


def test_steps_match_sparse_adam() -> None:
    torch.manual_seed(0)
    ours, theirs = nn.Embedding(20, 4, sparse=True), nn.Embedding(20, 4, sparse=True)
    theirs.load_state_dict(ours.state_dict())
    row_adam = RowAdam(ours.weight, lr=0.05)
    sparse_adam = torch.optim.SparseAdam(list(theirs.parameters()), lr=0.05)
    for step in range(6):
        rows = torch.randint(0, 20, (9,))  # repeats included: their gradients add up
        target = torch.randn(9, 4)
        ((ours(rows) - target) ** 2).sum().backward()
        ((theirs(rows) - target) ** 2).sum().backward()
        row_adam.step(*sparse_rows(ours.weight))
        sparse_adam.step()
        sparse_adam.zero_grad()
        torch.testing.assert_close(ours.weight, theirs.weight, msg=f"step {step}")
    assert ours.weight.grad is None


def test_untouched_rows_stay_put() -> None:
    weight = nn.Parameter(torch.ones(5, 2))
    RowAdam(weight, lr=0.1).step(torch.tensor([1, 3]), torch.ones(2, 2))
    assert torch.equal(weight[[0, 2, 4]], torch.ones(3, 2))
    assert bool((weight[[1, 3]] < 1).all())


def test_merge_rows_sums_repeats() -> None:
    rows, values = merge_rows(torch.tensor([4, 1, 4]), torch.tensor([[1.0], [2.0], [3.0]]))
    assert rows.tolist() == [1, 4] and values.tolist() == [[2.0], [4.0]]


def test_a_dense_gradient_is_refused() -> None:
    weight = nn.Parameter(torch.ones(3, 2))
    weight.grad = torch.ones(3, 2)
    with pytest.raises(ValueError, match="sparse"):
        sparse_rows(weight)


def test_distinct_rows_skip_the_merge_and_agree() -> None:
    merged, trusted = nn.Parameter(torch.zeros(6, 3)), nn.Parameter(torch.zeros(6, 3))
    rows, grad = torch.tensor([5, 0, 2]), torch.randn(3, 3)
    RowAdam(merged, lr=0.1).step(rows, grad)
    RowAdam(trusted, lr=0.1).step(rows, grad, distinct=True)
    torch.testing.assert_close(merged, trusted)
