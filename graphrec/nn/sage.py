"""GraphSAGE encoder over the user–movie graph: id embeddings plus projected movie attributes."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import SAGEConv

if TYPE_CHECKING:  # graphrec.graph.sampling builds on graphrec.nn.adjacency
    from graphrec.graph.sampling import Sample


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

    def forward(self, movie_features: Tensor, edge_index: Tensor) -> Tensor:
        """Every node's output over the whole graph (``edge_index`` or a sparse ``adj_t``)."""
        layers = [F.normalize(x, dim=-1) for x in self.states(movie_features, edge_index)]
        return torch.stack(layers).mean(dim=0)

    def states(self, movie_features: Tensor, edge_index: Tensor) -> list[Tensor]:
        """Every node's input and each layer's output (after its activation): ``L + 1``
        tensors of ``(num_users + num_movies, dim)``; the output is their normalised mean."""
        movies = self.movie_embedding.weight + self.attribute_projection(movie_features)
        x = torch.cat([self.user_embedding.weight, movies], dim=0)
        states = [x]
        for i, conv in enumerate(self.convs):
            x = cast(Tensor, conv(x, edge_index))
            if i < len(self.convs) - 1:
                x = F.dropout(F.relu(x), p=self.dropout, training=self.training)
            states.append(x)
        return states

    def forward_historical(
        self, movie_features: Tensor, sample: Sample, histories: list[Tensor]
    ) -> Tensor:
        """The outputs of a minibatch's nodes, one sampled hop deep, the layers above the
        first reading the neighbours' states from ``histories`` (GNNAutoScale: Fey et al.,
        ICML 2021).

        A step's cost is then its batch times the fan-out, whatever the size of the graph
        and however many layers: nothing is expanded hop by hop. ``sample`` is one block
        over the batch's nodes (its first ``num_dst`` nodes) and their sampled neighbours;
        inputs (id embeddings, attributes) are looked up fresh and sparsely, so gradients
        reach the neighbours' rows through the first layer. ``histories[l]`` holds every
        node's output of layer ``l + 1`` (``L - 1`` tensors ``(num_nodes, dim)``), as the
        last full pass or a later step left it; the batch reads its own fresh states, and
        writes them back.
        """
        block = sample.block
        nodes = torch.from_numpy(sample.nodes)
        users = torch.nonzero(nodes < self.num_users).flatten()
        movies = torch.nonzero(nodes >= self.num_users).flatten()
        movie_ids = nodes[movies] - self.num_users
        user_rows = F.embedding(nodes[users], self.user_embedding.weight, sparse=True)
        movie_rows = F.embedding(movie_ids, self.movie_embedding.weight, sparse=True)
        movie_rows = movie_rows + self.attribute_projection(movie_features[movie_ids])
        inputs = torch.cat([user_rows, movie_rows])[torch.argsort(torch.cat([users, movies]))]
        batch, outside = nodes[: block.num_dst], nodes[block.num_dst :]
        x, neighbours = inputs[: block.num_dst], inputs
        states = [x]
        for i, conv in enumerate(self.convs):
            sage = cast(SAGEConv, conv)
            if i > 0:
                neighbours = torch.cat([x, histories[i - 1][outside]])
            x = sage.lin_l(block.mean.pool(neighbours)) + sage.lin_r(x)
            if i < len(self.convs) - 1:
                x = F.dropout(F.relu(x), p=self.dropout, training=self.training)
                histories[i][batch] = x.detach()
            states.append(x)
        return torch.stack([F.normalize(state, dim=-1) for state in states]).mean(dim=0)

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
