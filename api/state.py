"""What the server holds: the bundle being served, swapped whole on reload."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from graphrec.artifacts import Bundle, load_bundle

logger = logging.getLogger(__name__)


class ServingState:
    """The live bundle. Requests read :attr:`bundle` once and use that object throughout, so a
    reload (one reference swap) never mixes two versions inside one response."""

    def __init__(self, artifacts: Path, bundle: Bundle) -> None:
        self.artifacts = artifacts
        self.bundle = bundle
        self._reload_lock = threading.Lock()

    @classmethod
    def load(cls, artifacts: Path) -> ServingState:
        bundle = load_bundle(artifacts)
        logger.info("serving bundle %s (%d movies)", bundle.version, len(bundle.catalog))
        return cls(artifacts, bundle)

    def reload(self) -> Bundle:
        """Load ``artifacts`` again; on failure raise and keep serving the old bundle."""
        with self._reload_lock:
            bundle = load_bundle(self.artifacts)
            self.bundle = bundle
        logger.info("reloaded bundle %s", bundle.version)
        return bundle
