"""PinSAGE (Ying et al., KDD 2018): importance pooling over random-walk neighbourhoods."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import MessagePassing
from torch_geometric.nn.dense.linear import Linear

from graphrec.nn.adjacency import Adjacency

#: One layer's messages: ``(edge_index, edge_weight, num_dst)``, or ``(adjacency, None,
#: num_dst)`` with an :class:`Adjacency`.
Block = tuple[Tensor | Adjacency, Tensor | None, int]


class PinSageConv(MessagePassing):
    r"""The PinSAGE convolution (Algorithm 1 of the paper) as a PyG message-passing layer.

    .. math::
        \mathbf{n}_u &= \sum_{v \in \mathcal{N}(u)} \alpha_{uv}\,
            \mathrm{ReLU}(\mathbf{Q}\mathbf{h}_v + \mathbf{q}) \\
        \mathbf{z}_u &= \mathrm{ReLU}(\mathbf{W}[\mathbf{h}_u \,\Vert\, \mathbf{n}_u] + \mathbf{w}),
        \qquad \mathbf{z}_u \leftarrow \mathbf{z}_u / \lVert \mathbf{z}_u \rVert_2

    where :math:`\alpha_{uv}` are the L1-normalised random-walk visit counts (importance
    pooling: a weighted mean). A node with no neighbours pools a zero vector.

    Args:
        in_channels: Width of the input vectors.
        out_channels: Width of the output vectors.
        hidden_channels: Width of the transformed neighbour vectors. (default: ``out_channels``)

    Shapes:
        - **input:** ``x`` ``(|V_src|, in)`` or a ``(x_src, x_dst)`` pair, ``edge_index``
          ``(2, |E|)`` from source to destination positions, ``edge_weight`` ``(|E|,)``
        - **output:** ``(|V_dst|, out)``, each row of unit length (or zero)
    """

    def __init__(
        self, in_channels: int, out_channels: int, hidden_channels: int | None = None
    ) -> None:
        super().__init__(aggr="sum")
        hidden = hidden_channels or out_channels
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.neighbour = Linear(in_channels, hidden)
        self.combine = Linear(in_channels + hidden, out_channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        self.neighbour.reset_parameters()
        self.combine.reset_parameters()

    def forward(
        self,
        x: Tensor | tuple[Tensor, Tensor],
        edge_index: Tensor | Adjacency,
        edge_weight: Tensor | None = None,
    ) -> Tensor:
        x_src, x_dst = (x, x) if isinstance(x, Tensor) else x
        transformed = F.relu(self.neighbour(x_src))
        if isinstance(edge_index, Adjacency):
            pooled = edge_index.pool(transformed)
        else:
            if edge_weight is None:
                raise ValueError(f"'{self.__class__.__name__}' needs edge_weight with edge_index")
            pooled = self.propagate(
                edge_index, x=transformed, edge_weight=edge_weight,
                size=(len(x_src), len(x_dst)),
            )  # fmt: skip
        out = F.relu(self.combine(torch.cat([x_dst, pooled], dim=-1)))
        return F.normalize(out, dim=-1)

    def message(self, x_j: Tensor, edge_weight: Tensor) -> Tensor:
        return edge_weight.view(-1, 1) * x_j

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.in_channels}, {self.out_channels})"


class PinSageEncoder(nn.Module):
    """Movie vectors from attributes and ids, convolved over importance neighbourhoods.

    The input of a movie is a learnable id embedding plus a linear projection of its
    attributes; two (or ``num_layers``) :class:`PinSageConv` layers follow, then the paper's
    final two dense layers and an L2 normalisation, so that scores are cosines.

    Args:
        num_movies: Size of the id embedding table.
        feature_dim: Width of the movie attribute matrix.
        dim: Embedding width. (default: ``64``)
        num_layers: Convolutions. (default: ``2``)

    Shapes:
        - **input:** ``movies`` ``(|V_0|,)`` the input layer's movie indices, ``features``
          ``(|V_0|, feature_dim)`` their attributes, one :data:`Block` per layer from the
          input up
        - **output:** ``(num_dst of the last layer, dim)``
    """

    def __init__(self, num_movies: int, feature_dim: int, dim: int = 64, num_layers: int = 2):
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"'{self.__class__.__name__}' needs num_layers >= 1 ({num_layers})")
        self.num_movies = num_movies
        self.feature_dim = feature_dim
        self.dim = dim
        # Sparse gradients: a step touches only the batch's rows, not the whole catalogue.
        self.movie_embedding = nn.Embedding(num_movies, dim, sparse=True)
        self.attribute_projection = nn.Linear(feature_dim, dim)
        self.convs = nn.ModuleList(PinSageConv(dim, dim) for _ in range(num_layers))
        self.head = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.movie_embedding.weight, std=0.1)
        self.attribute_projection.reset_parameters()
        for conv in self.convs:
            cast(PinSageConv, conv).reset_parameters()
        for layer in self.head:
            if isinstance(layer, nn.Linear):
                layer.reset_parameters()

    def forward(self, movies: Tensor, features: Tensor, blocks: Sequence[Block]) -> Tensor:
        if len(blocks) != len(self.convs):
            raise ValueError(f"expected {len(self.convs)} blocks, got {len(blocks)}")
        x = self.movie_embedding(movies) + self.attribute_projection(features)
        for conv, (edge_index, edge_weight, num_dst) in zip(self.convs, blocks, strict=True):
            x = conv((x, x[:num_dst]), edge_index, edge_weight)
        return F.normalize(self.head(x), dim=-1)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(movies={self.num_movies}, features={self.feature_dim}, "
            f"dim={self.dim}, layers={len(self.convs)})"
        )
