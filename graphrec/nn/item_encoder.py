"""The movie → movie encoder: id and attributes, plus a residual PinSAGE convolution."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from graphrec.nn.pinsage import PinSageConv


class ItemEncoder(nn.Module):
    r"""Unit movie vectors for item-to-item similarity.

    .. math::
        \mathbf{x}_u = \mathbf{e}_u + \mathbf{P}\mathbf{f}_u, \qquad
        \mathbf{z}_u = \frac{\mathbf{x}_u + \mathrm{PinSageConv}(\mathbf{x})_u}
                            {\lVert \mathbf{x}_u + \mathrm{PinSageConv}(\mathbf{x})_u \rVert_2}

    The convolution pools each movie's random-walk neighbourhood by importance (Ying et al.,
    KDD 2018). It is added to the movie's own input rather than replacing it: PinSAGE's
    ReLU output lies in the positive orthant and averages neighbours, which on validation
    blurred a movie into its neighbourhood and lost its closest kin (franchise mates); the
    residual form keeps the id's specificity and lets the graph fill in where the id is weak.

    Args:
        num_movies: Size of the id embedding table.
        feature_dim: Width of the movie attribute matrix.
        dim: Embedding width. (default: ``64``)

    Shapes:
        - **input:** ``features`` ``(num_movies, feature_dim)``, ``edge_index`` ``(2, |E|)``
          from neighbour to movie, ``edge_weight`` ``(|E|,)``
        - **output:** ``(num_movies, dim)``, rows of unit length
    """

    def __init__(self, num_movies: int, feature_dim: int, dim: int = 64) -> None:
        super().__init__()
        self.num_movies = num_movies
        self.feature_dim = feature_dim
        self.dim = dim
        self.movie_embedding = nn.Embedding(num_movies, dim)
        self.attribute_projection = nn.Linear(feature_dim, dim)
        self.conv = PinSageConv(dim, dim)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.movie_embedding.weight, std=0.1)
        self.attribute_projection.reset_parameters()
        self.conv.reset_parameters()

    def forward(self, features: Tensor, edge_index: Tensor, edge_weight: Tensor) -> Tensor:
        if features.shape != (self.num_movies, self.feature_dim):
            raise ValueError(
                f"'{self.__class__.__name__}' expects features of shape "
                f"{(self.num_movies, self.feature_dim)}, got {tuple(features.shape)}"
            )
        x = self.movie_embedding.weight + self.attribute_projection(features)
        return F.normalize(x + self.conv(x, edge_index, edge_weight), dim=-1)

    def encode(self, features: Tensor, nodes: Tensor, neighbours: Tensor, weights: Tensor
               ) -> Tensor:  # fmt: skip
        """The rows ``nodes`` of :meth:`forward`, computed from those movies and their
        neighbourhoods only, so that a training step costs its batch, not the catalogue.

        Args:
            features: Movie attribute matrix, ``(num_movies, feature_dim)``.
            nodes: Movies to encode, ``(n,)``.
            neighbours: Each movie's pooling neighbourhood, ``-1`` padded, ``(num_movies, T)``.
            weights: Their importance weights, ``(num_movies, T)``.
        """
        rows, columns = neighbours[nodes], weights[nodes]
        present = rows >= 0
        needed, inverse = torch.unique(torch.cat([nodes, rows[present]]), return_inverse=True)
        x = self.movie_embedding(needed) + self.attribute_projection(features[needed])
        own = inverse[: len(nodes)]
        targets = torch.arange(len(nodes), device=nodes.device).repeat_interleave(present.sum(1))
        edge_index = torch.stack([inverse[len(nodes) :], targets])
        pooled = self.conv((x, x[own]), edge_index, columns[present])
        return F.normalize(x[own] + pooled, dim=-1)

    def attribute_path(self, features: Tensor) -> Tensor:
        """What the encoder makes of attributes alone, no id embedding and no neighbours
        (the neighbourhood pools a zero vector): ``(len(features), dim)`` unit rows."""
        x = self.attribute_projection(features)
        none = torch.zeros((2, 0), dtype=torch.long, device=features.device)
        return F.normalize(x + self.conv(x, none, torch.zeros(0, device=features.device)), dim=-1)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(movies={self.num_movies}, features={self.feature_dim}, "
            f"dim={self.dim})"
        )
