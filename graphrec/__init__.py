"""graphrec: graph-neural-network embeddings for recommendation, served over HTTP."""

from graphrec.errors import BundleError, ConfigError, DataError, GraphrecError

__all__ = ["BundleError", "ConfigError", "DataError", "GraphrecError"]
__version__ = "0.1.0"
