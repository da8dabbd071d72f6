import pytest
import torch

from graphrec.nn import SageEncoder


def test_shapes_repr_and_neighbourhood_use() -> None:
    torch.manual_seed(0)
    model = SageEncoder(num_users=2, num_movies=3, feature_dim=4, dim=8)
    assert repr(model) == "SageEncoder(users=2, movies=3, features=4, dim=8, layers=2)"
    edge_index = torch.tensor([[0, 2, 1, 3], [2, 0, 3, 1]])  # u0–m0, u1–m1
    features = torch.randn(3, 4)
    out = model(features, edge_index)
    assert out.shape == (5, 8)
    rewired = model(features, torch.tensor([[0, 3, 1, 2], [3, 0, 2, 1]]))  # u0–m1, u1–m0
    assert not torch.allclose(out[0], rewired[0])  # a user's vector depends on its neighbours
    assert torch.allclose(out[4], rewired[4])  # movie 2 has no edges either way


def test_invalid_layers() -> None:
    with pytest.raises(ValueError, match="'SageEncoder' needs num_layers >= 1"):
        SageEncoder(1, 1, 1, num_layers=0)
