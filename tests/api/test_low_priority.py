import os
import sys
import threading

import pytest

from api.low_priority import run_at_low_priority


def test_returns_the_work_s_result_from_another_thread() -> None:
    caller = threading.get_ident()
    assert run_at_low_priority(lambda: threading.get_ident() != caller)


def test_raises_the_work_s_exception_in_the_caller() -> None:
    def fail() -> None:
        raise ValueError("damaged bundle")

    with pytest.raises(ValueError, match="damaged bundle"):
        run_at_low_priority(fail)


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread niceness is Linux's")
def test_work_runs_niced_and_the_caller_keeps_its_priority() -> None:
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def own_niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    assert run_at_low_priority(own_niceness, niceness=5) == min(before + 5, 19)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
