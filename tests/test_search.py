"""Title search on literal titles, then on the bundled catalogue's."""

import numpy as np
import pytest

from graphrec.search import TitleIndex, fold

TITLES = [
    ("Heat (1995)", 1995, 4.0),
    ("Heat and Dust (1983)", 1983, 1.0),
    ("Heat (1986)", 1986, 0.5),
    ("Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)", 2001, 4.5),
    ("Star Wars: Episode IV - A New Hope (1977)", 1977, 5.0),
    ("Star Wars: Episode V - The Empire Strikes Back (1980)", 1980, 4.9),
    ("Starship Troopers (1997)", 1997, 3.0),
    ("Wall Street (1987)", 1987, 2.0),
]


@pytest.fixture
def index() -> TitleIndex:
    titles, years, popularity = zip(*TITLES, strict=True)
    return TitleIndex(list(titles), list(years), np.array(popularity))


def _titles(index: TitleIndex, query: str, limit: int = 10) -> list[str]:
    return [TITLES[m.row][0] for m in index.search(query, limit)]


def test_fold_strips_accents_case_and_punctuation() -> None:
    assert fold("Amélie (2001)") == ["amelie", "2001"]
    assert fold("  STAR wars:") == ["star", "wars"]


def test_words_in_any_order_and_the_last_a_prefix(index: TitleIndex) -> None:
    assert _titles(index, "star wa") == [TITLES[4][0], TITLES[5][0]]
    assert _titles(index, "wars star") == [TITLES[4][0], TITLES[5][0]]
    assert _titles(index, "empire wars") == [TITLES[5][0]]
    assert "Starship Troopers (1997)" not in _titles(
        index, "star wa"
    )  # whole words before the last


def test_accents_and_case_do_not_matter(index: TitleIndex) -> None:
    assert _titles(index, "AMELIE") == [TITLES[3][0]]
    assert _titles(index, "amél") == [TITLES[3][0]]


def test_a_year_narrows_and_quality_comes_before_popularity(index: TitleIndex) -> None:
    assert _titles(index, "heat 1995") == ["Heat (1995)"]
    assert _titles(index, "heat 1986") == ["Heat (1986)"]
    # exact short titles first (the popular one first), the longer title last
    assert _titles(index, "heat") == ["Heat (1995)", "Heat (1986)", "Heat and Dust (1983)"]
    assert _titles(index, "1977") == [TITLES[4][0]]


def test_limit_nothing_and_added_titles(index: TitleIndex) -> None:
    assert len(index.search("s", 1)) == 1
    assert index.search("zzz", 10) == [] and index.search("  ", 10) == []
    index.add("Toy Story 5 (2026)", 2026)
    assert [m.row for m in index.search("toy st", 5)] == [len(TITLES)]


def test_a_rolled_back_title_is_forgotten(index: TitleIndex) -> None:
    index.add("Toy Story 5 (2026)", 2026)
    index.pop()
    assert index.search("toy", 5) == []
    index.add("Heat 2 (2026)", 2026)
    assert [m.row for m in index.search("heat 2026", 5)] == [len(TITLES)]


def test_a_title_added_and_rolled_back_leaves_the_catalogues_rows(index: TitleIndex) -> None:
    """Registered rows sit beside the catalogue's postings: rolling one back keeps the rest."""
    heats = sorted(m.row for m in index.search("heat", 10))
    index.add("Heat Heat (2026)", 2026)  # a word twice: one posting
    assert sorted(m.row for m in index.search("heat", 10)) == [*heats, len(TITLES)]
    index.add("Zardoz (1974)", 1974)
    index.pop()
    assert index.search("zardoz", 5) == []
    assert sorted(m.row for m in index.search("heat", 10)) == [*heats, len(TITLES)]
    index.pop()
    assert sorted(m.row for m in index.search("heat", 10)) == heats
