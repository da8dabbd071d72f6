import numpy as np
import pytest

from graphrec.coldstart import Attributes, AttributeSimilarity, airbnb_embedding


@pytest.fixture
def similarity() -> AttributeSimilarity:
    genres = np.array(
        [[1, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 1]], dtype=bool
    )  # Animation, Children, Horror
    years = np.array([1995, 1999, 1980, 0, 2010])
    tags = (np.array([0, 1, 2]), np.array([0, 0, 1]), np.array([2.0, 1.0, 3.0], dtype=np.float32))
    return AttributeSimilarity(["Animation", "Children", "Horror"], genres, years,
                               ["pixar", "scary"], tags)  # fmt: skip


def test_genres_year_and_tags_rank_the_right_movies(similarity: AttributeSimilarity) -> None:
    family = Attributes("Toy Story 5", ["Animation", "Children"], 2026)
    assert similarity.nearest(family, 2).tolist() == [1, 0]  # 1999 is closer to 2026 than 1995
    horror = Attributes("Scream 9", ["Horror"], None, ["Scary "])
    assert similarity.nearest(horror, 1).tolist() == [2]
    assert similarity.unknown_genres(["Horror", "Space Opera"]) == ["Space Opera"]


def test_rare_genres_weigh_more(similarity: AttributeSimilarity) -> None:
    # Horror (2 movies) is rarer than Animation (3): a Horror|Animation query prefers movie 4
    # (Children, Horror) over movie 3 (Animation only)
    scores = similarity.scores(Attributes("x", ["Horror", "Animation"]))
    assert scores[2] > scores[3]


def test_airbnb_embedding_is_the_normalised_mean() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]], dtype=np.float32)
    out = airbnb_embedding(vectors, np.array([0, 1]))
    assert np.allclose(out, [np.sqrt(0.5), np.sqrt(0.5)])


def test_matched_on_names_what_is_given_and_known(similarity: AttributeSimilarity) -> None:
    assert similarity.known() == ["genres", "year", "tags"]
    given = Attributes("New", ["Horror"], 1990, ["scary", "unheard of"])
    assert similarity.matched_on(given) == ["genres", "year", "tags"]
    assert similarity.matched_on(Attributes("New", [], None, ["unheard of"])) == []
    none = (np.zeros(0, int), np.zeros(0, int), np.zeros(0, np.float32))
    bare = AttributeSimilarity([], np.zeros((2, 0)), np.zeros(2), [], none)
    assert bare.known() == [] and bare.matched_on(given) == []
