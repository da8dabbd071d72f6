"""Deterministic A/B buckets: a salted hash of the user id picks a ranker by traffic share."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from graphrec.errors import ConfigError

#: The arm of plain recall order, without a ranker.
RECALL_ORDER = "none"


def default_shares(lifts: Mapping[str, float | None]) -> tuple[dict[str, float], list[str]]:
    """All default traffic to the ranker with the largest positive held-out lift over recall
    order; recall order when none beat it. Returns the shares and the rankers left out.

    A bundle's rankers are measured once, on held-out users; serving the one that measured best
    is what the scoreboard rewards. Splitting traffic between arms is an experiment, and an
    experiment is chosen on purpose with ``GRAPHREC_AB_SHARES``.
    """
    serving = {name: lift for name, lift in lifts.items() if lift is not None and lift > 0}
    if not serving:
        return {RECALL_ORDER: 1.0}, list(lifts)
    best = max(serving, key=lambda name: (serving[name], name))
    return {best: 1.0}, [name for name in lifts if name != best]


def parse_shares(text: str, allowed: tuple[str, ...]) -> dict[str, float]:
    """``"two_tower:0.5,none:0.5"`` → ``{"two_tower": 0.5, "none": 0.5}``, checked; ``none``
    is recall order without a ranker."""
    shares: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition(":")
        name = name.strip()
        if name not in (*allowed, RECALL_ORDER):
            raise ConfigError(
                f"A/B shares: unknown ranker {name!r}; "
                f"available: {', '.join((*allowed, RECALL_ORDER))}"
            )
        try:
            share = float(value)
        except ValueError:
            raise ConfigError(f"A/B shares: {part!r} is not name:share") from None
        if share < 0:
            raise ConfigError(f"A/B shares: negative share for {name}")
        shares[name] = share
    total = sum(shares.values())
    if not shares or total <= 0:
        raise ConfigError("A/B shares: give at least one ranker a positive share")
    return {name: share / total for name, share in shares.items()}


def bucket_of(user_id: int, shares: dict[str, float], salt: str) -> str:
    """The variant of ``user_id``: same id, salt and shares → same variant, on any machine."""
    digest = hashlib.sha256(f"{salt}:{user_id}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2.0**64
    cumulative = 0.0
    for name, share in shares.items():
        cumulative += share
        if point < cumulative:
            return name
    return next(reversed(shares))
