"""A clock a test moves by hand, for code that takes a `clock: Callable[[], float]`.

It replaces `time.sleep` in tests of time-dependent policy (rate limits, refill, back-off):
the test says how much time passes, so the outcome does not depend on how busy the machine is.
"""

from __future__ import annotations

import threading

__all__ = ["ManualClock"]


class ManualClock:
    """Monotonic seconds that move only when `advance` is called; safe to read from any thread."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a monotonic clock does not go back")
        with self._lock:
            self._now += seconds
