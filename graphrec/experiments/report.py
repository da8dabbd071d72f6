"""The experiment report: what each A/B arm and each interleaved pair earned in clicks.

A click counts for an experiment when its event names the request that showed it and the movie
was among those shown; one click per (request, movie). A/B arms are compared by CTR, the share
of their impressions with at least one click (a proportion, so that its Wilson interval holds).
An interleaved impression is won by the team whose drafted movies took more of its clicks, tied
when both took as many (at least one each), and decides nothing without clicks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from graphrec.experiments.impressions import Impression
from graphrec.experiments.interleaving import credit
from graphrec.experiments.stats import bootstrap_preference, preference, sign_test, wilson


def experiment_report(
    impressions: Sequence[Impression], clicks: Sequence[tuple[str, int, int]]
) -> dict[str, Any]:
    """The report of ``impressions`` and the click events ``(request_id, user, movie)``."""
    by_request = {i.request_id: i for i in impressions}
    clicked: dict[str, set[int]] = defaultdict(set)
    unattributed = 0
    for request_id, _, movie in clicks:
        impression = by_request.get(request_id)
        if impression is None or movie not in impression.movies:
            unattributed += 1
        else:
            clicked[request_id].add(movie)
    return {
        "impressions": len(impressions),
        "attributed_clicks": sum(len(movies) for movies in clicked.values()),
        "unattributed_clicks": unattributed,
        "ab": _ab(impressions, clicked),
        "interleaving": _interleaving(impressions, clicked),
    }


def _ab(impressions: Sequence[Impression], clicked: dict[str, set[int]]) -> dict[str, Any]:
    arms: dict[tuple[str, str], dict[str, Any]] = {}
    for impression in impressions:
        if impression.interleave is not None:
            continue
        n = len(clicked.get(impression.request_id, ()))
        for layer, arm in impression.arms.items():
            row = arms.setdefault((layer, arm), {"users": set(), "impressions": 0, "clicks": 0,
                                                 "clicked_impressions": 0})  # fmt: skip
            if impression.user is not None:
                row["users"].add(impression.user)
            row["impressions"] += 1
            row["clicks"] += n
            row["clicked_impressions"] += n > 0
    report: dict[str, Any] = {}
    for (layer, arm), row in sorted(arms.items()):
        low, high = wilson(row["clicked_impressions"], row["impressions"])
        report.setdefault(layer, {})[arm] = {
            "users": len(row["users"]),
            "impressions": row["impressions"],
            "clicks": row["clicks"],
            "clicked_impressions": row["clicked_impressions"],
            "ctr": round(row["clicked_impressions"] / max(row["impressions"], 1), 6),
            "ctr_95": [round(low, 6), round(high, 6)],
        }
    return report


def _interleaving(
    impressions: Sequence[Impression], clicked: dict[str, set[int]]
) -> list[dict[str, Any]]:
    # Per pair, per user: [wins A, wins B, ties, impressions without a click].
    pairs: dict[tuple[str, str], dict[int | None, list[int]]] = defaultdict(dict)
    for impression in impressions:
        if impression.interleave is None or impression.teams is None:
            continue
        movies = clicked.get(impression.request_id, set())
        positions = [p for p, movie in enumerate(impression.movies) if movie in movies]
        a, b = credit(impression.teams, positions)
        counts = pairs[impression.interleave].setdefault(impression.user, [0, 0, 0, 0])
        outcome = 0 if a > b else 1 if b > a else 2 if a > 0 else 3
        counts[outcome] += 1
    report = []
    for (first, second), users in sorted(pairs.items()):
        table = np.array(list(users.values()), dtype=np.int64).reshape(-1, 4)
        wins_a, wins_b, ties = table[:, 0], table[:, 1], table[:, 2]
        low, high = bootstrap_preference(wins_a, wins_b, ties)
        report.append({
            "a": first,
            "b": second,
            "users": len(users),
            "impressions": int(table.sum()),
            "wins_a": int(wins_a.sum()),
            "wins_b": int(wins_b.sum()),
            "ties": int(ties.sum()),
            "no_clicks": int(table[:, 3].sum()),
            "preference": round(preference(wins_a, wins_b, ties), 6),
            "preference_95": [round(low, 6), round(high, 6)],
            "sign_test_p": round(sign_test(int(wins_a.sum()), int(wins_b.sum())), 6),
        })  # fmt: skip
    return report


def format_report(report: dict[str, Any]) -> str:
    """The report as lines for a terminal."""
    lines = [
        f"impressions {report['impressions']}, attributed clicks {report['attributed_clicks']}, "
        f"unattributed clicks {report['unattributed_clicks']}"
    ]
    for layer, arms in report["ab"].items():
        lines.append(f"A/B layer {layer}:")
        lines.append(f"  {'arm':<10} {'users':>7} {'impressions':>11} {'clicks':>7} "
                     f"{'CTR':>8}  95 % interval")  # fmt: skip
        for arm, row in arms.items():
            low, high = row["ctr_95"]
            lines.append(
                f"  {arm:<10} {row['users']:>7} {row['impressions']:>11} {row['clicks']:>7} "
                f"{row['ctr']:>8.4f}  {low:.4f} .. {high:.4f}"
            )
    for pair in report["interleaving"]:
        low, high = pair["preference_95"]
        lines.append(
            f"interleaved {pair['a']} (A) vs {pair['b']} (B): users {pair['users']}, "
            f"impressions {pair['impressions']}, A won {pair['wins_a']}, B won {pair['wins_b']}, "
            f"tied {pair['ties']}, no clicks {pair['no_clicks']}"
        )
        lines.append(
            f"  preference {pair['preference']:+.4f} (95 %: {low:+.4f} .. {high:+.4f}), "
            f"sign test p = {pair['sign_test_p']:.4g}"
        )
    if not report["ab"] and not report["interleaving"]:
        lines.append("no experiment has impressions yet")
    return "\n".join(lines)
