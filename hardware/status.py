"""ESC/POS real-time status: DLE EOT n (n = 1..4) reply bytes -> enums, as pure functions.

Byte layouts follow the ESC/POS reference (Epson, and the Citizen/Bixolon/CBM manuals that copy
it). Every valid reply byte has bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0 (``0xx1xx10``); a
byte that does not is *garbled*, not a status. A query that got no byte at all is *no answer*.
Neither is ever read as "OK": a printer that does not answer is ``UNKNOWN`` in every field
(python-escpos reports "paper adequate" for silence; this module does not).

    n = 1 printer:  bit 2 drawer pin 3 high, bit 3 offline, bit 5 waiting for online recovery,
                    bit 6 FEED button pressed
    n = 2 offline:  bit 2 cover open, bit 3 paper being fed by FEED, bit 5 stopped at paper end,
                    bit 6 error occurred
    n = 3 error:    bit 3 autocutter error (recoverable with DLE ENQ), bit 5 unrecoverable error,
                    bit 6 auto-recoverable error (head overheat, cover opened while printing);
                    bit 2 is model-specific (black mark error on some) and read as recoverable
    n = 4 paper:    bits 2,3 roll near end, bits 5,6 roll end (paper out)

It also splits a reply stream into status bytes and Epson ``GS ( H`` process-ID replies
(``37 22 d1 d2 d3 d4 00``). It does no I/O: ``hardware.printer`` sends the queries.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "QUERIES",
    "Condition",
    "Cover",
    "Online",
    "Paper",
    "PrinterState",
    "PrinterStatus",
    "Problem",
    "ProcessIdReply",
    "Reply",
    "StatusByte",
    "is_status_byte",
    "parse_status",
    "split_replies",
    "status_from_replies",
]

DLE = 0x10
EOT = 0x04
#: DLE EOT n for n = 1..4, in the order ``status_from_replies`` expects them.
QUERIES: tuple[bytes, ...] = tuple(bytes((DLE, EOT, n)) for n in (1, 2, 3, 4))

_FIXED_MASK = 0x93  # bits 0, 1, 4, 7
_FIXED_VALUE = 0x12  # bit 1 and bit 4 set, bits 0 and 7 clear

_PROCESS_ID_HEADER = 0x37
_PROCESS_ID_KIND = 0x22


class Reply(enum.Enum):
    """What one status query got back."""

    ANSWERED = "answered"
    NO_ANSWER = "no-answer"
    GARBLED = "garbled"


class Online(enum.Enum):
    ONLINE = "online"
    OFFLINE = "offline"
    UNKNOWN = "unknown"


class Cover(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    UNKNOWN = "unknown"


class Paper(enum.Enum):
    ADEQUATE = "adequate"
    NEAR_END = "near-end"
    OUT = "out"
    UNKNOWN = "unknown"


class Condition(enum.Enum):
    """A fault flag: present, absent, or not known because the printer did not say."""

    OK = "ok"
    FAULT = "fault"
    UNKNOWN = "unknown"


class Problem(enum.Enum):
    """Named reasons a printer is not ready (``PAPER_NEAR_END`` is only a warning)."""

    NO_ANSWER = "no-answer"
    GARBLED_ANSWER = "garbled-answer"
    OFFLINE = "offline"
    COVER_OPEN = "cover-open"
    PAPER_OUT = "paper-out"
    PAPER_NEAR_END = "paper-near-end"
    CUTTER_ERROR = "cutter-error"
    UNRECOVERABLE_ERROR = "unrecoverable-error"
    AUTO_RECOVERABLE_ERROR = "auto-recoverable-error"
    RECOVERABLE_ERROR = "recoverable-error"

    @property
    def is_warning(self) -> bool:
        return self is Problem.PAPER_NEAR_END

    @property
    def describe(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Problem.NO_ANSWER: "the printer did not answer the status query",
    Problem.GARBLED_ANSWER: "the printer answered with bytes that are not a status",
    Problem.OFFLINE: "the printer is offline",
    Problem.COVER_OPEN: "the paper cover is open",
    Problem.PAPER_OUT: "the paper roll is empty",
    Problem.PAPER_NEAR_END: "the paper roll is nearly empty",
    Problem.CUTTER_ERROR: "the autocutter is jammed",
    Problem.UNRECOVERABLE_ERROR: "the printer reports an unrecoverable error",
    Problem.AUTO_RECOVERABLE_ERROR: "the printer paused itself (head too hot or cover opened)",
    Problem.RECOVERABLE_ERROR: "the printer reports a recoverable error",
}

#: Problems that ``DLE ENQ`` may clear.
RECOVERABLE_PROBLEMS = frozenset({Problem.CUTTER_ERROR, Problem.RECOVERABLE_ERROR})


def is_status_byte(value: int) -> bool:
    """True when ``value`` has the fixed bits of a DLE EOT reply (``0xx1xx10``)."""
    return (value & _FIXED_MASK) == _FIXED_VALUE


@dataclass(frozen=True)
class StatusByte:
    """One query's outcome: the byte if one came back and had the fixed bits right."""

    reply: Reply
    value: int | None = None

    @classmethod
    def of(cls, value: int | None) -> StatusByte:
        if value is None:
            return cls(Reply.NO_ANSWER)
        if not is_status_byte(value):
            return cls(Reply.GARBLED, value)
        return cls(Reply.ANSWERED, value)

    def bit(self, n: int) -> bool | None:
        if self.reply is not Reply.ANSWERED or self.value is None:
            return None
        return bool(self.value & (1 << n))


