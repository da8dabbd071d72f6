"""FAISS index of movie embeddings: build by size, search, add/remove by id, save/load."""

from index.movie_index import (
    EXACT_MAX_VECTORS,
    IndexFileError,
    IndexInfo,
    MovieIndex,
    sha256_file,
)

__all__ = ["EXACT_MAX_VECTORS", "IndexFileError", "IndexInfo", "MovieIndex", "sha256_file"]
