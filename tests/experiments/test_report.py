"""The report counts exactly what was shown and clicked, on literal impressions."""

from graphrec.experiments.impressions import Impression
from graphrec.experiments.report import experiment_report


def test_counts_per_arm_and_per_interleaved_pair() -> None:
    impressions = [
        Impression("r1", 1, 0.0, {"ranker": "deepfm", "candidates": "200"}, None, [10, 11, 12]),
        Impression("r2", 2, 0.0, {"ranker": "none", "candidates": "200"}, None, [10, 13]),
        Impression("r3", 1, 0.0, {"ranker": "deepfm", "candidates": "100"}, None, [14]),
        Impression("r4", None, 0.0, {}, None, [10]),  # a session: no experiment
        Impression("i1", 3, 0.0, {}, ("deepfm", "none"), [10, 20, 11], [0, 1, 0]),
        Impression("i2", 3, 0.0, {}, ("deepfm", "none"), [10, 20], [1, 0]),
        Impression("i3", 4, 0.0, {}, ("deepfm", "none"), [10, 20], [0, 1]),
        Impression("i4", 5, 0.0, {}, ("deepfm", "none"), [10, 20], [0, 1]),
    ]
    clicks = [
        ("r1", 1, 10), ("r1", 1, 11), ("r1", 1, 10),  # a repeated click counts once
        ("r3", 1, 14), ("r2", 2, 99),  # 99 was not shown in r2
        ("nope", 7, 10),  # unknown request
        ("i1", 3, 10), ("i1", 3, 11), ("i1", 3, 20),  # deepfm 2, none 1: deepfm wins
        ("i2", 3, 10),  # team 1 (none) drafted 10 here: none wins
        ("i3", 4, 10), ("i3", 4, 20),  # one each: a tie
    ]  # fmt: skip
    report = experiment_report(impressions, clicks)
    assert report["impressions"] == 8
    assert report["attributed_clicks"] == 9 and report["unattributed_clicks"] == 2
    deepfm = report["ab"]["ranker"]["deepfm"]
    assert (deepfm["users"], deepfm["impressions"], deepfm["clicks"]) == (1, 2, 3)
    assert deepfm["clicked_impressions"] == 2 and deepfm["ctr"] == 1.0
    none = report["ab"]["ranker"]["none"]
    assert (none["users"], none["impressions"], none["clicks"], none["ctr"]) == (1, 1, 0, 0.0)
    assert report["ab"]["candidates"]["200"]["impressions"] == 2
    assert report["ab"]["candidates"]["100"]["clicks"] == 1
    (pair,) = report["interleaving"]
    assert (pair["a"], pair["b"], pair["users"], pair["impressions"]) == ("deepfm", "none", 3, 4)
    assert (pair["wins_a"], pair["wins_b"], pair["ties"], pair["no_clicks"]) == (1, 1, 1, 1)
    assert pair["preference"] == 0.0 and pair["sign_test_p"] == 1.0
    low, high = pair["preference_95"]
    assert low <= 0.0 <= high