def _condition(flag: bool | None) -> Condition:
    if flag is None:
        return Condition.UNKNOWN
    return Condition.FAULT if flag else Condition.OK


class PrinterState(enum.Enum):
    """The one word a caller (the kiosk's session, its heartbeat) needs from a full status:
    the single printer-state enum of Sanad (`PrinterStatus.state` gives it)."""

    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"  # still prints; the technician is told
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    ERROR = "error"
    UNKNOWN = "unknown"  # no answer: never taken for "paper OK"

    @property
    def can_print(self) -> bool:
        return self in (PrinterState.READY, PrinterState.PAPER_NEAR_END)


_FAULTS = frozenset(
    {
        Problem.CUTTER_ERROR,
        Problem.UNRECOVERABLE_ERROR,
        Problem.AUTO_RECOVERABLE_ERROR,
        Problem.RECOVERABLE_ERROR,
    }
)


@dataclass(frozen=True)
class PrinterStatus:
    """A printer's state from the four DLE EOT replies; fields are ``UNKNOWN`` without a reply."""

    online: Online
    cover: Cover
    paper: Paper
    cutter: Condition
    unrecoverable: Condition
    auto_recoverable: Condition
    recoverable: Condition
    paper_end_stop: Condition
    replies: tuple[StatusByte, StatusByte, StatusByte, StatusByte]

    @property
    def raw_bytes(self) -> tuple[int | None, ...]:
        """The four reply bytes as received (``None`` where nothing came)."""
        return tuple(r.value for r in self.replies)

    @property
    def answered(self) -> bool:
        """True when all four queries got a valid status byte."""
        return all(r.reply is Reply.ANSWERED for r in self.replies)

    @property
    def problems(self) -> list[Problem]:
        """Every named reason this printer cannot print now (warnings excluded)."""
        found: list[Problem] = []
        kinds = {r.reply for r in self.replies}
        if Reply.NO_ANSWER in kinds:
            found.append(Problem.NO_ANSWER)
        if Reply.GARBLED in kinds:
            found.append(Problem.GARBLED_ANSWER)
        if self.online is Online.OFFLINE:
            found.append(Problem.OFFLINE)
        if self.cover is Cover.OPEN:
            found.append(Problem.COVER_OPEN)
        if self.paper is Paper.OUT or self.paper_end_stop is Condition.FAULT:
            found.append(Problem.PAPER_OUT)
        for condition, problem in (
            (self.cutter, Problem.CUTTER_ERROR),
            (self.unrecoverable, Problem.UNRECOVERABLE_ERROR),
            (self.auto_recoverable, Problem.AUTO_RECOVERABLE_ERROR),
            (self.recoverable, Problem.RECOVERABLE_ERROR),
        ):
            if condition is Condition.FAULT:
                found.append(problem)
        return found

    @property
    def warnings(self) -> list[Problem]:
        return [Problem.PAPER_NEAR_END] if self.paper is Paper.NEAR_END else []

    @property
    def ready(self) -> bool:
        """True only when every query answered and nothing stops printing."""
        return self.answered and not self.problems

    @property
    def state(self) -> PrinterState:
        """The status as one `PrinterState`, worst problem first (no answer is UNKNOWN)."""
        problems = set(self.problems)
        if problems & {Problem.NO_ANSWER, Problem.GARBLED_ANSWER}:
            return PrinterState.UNKNOWN
        if Problem.COVER_OPEN in problems:
            return PrinterState.COVER_OPEN
        if Problem.PAPER_OUT in problems:
            return PrinterState.PAPER_OUT
        if problems & _FAULTS:
            return PrinterState.ERROR
        if Problem.OFFLINE in problems:
            return PrinterState.OFFLINE
        if not self.ready:
            return PrinterState.UNKNOWN
        if Problem.PAPER_NEAR_END in self.warnings:
            return PrinterState.PAPER_NEAR_END
        return PrinterState.READY

    def to_json(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "online": self.online.value,
            "cover": self.cover.value,
            "paper": self.paper.value,
            "cutter": self.cutter.value,
            "unrecoverable_error": self.unrecoverable.value,
            "auto_recoverable_error": self.auto_recoverable.value,
            "recoverable_error": self.recoverable.value,
            "paper_end_stop": self.paper_end_stop.value,
            "problems": [p.value for p in self.problems],
            "warnings": [p.value for p in self.warnings],
            "raw": [r.value for r in self.replies],
            "replies": [r.reply.value for r in self.replies],
        }


