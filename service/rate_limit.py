"""A per-key sliding-window limit on how often something may happen (feedback per operator)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most ``limit`` events per key within any ``window_s`` seconds, in this process.

    Each key keeps the times of its recent events (at most ``limit``), so memory is bounded by
    keys x limit; keys are operator ids from the configured API keys, a small set.
    """

    def __init__(
        self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be at least 1 and window_s positive")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """Count one event for ``key``; None when it is allowed, else whole seconds to wait.

        A refused event is not counted, so a caller who waits the given time gets through.
        """
        now = self._clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return max(1, math.ceil(events[0] + self.window_s - now))
            events.append(now)
            return None
