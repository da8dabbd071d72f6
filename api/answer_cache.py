"""Encoded answers kept for reuse: `/similar/{movie}` is a pure function of the index's state.

An answer's key names the index generation it was computed from
(:attr:`index.movie_index.MovieIndex.generation`, new with every add or remove and unique in
the process), so a registration, a rolled-back registration or a reload makes every older
answer unreachable at once; nothing has to be invalidated by hand. Least recently used answers
are dropped once the cache holds more than its byte budget.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class AnswerCache:
    """A thread-safe LRU of encoded answers, bounded by their total size in bytes.

    Args:
        max_bytes: the budget; 0 keeps nothing (every ``get`` misses).
    """

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError(f"'{self.__class__.__name__}' needs max_bytes >= 0, got {max_bytes}")
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._answers: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: Hashable) -> bytes | None:
        """The answer stored under ``key`` (now the most recently used), or ``None``."""
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: Hashable, answer: bytes) -> None:
        """Keep ``answer``, dropping the least recently used ones beyond the budget; an answer
        larger than the whole budget is not kept."""
        if len(answer) > self.max_bytes:
            return
        with self._lock:
            previous = self._answers.pop(key, None)
            if previous is not None:
                self.bytes -= len(previous)
            self._answers[key] = answer
            self.bytes += len(answer)
            while self.bytes > self.max_bytes:
                _, dropped = self._answers.popitem(last=False)
                self.bytes -= len(dropped)
