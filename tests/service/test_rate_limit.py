"""The sliding-window limit behind feedback.max_per_minute."""

from __future__ import annotations

import pytest

from service.rate_limit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_counts_per_key_within_the_window() -> None:
    clock = Clock()
    limiter = RateLimiter(2, 60.0, clock)
    assert limiter.retry_after("desk-1") is None
    clock.now += 10
    assert limiter.retry_after("desk-1") is None
    assert limiter.retry_after("desk-2") is None
    assert limiter.retry_after("desk-1") == 50
    clock.now += 49.5
    assert limiter.retry_after("desk-1") == 1
    clock.now += 0.5
    assert limiter.retry_after("desk-1") is None
    assert limiter.retry_after("desk-1") == 10


def test_refused_events_are_not_counted() -> None:
    clock = Clock()
    limiter = RateLimiter(1, 60.0, clock)
    assert limiter.retry_after("k") is None
    for _ in range(5):
        assert limiter.retry_after("k") == 60
    clock.now += 60
    assert limiter.retry_after("k") is None


@pytest.mark.parametrize(("limit", "window"), [(0, 60.0), (1, 0.0)])
def test_nonsense_limits_are_refused(limit: int, window: float) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RateLimiter(limit, window)
