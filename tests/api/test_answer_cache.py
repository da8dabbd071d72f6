"""The answer cache: least recently used answers go first once the byte budget is spent."""

from __future__ import annotations

import pytest

from api.answer_cache import AnswerCache


def test_the_least_recently_used_answer_goes_first() -> None:
    cache = AnswerCache(max_bytes=10)
    cache.put("a", b"aaaa")
    cache.put("b", b"bbbb")
    assert cache.get("a") == b"aaaa"  # "a" is now the most recently used
    cache.put("c", b"cccc")  # 12 bytes > 10: "b" goes
    assert cache.get("b") is None
    assert cache.get("a") == b"aaaa" and cache.get("c") == b"cccc"
    assert cache.bytes == 8 and len(cache) == 2
    assert (cache.hits, cache.misses) == (3, 1)


def test_replacing_an_answer_counts_its_bytes_once() -> None:
    cache = AnswerCache(max_bytes=10)
    cache.put("a", b"aaaa")
    cache.put("a", b"aaaaaa")
    assert cache.bytes == 6 and cache.get("a") == b"aaaaaa"


def test_an_answer_larger_than_the_budget_is_not_kept() -> None:
    cache = AnswerCache(max_bytes=4)
    cache.put("a", b"aa")
    cache.put("big", b"x" * 5)
    assert cache.get("big") is None and cache.get("a") == b"aa"


def test_a_zero_budget_keeps_nothing_and_a_negative_one_is_refused() -> None:
    cache = AnswerCache(max_bytes=0)
    cache.put("a", b"a")
    assert cache.get("a") is None and len(cache) == 0
    with pytest.raises(ValueError, match="'AnswerCache' needs max_bytes >= 0, got -1"):
        AnswerCache(max_bytes=-1)
