"""GraphSAGE encoder over the user–movie graph: id embeddings plus projected movie attributes."""

from __future__ import annotations

from typing import cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import SAGEConv

from graphrec.nn.adjacency import Adjacency


class SageEncoder(nn.Module):
    r"""GraphSAGE (Hamilton et al., NeurIPS 2017) over users and movies as one node set.

    Node inputs are learnable id embeddings; a movie's input also adds a linear projection of its
    attributes, so that a movie with few ratings still lands near movies like it. Each layer is
    PyG's :class:`SAGEConv` with mean aggregation,

    .. math::
        \mathbf{h}_i^{(l+1)} = \mathbf{W}_1 \mathbf{h}_i^{(l)}
        + \mathbf{W}_2 \cdot \mathrm{mean}_{j \in \mathcal{N}(i)} \mathbf{h}_j^{(l)},

    and the output is the mean of the (L2-normalised) input and every layer's output, which keeps
    both the node's own signal and its neighbourhood's.

    Args:
        num_users: Number of user nodes (indices ``0 .. num_users - 1``).
        num_movies: Number of movie nodes (indices ``num_users ..``).
        feature_dim: Width of the movie attribute matrix.
        dim: Embedding width. (default: ``64``)
        num_layers: SAGEConv layers. (default: ``2``)
        dropout: Dropout between layers during training. (default: ``0.0``)

    Shapes:
        - **input:** movie features ``(num_movies, feature_dim)``, edge_index ``(2, |E|)``
        - **output:** ``(num_users + num_movies, dim)``
    """

    def __init__(
        self,
        num_users: int,
        num_movies: int,
        feature_dim: int,
        dim: int = 64,
        num_layers: int = 2,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(
                f"'{self.__class__.__name__}' needs num_layers >= 1 (got {num_layers})"
            )
        self.num_users = num_users
        self.num_movies = num_movies
        self.feature_dim = feature_dim
        self.dim = dim
        self.dropout = dropout
        self.user_embedding = nn.Embedding(num_users, dim)
        self.movie_embedding = nn.Embedding(num_movies, dim)
        self.attribute_projection = nn.Linear(feature_dim, dim)
        self.convs = nn.ModuleList(SAGEConv(dim, dim) for _ in range(num_layers))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.user_embedding.weight, std=0.1)
        nn.init.normal_(self.movie_embedding.weight, std=0.1)
        self.attribute_projection.reset_parameters()
        for conv in self.convs:
            cast(SAGEConv, conv).reset_parameters()

    def forward(
        self,
        movie_features: Tensor | Adjacency,
        edge_index: Tensor | Adjacency,
        nodes: Tensor | None = None,
    ) -> Tensor:
        """Every node's output, or only those of ``nodes`` (a training step's batch): the last
        layer, the normalisation and the mean then run over those rows alone, the same
        figures for a fraction of the work."""
        layers = [F.normalize(x, dim=-1) for x in self.states(movie_features, edge_index, nodes)]
        return torch.stack(layers).mean(dim=0)

    def states(
        self,
        movie_features: Tensor | Adjacency,
        edge_index: Tensor | Adjacency,
        nodes: Tensor | None = None,
    ) -> list[Tensor]:
        """Every node's input and each layer's output (after its activation): ``L + 1``
        tensors of ``(num_users + num_movies, dim)``, or of ``(len(nodes), dim)`` with
        ``nodes``; the output is their normalised mean."""
        movies = self.movie_embedding.weight + self._project(movie_features)
        x = torch.cat([self.user_embedding.weight, movies], dim=0)
        states = [x]
        for i, conv in enumerate(self.convs):
            last = i == len(self.convs) - 1
            x = _convolve(cast(SAGEConv, conv), x, edge_index, nodes if last else None)
            if not last:
                x = F.dropout(F.relu(x), p=self.dropout, training=self.training)
            states.append(x)
        if nodes is not None:
            states[:-1] = [state[nodes] for state in states[:-1]]
        return states

    def _project(self, movie_features: Tensor | Adjacency) -> Tensor:
        """The attribute projection of dense features, or of a fixed sparse matrix of them
        (the same ``features @ W.T + b`` at the cost of the non-zeros)."""
        if isinstance(movie_features, Adjacency):
            projection = self.attribute_projection
            return movie_features.pool(projection.weight.T) + projection.bias
        return cast(Tensor, self.attribute_projection(movie_features))

    def fold_in(self, user_inputs: Tensor, neighbour_means: list[Tensor]) -> Tensor:
        """The output of user nodes from their inputs and the mean states of their movies, the
        movies held fixed: GraphSAGE's inductive step, for users whose ratings changed after
        training (or who came after it).

        Args:
            user_inputs: ``(n, dim)`` each user's input (its id embedding; zeros for a user the
                model never saw).
            neighbour_means: Per layer ``l < L``, ``(n, dim)``: the mean over each user's movies
                of their states (see :meth:`states`); zeros for a user with none, as PyG's mean
                aggregation gives.

        Returns:
            ``(n, dim)``, what :meth:`forward` gives those users over a graph with those edges.
        """
        x = user_inputs
        layers = [F.normalize(x, dim=-1)]
        for i, conv in enumerate(self.convs):
            sage = cast(SAGEConv, conv)
            x = sage.lin_l(neighbour_means[i]) + sage.lin_r(x)
            if i < len(self.convs) - 1:
                x = F.relu(x)
            layers.append(F.normalize(x, dim=-1))
        return torch.stack(layers).mean(dim=0)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(users={self.num_users}, movies={self.num_movies}, "
            f"features={self.feature_dim}, dim={self.dim}, layers={len(self.convs)})"
        )


def _convolve(
    conv: SAGEConv, x: Tensor, edge_index: Tensor | Adjacency, nodes: Tensor | None
) -> Tensor:
    """``conv`` over an edge index or sparse adjacency (PyG's own path), or over a mean
    :class:`Adjacency` (rows summing to 1): the same ``lin_l(mean) + lin_r(x)``, with a
    gradient that does not re-sort the graph every step; the rows of ``nodes`` only, if given."""
    if isinstance(edge_index, Adjacency):
        if nodes is None:
            return cast(Tensor, conv.lin_l(edge_index.pool(x)) + conv.lin_r(x))
        return cast(Tensor, conv.lin_l(edge_index.pool(x)[nodes]) + conv.lin_r(x[nodes]))
    out = cast(Tensor, conv(x, edge_index))
    return out if nodes is None else out[nodes]
