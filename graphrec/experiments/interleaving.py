"""Team-draft interleaving (Radlinski, Kurup & Joachims, CIKM 2008): two rankers share one list.

Each round a fair coin picks which team drafts first; each team then adds its highest-ranked
movie not yet taken. A movie both lists hold is shown once, credited to the team that drafted
it. A click credits the clicked movie's team; the team with more credited clicks wins the
impression. Because both rankers face the same user at the same moment, the comparison needs
far fewer users than splitting them between two groups.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence


def team_draft(
    first: Sequence[int], second: Sequence[int], k: int, rng: random.Random
) -> tuple[list[int], list[int]]:
    """Merge two rankings into ``k`` movies (fewer when both run out).

    Args:
        first, second: Movie ids, best first, of team 0 and team 1.
        k: Length of the merged list.
        rng: The coin (seed it per request to make a list reproducible).

    Returns:
        The merged ids and, aligned with them, the team (0 or 1) that drafted each.
    """
    rankings = (list(first), list(second))
    cursor = [0, 0]
    taken: set[int] = set()
    ids: list[int] = []
    teams: list[int] = []

    def draft(team: int) -> bool:
        ranking = rankings[team]
        while cursor[team] < len(ranking) and ranking[cursor[team]] in taken:
            cursor[team] += 1
        if cursor[team] == len(ranking):
            return False
        movie = ranking[cursor[team]]
        taken.add(movie)
        ids.append(movie)
        teams.append(team)
        return True

    while len(ids) < k:
        order = (0, 1) if rng.random() < 0.5 else (1, 0)
        drafted = False
        for team in order:
            if len(ids) < k and draft(team):
                drafted = True
        if not drafted:
            break
    return ids, teams


def coin_for(request_id: str) -> random.Random:
    """A coin seeded by the request id: the same request always draws the same list."""
    return random.Random(int.from_bytes(hashlib.sha256(request_id.encode()).digest()[:8], "big"))


def credit(teams: Sequence[int], clicked_positions: Sequence[int]) -> tuple[int, int]:
    """Clicks credited to team 0 and to team 1 (positions index ``teams``)."""
    wins = [0, 0]
    for position in clicked_positions:
        wins[teams[position]] += 1
    return wins[0], wins[1]
