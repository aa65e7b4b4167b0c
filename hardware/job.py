"""Print jobs and their results: plain data, no I/O and no ESC/POS bytes.

A ``PrintJob`` is an ordered list of parts printed top to bottom, then a cut:

* ``RasterPart``: a 1-bit Pillow image (mode ``"1"``, black = ink) no wider than the paper.
* ``QrPart``: a QR code the printer draws itself (``GS ( k``) when its profile can, otherwise
  the same symbol is rasterised here; either way modules are ``module_dots`` dots square and
  there is no quiet zone (leave white space in the surrounding raster parts).
* ``FeedPart``: blank paper, in dots.

``hardware.encoding`` turns a job into bytes; ``hardware.printer`` sends it and returns a
``PrintResult``. A result is ``PRINTED`` only when nothing went wrong: any failure on the way
is ``FAILED`` with one ``FailureReason``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from hardware.status import PrinterStatus, Problem

__all__ = [
    "Align",
    "Cut",
    "ErrorCorrection",
    "FailureReason",
    "FeedPart",
    "Outcome",
    "Part",
    "PrintJob",
    "PrintResult",
    "QrPart",
    "RasterPart",
    "reason_for",
]


class Align(enum.Enum):
    LEFT = 0
    CENTER = 1
    RIGHT = 2


class ErrorCorrection(enum.Enum):
    """QR error-correction level; the value is the python-escpos/ESC/POS level number."""

    L = 0
    M = 1
    Q = 2
    H = 3


class Cut(enum.Enum):
    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


@dataclass(frozen=True, eq=False)
class RasterPart:
    """A 1-bit image printed as a raster bit image (``GS v 0``)."""

    image: Image.Image

    def __post_init__(self) -> None:
        if self.image.mode != "1":
            raise ValueError(
                f"raster parts must be 1-bit images (mode '1'), not {self.image.mode!r}"
            )
        if self.image.width < 1 or self.image.height < 1:
            raise ValueError("raster part is empty")


@dataclass(frozen=True)
class QrPart:
    """A QR code; ``module_dots`` is the module size in printer dots (1..16)."""

    text: str
    module_dots: int = 4
    error_correction: ErrorCorrection = ErrorCorrection.Q
    align: Align = Align.CENTER

    def __post_init__(self) -> None:
        if not self.text:
            raise ValueError("QR text is empty")
        if not 1 <= self.module_dots <= 16:
            raise ValueError("module_dots must be 1..16")
        if len(self.text.encode("utf-8")) > 7089:
            raise ValueError("QR text too long for any QR version")

    def __repr__(self) -> str:  # never put the payload in logs or tracebacks
        return f"QrPart(<{len(self.text)} chars>, module_dots={self.module_dots})"


@dataclass(frozen=True)
class FeedPart:
    """Blank paper, ``dots`` high."""

    dots: int

    def __post_init__(self) -> None:
        if self.dots < 0:
            raise ValueError("feed must be >= 0 dots")


Part = RasterPart | QrPart | FeedPart


@dataclass(frozen=True, eq=False)
class PrintJob:
    """What to print, in order, then how to cut."""

    parts: tuple[Part, ...]
    cut: Cut = Cut.FULL
    #: caller's reference for logs (a journal id, never personal data)
    label: str = ""

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError("a print job needs at least one part")

    @classmethod
    def of(cls, *parts: Part | Image.Image, cut: Cut = Cut.FULL, label: str = "") -> PrintJob:
        """Build a job; bare Pillow images become ``RasterPart``s."""
        built = tuple(RasterPart(p) if isinstance(p, Image.Image) else p for p in parts)
        return cls(built, cut=cut, label=label)


class Outcome(enum.Enum):
    PRINTED = "printed"
    FAILED = "failed"


class FailureReason(enum.Enum):
    """Why a job failed; the kiosk maps these to messages and to "call a technician"."""

    NO_ANSWER = "no-answer"  # the printer did not answer a status query
    GARBLED_ANSWER = "garbled-answer"
    OFFLINE = "offline"
    COVER_OPEN = "cover-open"
    PAPER_OUT = "paper-out"
    CUTTER_ERROR = "cutter-error"
    PRINTER_ERROR = "printer-error"  # unrecoverable / auto-recoverable / recoverable error
    CONNECTION_LOST = "connection-lost"
    TIMEOUT = "timeout"  # the job or its confirmation did not finish in time
    NOT_CONFIRMED = "not-confirmed"  # the printer took the bytes but never confirmed printing
    UNSUPPORTED = "unsupported"
    IO_ERROR = "io-error"


_PROBLEM_REASON = {
    Problem.NO_ANSWER: FailureReason.NO_ANSWER,
    Problem.GARBLED_ANSWER: FailureReason.GARBLED_ANSWER,
    Problem.OFFLINE: FailureReason.OFFLINE,
    Problem.COVER_OPEN: FailureReason.COVER_OPEN,
    Problem.PAPER_OUT: FailureReason.PAPER_OUT,
    Problem.CUTTER_ERROR: FailureReason.CUTTER_ERROR,
    Problem.UNRECOVERABLE_ERROR: FailureReason.PRINTER_ERROR,
    Problem.AUTO_RECOVERABLE_ERROR: FailureReason.PRINTER_ERROR,
    Problem.RECOVERABLE_ERROR: FailureReason.PRINTER_ERROR,
}

# When several problems show at once, name the one a person can fix first.
_PRIORITY = [
    Problem.NO_ANSWER,
    Problem.GARBLED_ANSWER,
    Problem.COVER_OPEN,
    Problem.PAPER_OUT,
    Problem.CUTTER_ERROR,
    Problem.UNRECOVERABLE_ERROR,
    Problem.AUTO_RECOVERABLE_ERROR,
    Problem.RECOVERABLE_ERROR,
    Problem.OFFLINE,
]


def reason_for(status: PrinterStatus) -> FailureReason | None:
    """The failure reason a not-ready status stands for (``None`` when it is ready)."""
    problems = set(status.problems)
    for problem in _PRIORITY:
        if problem in problems:
            return _PROBLEM_REASON[problem]
    return None


@dataclass(frozen=True)
class PrintResult:
    """What happened to one job."""

    outcome: Outcome
    reason: FailureReason | None = None
    #: True when the printer itself confirmed completion (Epson ``GS ( H``)
    confirmed: bool = False
    status_before: PrinterStatus | None = None
    status_after: PrinterStatus | None = None
    bytes_sent: int = 0
    seconds: float = 0.0
    detail: str = ""
    warnings: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.PRINTED

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "reason": self.reason.value if self.reason else None,
            "confirmed": self.confirmed,
            "bytes_sent": self.bytes_sent,
            "seconds": round(self.seconds, 3),
            "detail": self.detail,
            "warnings": [w.value for w in self.warnings],
            "status_before": self.status_before.to_json() if self.status_before else None,
            "status_after": self.status_after.to_json() if self.status_after else None,
        }
