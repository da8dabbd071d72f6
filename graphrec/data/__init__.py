"""Data: MovieLens loaders, the typed dataset, movie features and the download command."""

from graphrec.data.dataset import InteractionDataset, MovieTable
from graphrec.data.loaders import BUNDLED_NAME, bundled_data_dir, load_movielens

__all__ = [
    "BUNDLED_NAME",
    "InteractionDataset",
    "MovieTable",
    "bundled_data_dir",
    "load_movielens",
]
