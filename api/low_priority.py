"""Background work that yields the cores to requests: a bundle reload under load.

A reload is half a second of CPU on the bundled data. On a busy server every core is taken by
requests (and, on one machine, by the load generator), so the loader's share comes out of
theirs and their latency doubles while it runs. Run at a lower OS priority, the loader gets
the cores when requests leave them idle. Linux sets a thread's niceness by its thread id; a
thread cannot lower it again without privilege, so the work runs in a fresh thread that ends
with it, never in a pooled request thread.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Niceness added to the loader thread (0 normal, 19 lowest).
NICENESS = 10


def run_at_low_priority(work: Callable[[], T], niceness: int = NICENESS) -> T:
    """``work()`` in a fresh thread ``niceness`` steps below this process's priority; its
    result, or its exception raised here. Where threads cannot be reprioritised, it runs at
    normal priority."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                           os.getpriority(os.PRIO_PROCESS, 0) + niceness)  # fmt: skip
        except (AttributeError, OSError) as exc:  # not Linux, or not allowed
            logger.debug("loader runs at normal priority: %s", exc)
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="graphrec-loader", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]
