"""The shared least-recently-used memo behind every in-memory cache."""

from __future__ import annotations

import threading

import pytest

from geodata.memo import LruMemo


def test_least_recently_used_goes_first() -> None:
    memo: LruMemo[str, int] = LruMemo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # "a" used: "b" is now the oldest
    memo.put("c", 3)
    assert memo.keys() == ["a", "c"] and memo.get("b") is None
    memo.put("a", 10)  # replacing refreshes too
    memo.put("d", 4)
    assert memo.keys() == ["a", "d"] and memo.get("a") == 10
    assert memo.pop("a") == 10 and memo.pop("a") is None and len(memo) == 1
    memo.clear()
    assert len(memo) == 0 and list(memo) == []


def test_get_or_build_builds_once_per_key() -> None:
    memo: LruMemo[int, list[int]] = LruMemo(3)
    calls: list[int] = []

    def build(k: int) -> list[int]:
        calls.append(k)
        return [k]

    first = memo.get_or_build(1, lambda: build(1))
    assert memo.get_or_build(1, lambda: build(1)) is first
    assert calls == [1]


def test_many_threads_never_exceed_the_size() -> None:
    memo: LruMemo[int, int] = LruMemo(5)

    def work(offset: int) -> None:
        for k in range(200):
            memo.get_or_build(offset + k % 17, lambda k=k: k)
            assert len(memo) <= 5

    threads = [threading.Thread(target=work, args=(i * 100,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(memo) == 5


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least one entry"):
        LruMemo(0)
