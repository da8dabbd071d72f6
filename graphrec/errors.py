"""Errors a user can cause and fix; the CLI turns them into one line and exit code 2."""


class GraphrecError(Exception):
    """Base class for expected, user-facing failures (bad input, damaged artifacts)."""


class DataError(GraphrecError):
    """A data file is missing, empty or malformed; the message names the file and line."""


class BundleError(GraphrecError):
    """An artifact bundle is missing, incomplete or fails its checksums."""


class ConfigError(GraphrecError):
    """A configuration value is out of range or inconsistent."""
