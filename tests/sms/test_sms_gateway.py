"""The outbox drained through real gateways to the SMSC simulator over TCP: SMPP (receipts,
long Arabic, SMSC down and back, bind refused, delivery failed) and the HTTP SMS API."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from registry.db import Database
from registry.models import SmsMessage
from registry.sms import outbox, worker
from registry.sms.http_gateway import HttpGateway
from registry.sms.smpp import SmppGateway
from sanad.sim.smsc import Smsc
from tests.sms.conftest import ALWAYS, NUMBER
from tests.support.servers import wait_for

LONG_AR = {
    "document_ar": "بيان قيد عائلي",
    "document_en": "family civil-status extract",
    "centre_ar": "مركز خدمة المواطن في أمانة السجل المدني - إربد",
    "centre_en": "Citizen Service Centre, Irbid",
}


def _gateway(smsc: Smsc, *, transceiver: bool = True) -> SmppGateway:
    return SmppGateway(
        "127.0.0.1",
        smsc.port,
        system_id="sanad",
        password="secret",
        timeout=3,
        transceiver=transceiver,
    )


def _enqueue(db: Database, template: str, values: dict[str, str], language: str = "ar") -> int:
    with db.session() as s:
        message_id = outbox.enqueue(
            s,
            to=NUMBER,
            template=template,
            language=language,
            values=values,
            now=dt.datetime.now(dt.UTC),
        )
    assert message_id is not None
    return message_id


def _row(db: Database, message_id: int) -> SmsMessage:
    with db.session() as s:
        row = s.get(SmsMessage, message_id)
        assert row is not None
        return row


def test_a_queued_code_arrives_and_its_receipt_is_stored(db: Database, smsc: Smsc) -> None:
    message_id = _enqueue(db, "otp", {"code": "482913", "minutes": "5"})
    total = worker.run(db, _gateway(smsc), ALWAYS, once=True, idle=1.0)
    assert total.sent == 1 and total.receipts == 1
    [got] = smsc.messages(NUMBER)
    assert "482913" in got["text"] and got["data_coding"] == 8 and got["parts"] == 1
    row = _row(db, message_id)
    assert row.state == "delivered" and row.smsc_message_id == got["id"]
    assert row.receipt_at is not None
    # the simulator's log file has it too, owner-only
    assert smsc.log_path is not None and "482913" in smsc.log_path.read_text(encoding="utf-8")
    assert smsc.log_path.stat().st_mode & 0o077 == 0


def test_an_arabic_message_longer_than_one_segment_arrives_whole(db: Database, smsc: Smsc) -> None:
    message_id = _enqueue(db, "kiosk_printed", LONG_AR)
    assert _row(db, message_id).segments == 3
    worker.run(db, _gateway(smsc), ALWAYS, once=True, idle=1.0)
    [got] = smsc.messages()
    assert got["parts"] == 3 and len(got["ids"]) == 3
    assert got["text"] == _row(db, message_id).body
    assert "بيان قيد عائلي" in got["text"] and "إربد" in got["text"]
    assert _row(db, message_id).state == "delivered"


def test_smsc_down_keeps_messages_queued_until_it_returns(db: Database, smsc: Smsc) -> None:
    smsc.set_faults(down=True)
    ids = [_enqueue(db, "order_paid", {"order_code": f"K7Q-M2X-A9{c}"}, "en") for c in "CD"]
    g = _gateway(smsc)
    r = worker.drain_once(db, g, ALWAYS, worker_id="w")
    g.close()
    assert r.sent == 0 and r.unavailable and "cannot reach the SMSC" in r.unavailable
    rows = [_row(db, i) for i in ids]
    assert [x.state for x in rows] == ["queued", "queued"]
    assert [x.attempts for x in rows] == [1, 0]  # the untried one was released, not counted
    smsc.set_faults(down=False)
    total = worker.run(db, _gateway(smsc), ALWAYS, once=True, idle=1.0)
    assert total.sent == 2
    assert sorted(m["text"][-12:] for m in smsc.messages()) == sorted(
        _row(db, i).body[-12:] for i in ids
    )
    assert [_row(db, i).state for i in ids] == ["delivered", "delivered"]


def test_bind_refused_backs_off_and_records_no_personal_data(db: Database, smsc: Smsc) -> None:
    smsc.set_faults(bind_refused=True)
    policy = outbox.Policy(
        quiet_start=dt.time(0), quiet_end=dt.time(0), retry_base=dt.timedelta(seconds=30)
    )
    message_id = _enqueue(db, "otp", {"code": "482913", "minutes": "5"})
    before = dt.datetime.now(dt.UTC)
    g = _gateway(smsc)
    r = worker.drain_once(db, g, policy, worker_id="w")
    assert r.sent == 0 and r.retried == 1
    row = _row(db, message_id)
    assert row.state == "queued" and row.attempts == 1
    assert row.not_before >= before + dt.timedelta(seconds=30)
    assert row.last_error is not None and "0x0000000d" in row.last_error
    for secret in ("482913", NUMBER, NUMBER[1:], "791234567"):
        assert secret not in row.last_error
    assert smsc.messages() == []
    # not due yet: a second round sends nothing; once the SMSC binds and the wait is over, it goes
    assert worker.drain_once(db, g, policy, worker_id="w").claimed == 0
    smsc.set_faults(bind_refused=False)
    later = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=31)  # noqa: E731
    r = worker.drain_once(db, g, policy, worker_id="w", clock=later)
    g.close()
    assert r.sent == 1 and len(smsc.messages()) == 1


def test_delivery_failed_is_stored_as_undeliverable(db: Database, smsc: Smsc) -> None:
    smsc.set_faults(delivery="fail")
    message_id = _enqueue(db, "order_dispatched", {"order_code": "K7Q", "tracking": "RR1JO"})
    worker.run(db, _gateway(smsc), ALWAYS, once=True, idle=1.0)
    row = _row(db, message_id)
    assert row.state == "undeliverable" and row.smsc_message_id
    assert smsc.messages()[0]["receipt"] == "UNDELIV"


def test_a_transmitter_bind_asks_no_receipt_and_stays_sent(db: Database, smsc: Smsc) -> None:
    message_id = _enqueue(db, "order_paid", {"order_code": "K7Q-M2X-A9C"})
    worker.run(db, _gateway(smsc, transceiver=False), ALWAYS, once=True, idle=0.3)
    assert _row(db, message_id).state == "sent"
    assert smsc.messages()[0]["receipt"] is None


def test_the_http_gateway_sends_once_per_message(db: Database, smsc: Smsc) -> None:
    base = f"http://127.0.0.1:{smsc.control_port}/api/"
    message_id = _enqueue(
        db,
        "order_ready",
        {
            "order_code": "K7Q-M2X-A9C",
            "place_ar": "عمّان",
            "place_en": "Amman",
        },
        "en",
    )
    total = worker.run(db, HttpGateway(base, token="t"), ALWAYS, once=True, idle=0.1)
    assert total.sent == 1
    row = _row(db, message_id)
    assert row.state == "sent" and row.smsc_message_id == smsc.messages()[0]["id"]
    # a resend of the same outbox row (after a crash) is recognised by its Idempotency-Key
    again = HttpGateway(base, token="t")
    again.idempotency_key = f"sanad-sms-{message_id}"
    assert again.send(NUMBER, row.body) == row.smsc_message_id
    assert len(smsc.messages()) == 1
    smsc.set_faults(down=True)
    gone = HttpGateway(base, token="t")
    message2 = _enqueue(db, "order_paid", {"order_code": "K7Q-M2X-A9D"})
    r = worker.drain_once(db, gone, ALWAYS, worker_id="w")
    assert r.unavailable and "503" in r.unavailable
    assert _row(db, message2).state == "queued"
    gone.close()


def test_the_simulator_answers_enquire_link_and_unbind(smsc: Smsc) -> None:
    import smpplib.client
    import smpplib.smpp

    c = smpplib.client.Client("127.0.0.1", smsc.port, timeout=3, allow_unknown_opt_params=True)
    c.connect()
    c.bind_transceiver(system_id="x", password="y")
    link = smpplib.smpp.make_pdu("enquire_link", client=c)
    c.send_pdu(link)
    assert c.read_pdu().command == "enquire_link_resp"
    assert wait_for(lambda: smsc.status()["bound"] == 1, 5, "the link to show as bound")
    assert c.unbind().command == "unbind_resp"
    c.disconnect()
    assert wait_for(lambda: smsc.status()["links"] == 0, 5, "the link to close")


def test_no_number_or_code_reaches_the_log_even_at_debug(
    db: Database, smsc: Smsc, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _enqueue(db, "otp", {"code": "482913", "minutes": "5"})
    smsc.set_faults(bind_refused=True)
    worker.run(db, _gateway(smsc), ALWAYS, once=True, idle=0.1)
    smsc.set_faults(bind_refused=False)
    worker.run(db, _gateway(smsc), ALWAYS, once=True, idle=0.5)
    assert len(smsc.messages()) == 1
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    # the code and the number, also as smpplib would dump them (hex of UCS-2, of ASCII)
    for secret in ("482913", NUMBER, NUMBER[1:], "791234567", "0034003800320039", "3739313233"):
        assert secret not in logged
