"""DLE EOT parsing as pure functions: reference byte values, every byte, reply splitting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hardware.job import FailureReason, reason_for
from hardware.status import (
    QUERIES,
    Condition,
    Cover,
    Online,
    Paper,
    Problem,
    ProcessIdReply,
    Reply,
    StatusByte,
    is_status_byte,
    parse_status,
    split_replies,
)

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "vectors" / "dle_eot.json").read_text(encoding="utf-8")
)["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_reference_status_bytes(case: dict[str, Any]) -> None:
    status = parse_status(*case["bytes"])
    assert status.ready is case["ready"]
    assert [p.value for p in status.problems] == case["problems"]
    assert [w.value for w in status.warnings] == case.get("warnings", [])
    assert status.paper.value == case["paper"]
    assert status.online.value == case["online"]
    assert status.cover.value == case["cover"]


def test_queries_are_dle_eot_1_to_4() -> None:
    assert QUERIES == (b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x03", b"\x10\x04\x04")


@pytest.mark.parametrize("value", range(256))
def test_every_byte_is_either_a_status_or_garbled(value: int) -> None:
    reply = StatusByte.of(value)
    fixed_ok = value & 0x01 == 0 and value & 0x02 and value & 0x10 and value & 0x80 == 0
    assert is_status_byte(value) is bool(fixed_ok)
    assert reply.reply is (Reply.ANSWERED if fixed_ok else Reply.GARBLED)
    status = parse_status(value, value, value, value)
    if not fixed_ok:
        assert status.online is Online.UNKNOWN
        assert status.paper is Paper.UNKNOWN
        assert status.cutter is Condition.UNKNOWN
        assert not status.ready
        assert Problem.GARBLED_ANSWER in status.problems


def test_no_answer_is_never_ok() -> None:
    status = parse_status(None, None, None, None)
    assert not status.ready
    assert status.problems == [Problem.NO_ANSWER]
    assert (status.online, status.cover, status.paper) == (
        Online.UNKNOWN,
        Cover.UNKNOWN,
        Paper.UNKNOWN,
    )
    assert {status.cutter, status.unrecoverable, status.auto_recoverable} == {Condition.UNKNOWN}
    assert reason_for(status) is FailureReason.NO_ANSWER


def test_failure_reason_names_the_fixable_cause_first() -> None:
    cover_open_and_offline = parse_status(0x1A, 0x16, 0x12, 0x12)
    assert reason_for(cover_open_and_offline) is FailureReason.COVER_OPEN
    paper_out = parse_status(0x1A, 0x32, 0x12, 0x7E)
    assert reason_for(paper_out) is FailureReason.PAPER_OUT
    assert reason_for(parse_status(0x12, 0x12, 0x12, 0x1E)) is None  # near end still prints


def test_status_json_is_plain_data() -> None:
    data = parse_status(0x12, 0x12, 0x12, 0x1E).to_json()
    assert data["ready"] is True
    assert data["paper"] == "near-end"
    assert data["warnings"] == ["paper-near-end"]
    assert data["raw"] == [0x12, 0x12, 0x12, 0x1E]
    json.dumps(data)


def test_split_replies_separates_process_id_blocks() -> None:
    # a process-id reply whose digits look like status bytes (0x32 = '2' has the fixed bits)
    stream = b"\x12" + b"\x37\x22" + b"2222" + b"\x00" + b"\x1a\x12"
    items, rest, junk = split_replies(stream)
    assert items == [0x12, ProcessIdReply(b"2222"), 0x1A, 0x12]
    assert rest == b""
    assert junk == []


def test_split_replies_keeps_an_incomplete_block() -> None:
    items, rest, _ = split_replies(b"\x12\x37\x22\x30\x31")
    assert items == [0x12]
    assert rest == b"\x37\x22\x30\x31"
    items, rest, _ = split_replies(rest + b"\x32\x33\x00")
    assert items == [ProcessIdReply(b"0123")]
    assert rest == b""


def test_split_replies_reports_junk() -> None:
    items, rest, junk = split_replies(b"\xff\x12\x00")
    assert items == [0xFF, 0x12, 0x00]
    assert junk == [0xFF, 0x00]
    assert rest == b""
