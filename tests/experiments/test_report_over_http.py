"""1,000 answers over real HTTP, clicks sent back through POST /feedback: the report counts
exactly what this test showed itself and clicked, per A/B arm and per interleaved pair."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from graphrec.artifacts import load_bundle
from tests.serving import get, post, serve, stop

TOKEN = "experiments-token"
SESSIONS = 1_000


def test_report_counts_what_was_shown_and_clicked(artifacts: Path) -> None:
    root = artifacts
    users = load_bundle(root).user_ids.tolist()
    env = {
        "GRAPHREC_ADMIN_TOKEN": TOKEN,
        "GRAPHREC_AB_SHARES": "none:0.5,deepfm:0.5",
        "GRAPHREC_AB_LAYERS": "candidates=200:0.5,50:0.5",
        "GRAPHREC_INTERLEAVE": "deepfm,none:0.3",
    }
    rng = random.Random(0)
    arm_rows: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    arm_users: dict[tuple[str, str], set[int]] = defaultdict(set)
    outcomes = [0, 0, 0, 0]  # interleaved: A wins, B wins, ties, no clicks
    base, server = serve(root, env)
    try:
        for _ in range(SESSIONS):
            user = rng.choice(users)
            status, body = get(f"{base}/recommend/{user}?k=5")
            assert status == 200 and len(body["request_id"]) == 32
            shown = [r["id"] for r in body["results"]]
            chosen = [movie for movie in shown if rng.random() < 0.15]
            events = [{"user": user, "movie": m, "kind": "click", "request_id": body["request_id"]}
                      for m in chosen]  # fmt: skip
            if rng.random() < 0.05:  # a click naming a request nobody made: no experiment's
                events.append({"user": user, "movie": shown[0], "kind": "click",
                               "request_id": "0" * 32})  # fmt: skip
            if events:
                assert post(f"{base}/feedback", events, TOKEN)[0] == 200
            if body["interleave"] is not None:
                assert body["interleave"] == ["deepfm", "none"] and body["arms"] == {}
                teams = [r["team"] for r in body["results"]]
                a = sum(teams[shown.index(m)] == "deepfm" for m in chosen)
                b = len(chosen) - a
                outcomes[0 if a > b else 1 if b > a else 2 if a else 3] += 1
                continue
            for layer, arm in body["arms"].items():
                row = arm_rows[(layer, arm)]
                row[0] += 1
                row[1] += len(chosen)
                row[2] += bool(chosen)
                arm_users[(layer, arm)].add(user)
        status, report = get(f"{base}/experiments/report")
    finally:
        stop(server)
    assert status == 200 and report["impressions"] == SESSIONS
    assert {layer for layer, _ in arm_rows} == {"ranker", "candidates"}
    for (layer, arm), (impressions, clicks, clicked) in arm_rows.items():
        row = report["ab"][layer][arm]
        assert (row["impressions"], row["clicks"], row["clicked_impressions"]) == (
            impressions, clicks, clicked,
        )  # fmt: skip
        assert row["users"] == len(arm_users[(layer, arm)])
        low, high = row["ctr_95"]
        assert low <= row["ctr"] == round(clicked / impressions, 6) <= high
    (pair,) = report["interleaving"]
    assert [pair[k] for k in ("wins_a", "wins_b", "ties", "no_clicks")] == outcomes
    assert sum(outcomes) == pair["impressions"] > 200  # about 30 % of 1,000
    assert report["unattributed_clicks"] > 0
