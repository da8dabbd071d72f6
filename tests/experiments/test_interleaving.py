"""Team draft: fair, no duplicates, each team in its own order, credit by team."""

import random

import pytest

from graphrec.experiments.interleaving import coin_for, credit, team_draft


@pytest.mark.parametrize("seed", range(20))
def test_disjoint_lists_alternate_fairly(seed: int) -> None:
    a, b = list(range(0, 10)), list(range(100, 110))
    ids, teams = team_draft(a, b, 10, random.Random(seed))
    assert len(ids) == 10 and len(set(ids)) == 10
    assert teams.count(0) == teams.count(1) == 5  # each round drafts one per team
    assert [i for i, t in zip(ids, teams, strict=True) if t == 0] == a[:5]
    assert [i for i, t in zip(ids, teams, strict=True) if t == 1] == b[:5]


def test_shared_movies_are_shown_once_and_credited_to_their_drafter() -> None:
    a, b = [1, 2, 3, 4], [2, 1, 5, 6]
    ids, teams = team_draft(a, b, 4, random.Random(0))
    assert len(set(ids)) == len(ids) == 4
    for i, t in zip(ids, teams, strict=True):
        assert i in (a if t == 0 else b)
    # identical lists: the merged list is that list, whoever drafts
    same, _ = team_draft([7, 8, 9], [7, 8, 9], 3, random.Random(1))
    assert same == [7, 8, 9]


def test_the_coin_decides_who_drafts_first() -> None:
    firsts = {team_draft([1], [2], 1, random.Random(seed))[1][0] for seed in range(50)}
    assert firsts == {0, 1}


def test_short_lists_fill_from_the_other_team_then_stop() -> None:
    ids, teams = team_draft([1], [2, 3, 4], 10, random.Random(0))
    assert sorted(ids) == [1, 2, 3, 4] and teams.count(0) == 1


def test_the_coin_is_the_request_ids() -> None:
    draws = [coin_for("abc").random() for _ in range(2)]
    assert draws[0] == draws[1] != coin_for("abd").random()


def test_credit_counts_clicks_per_team() -> None:
    assert credit([0, 1, 0, 1], [0, 2, 3]) == (2, 1)
    assert credit([0, 1], []) == (0, 0)
