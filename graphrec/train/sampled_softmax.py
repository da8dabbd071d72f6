"""In-batch sampled softmax with the log-q correction, the loss PinSAGE's queries train on.

Each query must pick its own positive out of the batch's positives (and any extra
candidates). Candidates arrive in proportion to how often they are positives, so a popular
movie is a negative far more often than a uniform softmax would make it; subtracting
``log q`` of each candidate corrects the bias (Yi et al., RecSys 2019). A candidate that is the
query's own movie under another pair (an accidental hit) is left out rather than pushed away.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def sampled_softmax(
    query: Tensor,
    candidates: Tensor,
    candidate_ids: Tensor,
    log_q: Tensor,
    labels: Tensor,
    temperature: float,
    denominator: int,
) -> Tensor:
    """``Σ_i −log softmax(query_i · candidates / τ − log q)[labels_i] / denominator``.

    Args:
        query: ``(B, d)`` unit query vectors.
        candidates: ``(C, d)`` candidate vectors; row ``labels[i]`` is query ``i``'s positive.
        candidate_ids: ``(C,)`` movie ids of the candidates: a candidate with the id of a
            query's positive, other than its label, is masked out for that query.
        log_q: ``(C,)`` log sampling probability of each candidate.
        labels: ``(B,)`` each query's positive among the candidates.
        temperature: Scale of the cosine scores: smaller is sharper.
        denominator: What the sum divides by (the whole batch's queries, across ranks).
    """
    logits = torch.addmm(-log_q.unsqueeze(0), query, candidates.T, alpha=1.0 / temperature)
    accidental = candidate_ids.unsqueeze(0) == candidate_ids[labels].unsqueeze(1)
    accidental[torch.arange(len(labels), device=labels.device), labels] = False
    logits.masked_fill_(accidental, float("-inf"))  # addmm's gradient does not need its output
    return F.cross_entropy(logits, labels, reduction="sum") / denominator
