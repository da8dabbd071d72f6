"""The in-batch sampled softmax against the same loss written plainly."""

import torch
import torch.nn.functional as F

from graphrec.train.sampled_softmax import grouped_sampled_softmax, sampled_softmax


def test_matches_plain_cross_entropy_with_the_log_q_correction() -> None:
    torch.manual_seed(0)
    query = F.normalize(torch.randn(4, 3), dim=-1).requires_grad_()
    candidates = F.normalize(torch.randn(6, 3), dim=-1).requires_grad_()
    ids, log_q = torch.arange(6), torch.log_softmax(torch.randn(6), dim=0)
    labels = torch.tensor([0, 1, 2, 3])
    ours = sampled_softmax(query, candidates, ids, log_q, labels, 0.1, 4)
    plain = F.cross_entropy(query @ candidates.T / 0.1 - log_q, labels)
    torch.testing.assert_close(ours, plain)
    for a, b in zip(
        torch.autograd.grad(ours, [query, candidates]),
        torch.autograd.grad(plain, [query, candidates]),
        strict=True,
    ):
        torch.testing.assert_close(a, b)


def test_the_queries_own_movie_elsewhere_in_the_batch_is_not_a_negative() -> None:
    query = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    candidates = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    labels, log_q = torch.tensor([0, 1]), torch.zeros(3)
    # The third candidate is query 0's movie again (another user's pair): masked for query 0.
    repeated = sampled_softmax(query, candidates, torch.tensor([7, 8, 7]), log_q, labels, 1.0, 2)
    distinct = sampled_softmax(query, candidates, torch.tensor([7, 8, 9]), log_q, labels, 1.0, 2)
    plain = F.cross_entropy(query @ candidates[:2].T, labels, reduction="none")
    other = F.cross_entropy(query[1:] @ candidates.T, labels[1:])
    torch.testing.assert_close(repeated, (plain[0] + other) / 2)
    assert float(distinct) > float(repeated)


def test_one_row_per_distinct_query_gives_the_per_pair_loss_and_gradients() -> None:
    torch.manual_seed(0)
    queries = F.normalize(torch.randn(3, 4), dim=-1).requires_grad_()
    candidates = F.normalize(torch.randn(7, 4), dim=-1).requires_grad_()
    index = torch.tensor([0, 2, 2, 1, 0, 2, 0])  # pair i's query; its positive is candidate i
    bias = torch.randn(7)
    grouped = grouped_sampled_softmax(queries, index, candidates, bias, 0.2)
    plain = F.cross_entropy(queries[index] @ candidates.T / 0.2 + bias, torch.arange(7))
    torch.testing.assert_close(grouped, plain)
    for a, b in zip(
        torch.autograd.grad(grouped, [queries, candidates]),
        torch.autograd.grad(plain, [queries, candidates]),
        strict=True,
    ):
        torch.testing.assert_close(a, b)
