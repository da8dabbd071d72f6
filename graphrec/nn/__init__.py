"""Neural-network layers and encoders built on PyTorch Geometric."""

from graphrec.nn.sage import SageEncoder

__all__ = ["SageEncoder"]
