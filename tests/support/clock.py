"""A clock a test moves by hand, for code that takes a `clock: Callable[[], float]`.

It replaces `time.sleep` in tests of time-dependent policy (rate limits, refill, back-off):
the test says how much time passes, so the outcome does not depend on how busy the machine is.
"""

from __future__ import annotations

import datetime as dt
import threading

__all__ = ["ManualClock", "ManualUTCClock"]


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


class ManualUTCClock:
    """Aware UTC datetimes that move only when `advance` is called (for a registry's clock).
    It starts at the real time, whole seconds, so signatures made with the real clock stay
    within the allowed skew while a test moves it by seconds."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or dt.datetime.now(dt.UTC).replace(microsecond=0)
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock does not go back")
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)
