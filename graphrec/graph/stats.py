"""Graph analysis for `graphrec data info`: components and degree distributions."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from graphrec.graph.bipartite import BipartiteGraph

#: Above this many edges networkx (a Python object per edge) is too slow and large; scipy counts
#: components from the CSR arrays instead and gives the same answer.
NETWORKX_MAX_EDGES = 2_000_000
QUANTILES = (0.0, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0)


@dataclass(frozen=True)
class GraphStats:
    """Summary of a bipartite graph.

    Attributes:
        num_components: Connected components over users and movies (isolated movies count).
        largest_component: Nodes in the largest component.
        isolated_movies: Movies with no interaction.
        user_degree_quantiles: Quantile → distinct movies per user.
        movie_degree_quantiles: Quantile → distinct users per movie.
        density: Edges over ``num_users * num_movies``.
        method: ``"networkx"`` or ``"scipy"``, whichever counted the components.
    """

    num_components: int
    largest_component: int
    isolated_movies: int
    user_degree_quantiles: dict[float, float]
    movie_degree_quantiles: dict[float, float]
    density: float
    method: str


def graph_stats(graph: BipartiteGraph) -> GraphStats:
    """Components (networkx on graphs up to ``NETWORKX_MAX_EDGES``) and degree quantiles."""
    if graph.num_edges <= NETWORKX_MAX_EDGES:
        sizes = _component_sizes_networkx(graph)
        method = "networkx"
    else:
        sizes = _component_sizes_scipy(graph)
        method = "scipy"
    movie_degrees = graph.movie_degrees()
    return GraphStats(
        num_components=len(sizes),
        largest_component=int(max(sizes, default=0)),
        isolated_movies=int((movie_degrees == 0).sum()),
        user_degree_quantiles=_quantiles(graph.user_degrees()),
        movie_degree_quantiles=_quantiles(movie_degrees),
        density=graph.num_edges / max(1, graph.num_users * graph.num_movies),
        method=method,
    )


def to_networkx(graph: BipartiteGraph) -> nx.Graph:
    """Nodes ``("u", i)`` and ``("m", j)`` with ``bipartite`` set to 0 and 1; for analysis only."""
    nx_graph = nx.Graph()
    nx_graph.add_nodes_from((("u", u) for u in range(graph.num_users)), bipartite=0)
    nx_graph.add_nodes_from((("m", m) for m in range(graph.num_movies)), bipartite=1)
    users, movies = graph.edge_arrays()
    nx_graph.add_edges_from(
        zip(
            zip("u" * len(users), users.tolist(), strict=True),
            zip("m" * len(movies), movies.tolist(), strict=True),
            strict=True,
        )
    )
    return nx_graph


def _component_sizes_networkx(graph: BipartiteGraph) -> list[int]:
    return [len(c) for c in nx.connected_components(to_networkx(graph))]


def _component_sizes_scipy(graph: BipartiteGraph) -> list[int]:
    users, movies = graph.edge_arrays()
    num_nodes = graph.num_users + graph.num_movies
    adjacency = coo_matrix(
        (np.ones(len(users), dtype=np.int8), (users, movies + graph.num_users)),
        shape=(num_nodes, num_nodes),
    )
    _, labels = connected_components(adjacency, directed=False)
    return np.bincount(labels).tolist()


def _quantiles(degrees: np.ndarray) -> dict[float, float]:
    if len(degrees) == 0:
        return dict.fromkeys(QUANTILES, 0.0)
    values = np.quantile(degrees, QUANTILES)
    return {q: float(v) for q, v in zip(QUANTILES, values, strict=True)}