def parse_status(
    printer: int | None, offline: int | None, error: int | None, paper: int | None
) -> PrinterStatus:
    """Build a status from the bytes DLE EOT 1, 2, 3 and 4 returned (``None`` = no answer)."""
    replies = (
        StatusByte.of(printer),
        StatusByte.of(offline),
        StatusByte.of(error),
        StatusByte.of(paper),
    )
    return status_from_replies(replies)


def status_from_replies(
    replies: tuple[StatusByte, StatusByte, StatusByte, StatusByte],
) -> PrinterStatus:
    r1, r2, r3, r4 = replies
    offline_bit = r1.bit(3)
    online = (
        Online.UNKNOWN
        if offline_bit is None
        else (Online.OFFLINE if offline_bit else Online.ONLINE)
    )
    cover_bit = r2.bit(2)
    cover = Cover.UNKNOWN if cover_bit is None else (Cover.OPEN if cover_bit else Cover.CLOSED)
    near = (r4.bit(2), r4.bit(3))
    end = (r4.bit(5), r4.bit(6))
    if r4.reply is not Reply.ANSWERED:
        paper_state = Paper.UNKNOWN
    elif any(end):
        paper_state = Paper.OUT
    elif any(near):
        paper_state = Paper.NEAR_END
    else:
        paper_state = Paper.ADEQUATE
    return PrinterStatus(
        online=online,
        cover=cover,
        paper=paper_state,
        cutter=_condition(r3.bit(3)),
        unrecoverable=_condition(r3.bit(5)),
        auto_recoverable=_condition(r3.bit(6)),
        recoverable=_condition(r3.bit(2)),
        paper_end_stop=_condition(r2.bit(5)),
        replies=replies,
    )


@dataclass(frozen=True)
class ProcessIdReply:
    """An Epson ``GS ( H`` completion reply: the printer finished everything sent before it."""

    process_id: bytes


def split_replies(buffer: bytes) -> tuple[list[int | ProcessIdReply], bytes, list[int]]:
    """Split bytes read from a printer into status bytes and process-ID replies.

    Returns ``(items, rest, junk)``: ``items`` in arrival order (an ``int`` for a single reply
    byte, a ``ProcessIdReply`` for a complete ``37 22 .. 00`` block), ``rest`` an incomplete
    process-ID block to keep for the next read, and ``junk`` bytes that fit neither (also kept
    in ``items`` as ints, so a garbled status reply still occupies its slot).
    """
    items: list[int | ProcessIdReply] = []
    junk: list[int] = []
    i = 0
    while i < len(buffer):
        b = buffer[i]
        if b == _PROCESS_ID_HEADER and i + 1 < len(buffer) and buffer[i + 1] == _PROCESS_ID_KIND:
            end = buffer.find(b"\x00", i + 2)
            if end < 0:
                if len(buffer) - i > 16:  # no terminator within any sane length: junk
                    junk.append(b)
                    items.append(b)
                    i += 1
                    continue
                return items, buffer[i:], junk
            items.append(ProcessIdReply(bytes(buffer[i + 2 : end])))
            i = end + 1
            continue
        if b == _PROCESS_ID_HEADER and i + 1 == len(buffer):
            return items, buffer[i:], junk
        if not is_status_byte(b):
            junk.append(b)
        items.append(b)
        i += 1
    return items, b"", junk


#: Reply byte for each query when a printer is idle and well (useful to emulators and tests).
IDLE_BYTES: Mapping[int, int] = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}
