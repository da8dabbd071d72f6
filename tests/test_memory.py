"""The allocator setting `train` and `evaluate` use: freed blocks come back without faults."""

import subprocess
import sys

import pytest

from graphrec.memory import keep_freed_memory

# Touches an 8 MiB block twice (freed in between) and prints the page faults of the second.
_PROBE = """
import resource, sys
import numpy as np
from graphrec.memory import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
np.ones(1 << 21, dtype=np.float32)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
np.ones(1 << 21, dtype=np.float32)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _second_touch_faults(mode: str) -> int:
    run = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return int(run.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_a_freed_block_is_reused_instead_of_faulted_in_again() -> None:
    assert keep_freed_memory()
    pages = (8 << 20) // 4096
    assert _second_touch_faults("keep") < pages // 10
    assert _second_touch_faults("default") > pages // 8  # glibc gives it back, faults it in
