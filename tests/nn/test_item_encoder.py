"""The movie → movie encoder: the residual PinSAGE form, by hand on a literal graph."""

import pytest
import torch
import torch.nn.functional as F

from graphrec.nn.item_encoder import ItemEncoder


def encoder() -> tuple[ItemEncoder, torch.Tensor, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    model = ItemEncoder(num_movies=3, feature_dim=2, dim=4)
    features = torch.randn(3, 2)
    edge_index = torch.tensor([[1, 2], [0, 0]])  # movie 0 pools 1 and 2; the others nothing
    return model, features, edge_index, torch.tensor([0.5, 0.5])


def test_a_movie_is_its_input_plus_its_pooled_neighbourhood() -> None:
    model, features, edge_index, edge_weight = encoder()
    out = model(features, edge_index, edge_weight)
    x = model.movie_embedding.weight + model.attribute_projection(features)
    conv = model.conv(x, edge_index, edge_weight)
    torch.testing.assert_close(out, F.normalize(x + conv, dim=-1))
    torch.testing.assert_close(out.norm(dim=1), torch.ones(3))


def test_the_attribute_path_ignores_ids() -> None:
    model, features, *_ = encoder()
    before = model.attribute_path(features)
    with torch.no_grad():
        model.movie_embedding.weight.add_(1.0)
    torch.testing.assert_close(model.attribute_path(features), before)


def test_wrong_features_are_refused_and_repr_names_the_sizes() -> None:
    model, features, edge_index, edge_weight = encoder()
    with pytest.raises(ValueError, match="'ItemEncoder' expects features of shape"):
        model(features[:2], edge_index, edge_weight)
    assert repr(model) == "ItemEncoder(movies=3, features=2, dim=4)"


def test_encoding_some_movies_gives_their_rows_of_the_whole_catalogue() -> None:
    model, features, edge_index, edge_weight = encoder()
    neighbours = torch.tensor([[1, 2], [-1, -1], [-1, -1]])
    weights = torch.tensor([[0.5, 0.5], [0.0, 0.0], [0.0, 0.0]])
    whole = model(features, edge_index, edge_weight)
    some = model.encode(features, torch.tensor([2, 0]), neighbours, weights)
    torch.testing.assert_close(some, whole[[2, 0]])
