"""Graphs over interactions: the bipartite CSR graph and its statistics."""

from graphrec.graph.bipartite import BipartiteGraph
from graphrec.graph.stats import GraphStats, graph_stats, to_networkx

__all__ = ["BipartiteGraph", "GraphStats", "graph_stats", "to_networkx"]
