"""Keep freed memory in the process: training allocates the same large tensors every step.

glibc hands blocks above its mmap threshold back to the kernel when they are freed and trims
the heap's free top, so each step's multi-megabyte temporaries come back as fresh pages, each
one a page fault on first touch: about 200,000 an epoch of GraphSAGE on the bundled data, a
tenth of its time on a 2-core virtual machine. Raising both thresholds lets the allocator
reuse those blocks instead. Only for batch work (train, evaluate): a server keeps the defaults
and so returns what a burst took.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

# mallopt(3) parameters.
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

#: The largest mmap threshold glibc accepts (HEAP_MAX_SIZE / 2 on 64-bit): blocks up to
#: 32 MiB come from the heap and are reused.
MMAP_THRESHOLD = 32 << 20
#: Free heap top kept before trimming, and the extra asked of the kernel each time it grows.
TRIM_THRESHOLD = 1 << 30
TOP_PAD = 64 << 20


def keep_freed_memory() -> bool:
    """Tune glibc's allocator to reuse freed blocks; ``False`` (and nothing changed) where
    the C library is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        logger.debug("no mallopt in %s; allocator left as it is", name)
        return False
    return all(
        mallopt(option, value) == 1
        for option, value in (
            (_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
            (_M_TOP_PAD, TOP_PAD),
        )
    )
