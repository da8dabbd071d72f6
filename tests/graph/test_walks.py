"""Random walks and importance neighbourhoods on graphs whose answer is known."""

import numpy as np
import pytest

from graphrec.graph.bipartite import BipartiteGraph
from graphrec.graph.walks import Neighbourhoods, WalkConfig, importance_neighbourhoods, walk_visits


def graph(edges: list[tuple[int, int]], num_users: int, num_movies: int) -> BipartiteGraph:
    users, movies = np.array(edges).T
    return BipartiteGraph.from_interactions(users, movies, num_users, num_movies)


def star() -> BipartiteGraph:
    """One user rated movies 0..4: every walk from a movie reaches all others equally."""
    return graph([(0, m) for m in range(5)], num_users=1, num_movies=5)


def weights_of(hood: Neighbourhoods) -> np.ndarray:
    """Every movie's importance weights."""
    return hood.importance(np.arange(len(hood.ranked)))[1]


def two_cliques() -> BipartiteGraph:
    """Users 0-2 rated movies 0-2, users 3-5 rated movies 3-5; movie 6 has no ratings."""
    edges = [(u, m) for u in range(3) for m in range(3)]
    edges += [(u, m) for u in range(3, 6) for m in range(3, 6)]
    return graph(edges, num_users=6, num_movies=7)


def test_star_neighbourhood_is_every_other_movie_with_equal_weight() -> None:
    config = WalkConfig(walks_per_movie=2000, walk_length=4, top_t=4, pool_size=4)
    hood = importance_neighbourhoods(star(), config, seed=1)
    for movie in range(5):
        assert set(hood.neighbours[movie]) == set(range(5)) - {movie}
    assert np.allclose(weights_of(hood).sum(axis=1), 1.0)
    assert np.allclose(weights_of(hood), 0.25, atol=0.02)
    assert np.all(np.diff(hood.counts, axis=1) <= 0), "ranked by visits, most first"


def test_walks_never_leave_their_component() -> None:
    config = WalkConfig(walks_per_movie=200, walk_length=6, top_t=2, pool_size=5)
    hood = importance_neighbourhoods(two_cliques(), config, seed=0)
    for movie in range(3):
        assert set(hood.neighbours[movie]) == set(range(3)) - {movie}
        assert set(hood.ranked[movie][hood.ranked[movie] >= 0]) <= {0, 1, 2}
    for movie in range(3, 6):
        assert set(hood.neighbours[movie]) == set(range(3, 6)) - {movie}
    assert np.all(hood.ranked[6] == -1) and np.all(weights_of(hood)[6] == 0)
    # The hard-negative pool keeps 5 ranks; counts only the pooling neighbourhood's 2.
    assert hood.ranked.shape == (7, 5) and hood.counts.shape == (7, 2)


def test_visits_follow_edges_and_restart_returns_to_the_start() -> None:
    g = two_cliques()
    config = WalkConfig(walks_per_movie=50, walk_length=5, restart=0.0)
    source, visited = walk_visits(g, np.array([0, 4, 6]), config, np.random.default_rng(0))
    assert len(source) == 2 * 50 * 5, "movie 6 has no ratings and no walkers"
    assert np.all((source < 3) == (visited < 3))


def test_heavier_edges_are_visited_more() -> None:
    # Movie 0 shares three users with movie 1 and one with movie 2.
    edges = [(u, 0) for u in range(4)] + [(u, 1) for u in range(3)] + [(3, 2)]
    config = WalkConfig(walks_per_movie=3000, walk_length=1, top_t=2, pool_size=2)
    hood = importance_neighbourhoods(graph(edges, 4, 3), config, seed=0)
    assert list(hood.neighbours[0]) == [1, 2]
    # One hop from movie 0 lands on 1 with probability 3/4 · 1/2, on 2 with 1/4 · 1/2.
    assert weights_of(hood)[0, 0] == pytest.approx(0.75, abs=0.03)


def test_same_seed_same_neighbourhoods() -> None:
    config = WalkConfig(walks_per_movie=8, walk_length=3, chunk=2)
    first = importance_neighbourhoods(two_cliques(), config, seed=3)
    second = importance_neighbourhoods(two_cliques(), config, seed=3)
    assert np.array_equal(first.ranked, second.ranked)


@pytest.mark.parametrize(
    "bad",
    [{"walks_per_movie": 0}, {"restart": 1.0}, {"top_t": 10, "pool_size": 5}],
)
def test_bad_config_is_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        WalkConfig(**bad)  # type: ignore[arg-type]
