"""Layered (overlapping) A/B experiments: each layer splits all users by its own salted hash, so
a user's arm in one layer says nothing of their arm in another (Tang et al., KDD 2010).

The ranker layer is `GRAPHREC_AB_SHARES` (salt `GRAPHREC_AB_SALT`). Further layers come from
`GRAPHREC_AB_LAYERS`, e.g. ``candidates=200:0.5,100:0.5``: how many recall candidates a ranker
reorders. Interleaving (`GRAPHREC_INTERLEAVE`, e.g. ``deepfm,none:0.1``) takes its share of
users by a salt of its own too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from graphrec.bucketing import bucket_of, parse_shares
from graphrec.errors import ConfigError

#: Layers `GRAPHREC_AB_LAYERS` may name, and what their arms are.
LAYER_KINDS = {"candidates": "recall candidates a ranker reorders (a positive integer)"}


@dataclass(frozen=True)
class Layer:
    """One layer: arms with their shares, and the salt that places users in them."""

    name: str
    shares: dict[str, float]
    salt: str

    def arm(self, user_id: int) -> str:
        return bucket_of(user_id, self.shares, self.salt)


@dataclass(frozen=True)
class Interleave:
    """A pair of arms interleaved for a share of users."""

    first: str
    second: str
    share: float
    salt: str

    def applies(self, user_id: int) -> bool:
        digest = hashlib.sha256(f"{self.salt}:{user_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2.0**64 < self.share


def layer_salt(base: str, name: str) -> str:
    """Each layer's salt: the ranker layer keeps ``base`` (buckets stay as they were)."""
    return base if name == "ranker" else f"{base}:{name}"


def parse_layers(text: str, base_salt: str) -> list[Layer]:
    """``"candidates=200:0.5,100:0.5;…"`` → layers, checked."""
    layers = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, sep, arms = part.partition("=")
        name = name.strip()
        if not sep or name not in LAYER_KINDS:
            raise ConfigError(
                f"A/B layers: {part!r} is not name=arm:share,…; layers: {', '.join(LAYER_KINDS)}"
            )
        values = [a.partition(":")[0].strip() for a in arms.split(",") if a.strip()]
        if not all(v.isdigit() and int(v) > 0 for v in values):
            raise ConfigError(f"A/B layers: {name} arms must be positive integers, got {values}")
        shares = parse_shares(arms, tuple(values))
        layers.append(Layer(name, shares, layer_salt(base_salt, name)))
    if len({layer.name for layer in layers}) != len(layers):
        raise ConfigError("A/B layers: a layer is named twice")
    return layers


def parse_interleave(text: str, arms: tuple[str, ...], base_salt: str) -> Interleave:
    """``"deepfm,none:0.1"`` → interleave deepfm against none for 10 % of users."""
    pair, _, share_text = text.partition(":")
    names = [n.strip() for n in pair.split(",")]
    if len(names) != 2 or names[0] == names[1] or not set(names) <= set(arms):
        raise ConfigError(f"interleave: {pair!r} must name two different arms of {', '.join(arms)}")
    try:
        share = float(share_text) if share_text else 1.0
    except ValueError:
        raise ConfigError(f"interleave: share {share_text!r} is not a number") from None
    if not 0.0 <= share <= 1.0:
        raise ConfigError(f"interleave: share {share} is outside 0..1")
    return Interleave(names[0], names[1], share, layer_salt(base_salt, "interleave"))
