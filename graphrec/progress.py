"""Progress of long work: one tqdm bar per stage on stderr, or nothing when quiet.

Training reports stages (walks, epochs, tuning, rankers, bundle) and epochs through one
:class:`Progress`; the library never prints, the bar does, and ``--quiet`` turns it off.
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm


class Progress:
    """A bar per stage; ``enabled=False`` makes every call a no-op.

    Args:
        enabled: Draw bars on stderr.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._bar: tqdm[Any] | None = None

    def stage(self, name: str, total: int | None = None) -> None:
        """Close the running stage's bar and open one for ``name`` of ``total`` steps."""
        self.close()
        if self.enabled:
            self._bar = tqdm(
                total=total, desc=name, file=sys.stderr, leave=True, dynamic_ncols=True
            )

    def step(self, **figures: float) -> None:
        """One step of the running stage, showing ``figures`` beside the bar."""
        if self._bar is not None:
            self._bar.set_postfix({k: f"{v:.4f}" for k, v in figures.items()}, refresh=False)
            self._bar.update(1)

    def epoch(self, record: dict[str, float]) -> None:
        """An early-stopping epoch record (graphrec.train.early_stopping) as one step."""
        self.step(loss=record["loss"], val_recall=record["val_recall"])

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


#: Shared by callers that show nothing.
SILENT = Progress(enabled=False)
