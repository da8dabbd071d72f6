"""The franchise stem rule on published titles, and franchise grouping by training degree."""

import numpy as np
import pytest

from graphrec.data.franchises import franchise_groups, franchise_stem


@pytest.mark.parametrize(
    ("title", "stem"),
    [
        ("Toy Story (1995)", "toy story"),
        ("Toy Story 2 (1999)", "toy story"),
        ("Godfather: Part II, The (1974)", "godfather"),
        ("Godfather, The (1972)", "godfather"),
        ("Star Wars: Episode V - The Empire Strikes Back (1980)", "star wars"),
        ("Back to the Future Part III (1990)", "back to the future"),
        ("Rocky IV (1985)", "rocky"),
        ("Kill Bill: Vol. 2 (2004)", "kill bill"),
        ("Karate Kid, Part II, The (1986)", "karate kid"),
        ("Se7en (1995)", "se7en"),
        ("2001: A Space Odyssey (1968)", "2001"),
    ],
)
def test_franchise_stem(title: str, stem: str) -> None:
    assert franchise_stem(title) == stem


def test_groups_need_two_movies_with_enough_ratings() -> None:
    titles = np.array(["Alien (1979)", "Aliens (1986)", "Alien: Resurrection (1997)",
                       "Toy Story (1995)", "Toy Story 2 (1999)", "Heat (1995)"])  # fmt: skip
    degrees = np.array([50, 50, 30, 40, 5, 90])
    groups = franchise_groups(titles, degrees, min_ratings=20)
    # Toy Story 2 has too few ratings, so Toy Story stands alone; "aliens" is its own stem.
    assert groups[0] == groups[2] >= 0
    assert (groups[[1, 3, 4, 5]] == -1).all()
