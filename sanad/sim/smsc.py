"""`sanad sim smsc`: an SMSC simulator, a real SMPP 3.4 server for the demo and the tests.

It accepts bind_transmitter / bind_transceiver / bind_receiver, submit_sm (reassembling
UDH-concatenated parts, decoding GSM-7 and UCS-2), answers submit_sm_resp with a message id
and, when the submit asked for one (registered_delivery) on a link that can receive, sends a
deliver_sm delivery receipt (stat:DELIVRD, or UNDELIV under the "delivery failed" fault); it
answers enquire_link and unbind. PDUs are parsed and built with smpplib's own classes.

A message is *accepted* when its submit_sm_resp is written to a connection that is still open:
a client that went away while the simulator was slow (the "slow" fault delays every response)
has sent nothing, just as an SMSC discards a submit it never acknowledged. That rule is what
the exactly-once test relies on; it is also how operators' SMSCs behave on a lost link.

Faults on demand, from the command line or the control endpoint (`POST /faults` with any of
{"down": bool, "slow": seconds, "bind_refused": bool, "delivery": "ok"|"fail"|"none"}):
down refuses connections (the listening socket is closed, existing links dropped); slow
delays each response; bind_refused answers ESME_RBINDFAIL; delivery "fail" sends UNDELIV
receipts, "none" sends none.

What it received: a JSON-lines log file (owner-only: it holds numbers and one-time codes; demo
data) and `GET /messages` on the control port, the reassembled messages newest last
(`?to=+9627...` filters). `GET /status` counts links and submits in flight. The control port
also serves the HTTP SMS API shape `registry.sms.http_gateway` speaks (`POST /api/messages`,
Idempotency-Key honoured), so both gateway kinds have a counterpart here.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import logging
import os
import signal
import struct
import threading
import uuid
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import click

from registry.sms import encoding

__all__ = ["Faults", "Smsc", "command"]

log = logging.getLogger(__name__)

ESME_ROK, ESME_RINVBNDSTS, ESME_RBINDFAIL, ESME_RSYSERR = 0x00, 0x04, 0x0D, 0x08
MAX_PDU = 64 * 1024


@dataclass
class Faults:
    down: bool = False
    slow: float = 0.0
    bind_refused: bool = False
    delivery: str = "ok"  # "ok", "fail" or "none"


class _Sequence:
    """What smpplib's PDUs ask of a client: a sequence number source."""

    def __init__(self) -> None:
        self._n = itertools.count(1)
        self.sequence = 0

    def next_sequence(self) -> int:
        self.sequence = next(self._n)
        return self.sequence


@dataclass
class _Link:
    id: int
    mode: str | None = None  # "tx", "rx", "trx" once bound
    writer: asyncio.StreamWriter | None = None
    partial: dict[tuple[str, int, int], dict[int, bytes]] = field(default_factory=dict)
    partial_ids: dict[tuple[str, int, int], list[str]] = field(default_factory=dict)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return "" if value is None else str(value)


def _split_udh(payload: bytes) -> tuple[int, int, int, bytes] | None:
    """(reference, total, seq, text octets) from a UDH-led short_message, if it concatenates."""
    if not payload:
        return None
    udhl = payload[0]
    header, body = payload[1 : 1 + udhl], payload[1 + udhl :]
    i = 0
    while i + 1 < len(header):
        iei, length = header[i], header[i + 1]
        data = header[i + 2 : i + 2 + length]
        if iei == 0x00 and length == 3:
            return data[0], data[1], data[2], body
        if iei == 0x08 and length == 4:
            return (data[0] << 8) | data[1], data[2], data[3], body
        i += 2 + length
    return None


class Smsc:
    """The simulator: an SMPP server and an HTTP control endpoint, on a thread of their own
    (`start`, `stop`), or in the foreground through `sanad sim smsc`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        control_port: int = 0,
        log_path: Path | None = None,
        faults: Faults | None = None,
        receipt_delay: float = 0.05,
    ) -> None:
        self.host, self.port, self.control_port = host, port, control_port
        self.log_path = log_path
        self.faults = faults or Faults()
        self.receipt_delay = receipt_delay
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []
        self._http_keys: dict[str, dict[str, Any]] = {}
        self._links: dict[int, _Link] = {}
        self._link_ids = itertools.count(1)
        self._ids = itertools.count(1)
        self._in_flight = 0
        self._submits = 0
        self._binds = 0
        self._seq = _Sequence()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._http: ThreadingHTTPServer | None = None
        self._ready = threading.Event()
        self._tasks: set[asyncio.Future[None]] = set()

    # -- life ----------------------------------------------------------------------------------

    def start(self) -> Smsc:
        self._thread = threading.Thread(target=self._run_loop, name="smsc", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the SMSC simulator did not start")
        self._http = ThreadingHTTPServer((self.host, self.control_port), self._handler())
        self._http.daemon_threads = True
        self.control_port = self._http.server_address[1]
        threading.Thread(target=self._http.serve_forever, name="smsc-control", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._close_all(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> Smsc:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run_loop(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        if not self.faults.down:
            loop.run_until_complete(self._listen())
        else:
            self._reserve_port()
        self._ready.set()
        loop.run_forever()
        loop.close()

    def _reserve_port(self) -> None:
        if self.port == 0:  # "down" from the start: still choose the port it will use
            import socket

            with socket.socket() as s:
                s.bind((self.host, 0))
                self.port = s.getsockname()[1]

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._serve_link, self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close_all(self, *, listening_too: bool = True) -> None:
        if listening_too and self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for link in list(self._links.values()):
            if link.writer is not None:
                link.writer.close()
        if listening_too:
            for task in list(self._tasks):
                task.cancel()

    # -- faults --------------------------------------------------------------------------------

    def set_faults(self, **changes: Any) -> Faults:
        """Change faults at run time (the control endpoint's POST /faults)."""
        unknown = set(changes) - set(asdict(self.faults))
        if unknown:
            raise ValueError(f"unknown fault {', '.join(sorted(unknown))}")
        if "delivery" in changes and changes["delivery"] not in ("ok", "fail", "none"):
            raise ValueError("delivery is ok, fail or none")
        if "slow" in changes:
            changes["slow"] = float(changes["slow"])
            if not 0 <= changes["slow"] <= 600:
                raise ValueError("slow is 0 to 600 seconds")
        was_down = self.faults.down
        for k, v in changes.items():
            setattr(self.faults, k, v)
        assert self._loop is not None
        if self.faults.down and not was_down:
            asyncio.run_coroutine_threadsafe(self._close_all(), self._loop).result(5)
        elif was_down and not self.faults.down:
            asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(5)
        return self.faults

    # -- what it received ----------------------------------------------------------------------

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._messages if to is None or m["to"] == to]

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {
                "links": len(self._links),
                "bound": sum(1 for link in self._links.values() if link.mode),
                "binds": self._binds,
                "in_flight": self._in_flight,
                "submits": self._submits,
                "messages": len(self._messages),
                "faults": asdict(self.faults),
            }

    def _record(self, message: dict[str, Any]) -> None:
        with self._lock:
            self._messages.append(message)
            if self.log_path is not None:
                fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as f:
                    f.write(json.dumps(message, ensure_ascii=False) + "\n")

    # -- SMPP ----------------------------------------------------------------------------------

    def _pdu(self, name: str, **kwargs: Any) -> Any:
        import smpplib.smpp

        # smpplib ignores a `sequence` keyword when its client has one: set it afterwards
        sequence = kwargs.pop("sequence", None)
        pdu = smpplib.smpp.make_pdu(name, client=self._seq, **kwargs)
        if sequence is not None:
            pdu.sequence = sequence
        return pdu

    async def _send(self, writer: asyncio.StreamWriter, pdu: Any) -> None:
        writer.write(pdu.generate())
        await writer.drain()

    async def _serve_link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        import smpplib.exceptions
        import smpplib.smpp

        link = _Link(next(self._link_ids), writer=writer)
        with self._lock:
            self._links[link.id] = link
        try:
            while True:
                head = await reader.readexactly(4)
                (length,) = struct.unpack(">L", head)
                if not 16 <= length <= MAX_PDU:
                    break
                raw = head + await reader.readexactly(length - 4)
                try:
                    pdu = smpplib.smpp.parse_pdu(
                        raw, client=self._seq, allow_unknown_opt_params=True
                    )
                except (smpplib.exceptions.UnknownCommandError, struct.error, ValueError):
                    (sequence,) = struct.unpack(">L", raw[12:16])
                    await self._send(writer, self._pdu("generic_nack", sequence=sequence, status=3))
                    continue
                if not await self._on_pdu(link, pdu, reader, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            with self._lock:
                self._links.pop(link.id, None)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _on_pdu(
        self, link: _Link, pdu: Any, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        command = pdu.command
        if command in ("bind_transmitter", "bind_transceiver", "bind_receiver"):
            if self.faults.slow:
                await asyncio.sleep(self.faults.slow)
            status = ESME_RBINDFAIL if self.faults.bind_refused else ESME_ROK
            if status == ESME_ROK:
                link.mode = {"bind_transmitter": "tx", "bind_receiver": "rx"}.get(command, "trx")
                with self._lock:
                    self._binds += 1
            resp = self._pdu(
                command + "_resp", sequence=pdu.sequence, status=status, system_id="SanadSim"
            )
            await self._send(writer, resp)
            return True
        if command == "submit_sm":
            await self._on_submit(link, pdu, reader, writer)
            return True
        if command == "enquire_link":
            await self._send(writer, self._pdu("enquire_link_resp", sequence=pdu.sequence))
            return True
        if command == "unbind":
            await self._send(writer, self._pdu("unbind_resp", sequence=pdu.sequence))
            return False
        if command in ("deliver_sm_resp", "enquire_link_resp", "generic_nack"):
            return True
        await self._send(writer, self._pdu("generic_nack", sequence=pdu.sequence, status=3))
        return True

    async def _on_submit(
        self, link: _Link, pdu: Any, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if link.mode not in ("tx", "trx"):
            resp = self._pdu("submit_sm_resp", sequence=pdu.sequence, status=ESME_RINVBNDSTS)
            await self._send(writer, resp)
            return
        with self._lock:
            self._in_flight += 1
            self._submits += 1
        try:
            if self.faults.slow:
                await asyncio.sleep(self.faults.slow)
            if writer.is_closing() or reader.at_eof():
                return  # the client went away before the answer: nothing was accepted
            message_id = f"{next(self._ids):08X}{uuid.uuid4().hex[:8].upper()}"
            resp = self._pdu("submit_sm_resp", sequence=pdu.sequence, message_id=message_id)
            await self._send(writer, resp)
        except (ConnectionError, OSError):
            return
        finally:
            with self._lock:
                self._in_flight -= 1
        self._accept(link, pdu, message_id)

    def _accept(self, link: _Link, pdu: Any, message_id: str) -> None:
        payload: bytes = pdu.short_message or b""
        coding = int(pdu.data_coding or 0)
        to = "+" + _text(pdu.destination_addr).lstrip("+")
        source = _text(pdu.source_addr)
        wants_receipt = bool(int(pdu.registered_delivery or 0) & 0x03)
        concat = _split_udh(payload) if int(pdu.esm_class or 0) & 0x40 else None
        if concat is None:
            self._complete(link, to, source, coding, [payload], [message_id], wants_receipt)
            return
        ref, total, seq, body = concat
        key = (to, ref, total)
        link.partial.setdefault(key, {})[seq] = body
        link.partial_ids.setdefault(key, []).append(message_id)
        if len(link.partial[key]) == total:
            got = link.partial.pop(key)
            ids = link.partial_ids.pop(key)
            bodies = [got[i] for i in sorted(got)]
            self._complete(link, to, source, coding, bodies, ids, wants_receipt)

    def _complete(
        self,
        link: _Link,
        to: str,
        source: str,
        coding: int,
        bodies: list[bytes],
        ids: list[str],
        wants_receipt: bool,
    ) -> None:
        delivery = self.faults.delivery
        receipt = None
        if wants_receipt and link.mode == "trx" and delivery != "none":
            receipt = "DELIVRD" if delivery == "ok" else "UNDELIV"
        text = encoding.decode(coding, b"".join(bodies))
        self._record(
            {
                "id": ids[0],
                "ids": ids,
                "at": _now(),
                "from": source,
                "to": to,
                "text": text,
                "parts": len(bodies),
                "data_coding": coding,
                "channel": "smpp",
                "receipt": receipt,
            }
        )
        if receipt is not None and self._loop is not None and link.writer is not None:
            for message_id in ids:
                self._loop.call_later(
                    self.receipt_delay,
                    self._schedule_receipt,
                    link.writer,
                    message_id,
                    receipt,
                    to,
                    source,
                )

    def _schedule_receipt(
        self, writer: asyncio.StreamWriter, message_id: str, stat: str, to: str, source: str
    ) -> None:
        task = asyncio.ensure_future(self._receipt(writer, message_id, stat, to, source))
        self._tasks.add(task)  # held until done, so the loop cannot drop it half-way
        task.add_done_callback(self._tasks.discard)

    async def _receipt(
        self, writer: asyncio.StreamWriter, message_id: str, stat: str, to: str, source: str
    ) -> None:
        if writer.is_closing():
            return
        stamp = dt.datetime.now(dt.UTC).strftime("%y%m%d%H%M")
        ok = stat == "DELIVRD"
        text = (
            f"id:{message_id} sub:001 dlvrd:{'001' if ok else '000'} submit date:{stamp} "
            f"done date:{stamp} stat:{stat} err:{'000' if ok else '001'} text:"
        )
        pdu = self._pdu(
            "deliver_sm",
            source_addr_ton=1,
            source_addr_npi=1,
            source_addr=to.removeprefix("+"),
            dest_addr_ton=5,
            dest_addr_npi=0,
            destination_addr=source,
            esm_class=0x04,
            data_coding=0,
            short_message=text.encode("ascii"),
            receipted_message_id=message_id,
            message_state=2 if ok else 5,
        )
        with contextlib.suppress(ConnectionError, OSError):
            await self._send(writer, pdu)

    # -- the HTTP SMS API ------------------------------------------------------------------------

    def http_submit(self, body: dict[str, Any], key: str | None) -> tuple[int, dict[str, Any]]:
        if self.faults.down:
            return 503, {"error": "unavailable"}
        if self.faults.slow:
            threading.Event().wait(self.faults.slow)
        to, text, source = body.get("to"), body.get("text"), body.get("from", "")
        if not isinstance(to, str) or not to.startswith("+") or not isinstance(text, str):
            return 400, {"error": "to (E.164) and text are required"}
        with self._lock:
            if key and key in self._http_keys:
                return 200, self._http_keys[key]
            message_id = f"H{next(self._ids):08X}"
            answer = {"id": message_id, "status": "accepted"}
            if key:
                self._http_keys[key] = answer
        self._record(
            {
                "id": message_id,
                "ids": [message_id],
                "at": _now(),
                "from": str(source),
                "to": to,
                "text": text,
                "parts": encoding.segments(text).count,
                "data_coding": int(encoding.segments(text).alphabet),
                "channel": "http",
                "receipt": None,
            }
        )
        return 202, answer

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        smsc = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                log.debug("control: " + format, *args)

            def _answer(self, code: int, body: Any) -> None:
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                self.send_response(code)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> Any:
                size = int(self.headers.get("Content-Length") or 0)
                if size > MAX_PDU:
                    raise ValueError("body too large")
                return json.loads(self.rfile.read(size) or b"{}")

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path == "/messages":
                    to = parse_qs(url.query).get("to", [None])[0]
                    self._answer(200, {"messages": smsc.messages(to)})
                elif url.path == "/status":
                    self._answer(200, smsc.status())
                else:
                    self._answer(404, {"error": "not found"})

            def do_DELETE(self) -> None:
                if urlparse(self.path).path == "/messages":
                    smsc.clear()
                    self._answer(200, {"messages": []})
                else:
                    self._answer(404, {"error": "not found"})

            def do_POST(self) -> None:
                path = urlparse(self.path).path
                try:
                    body = self._body()
                    if not isinstance(body, dict):
                        raise ValueError("a JSON object is expected")
                    if path == "/faults":
                        self._answer(200, asdict(smsc.set_faults(**body)))
                    elif path == "/api/messages":
                        code, answer = smsc.http_submit(body, self.headers.get("Idempotency-Key"))
                        self._answer(code, answer)
                    else:
                        self._answer(404, {"error": "not found"})
                except (ValueError, TypeError) as exc:
                    self._answer(400, {"error": str(exc)})

        return Handler


@click.command("smsc", epilog="Exit codes: 0 stopped cleanly, 2 usage or I/O error.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2775, show_default=True, help="The SMPP port.")
@click.option("--control-port", default=2776, show_default=True, help="HTTP: faults, messages.")
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Append each received message to this JSON-lines file (owner-only).",
)
@click.option("--down", is_flag=True, help="Start refusing connections.")
@click.option("--slow", type=click.FloatRange(0, 600), default=0.0, help="Delay responses (s).")
@click.option("--bind-refused", is_flag=True, help="Answer every bind ESME_RBINDFAIL.")
@click.option(
    "--delivery",
    type=click.Choice(["ok", "fail", "none"]),
    default="ok",
    show_default=True,
    help="Delivery receipts: DELIVRD, UNDELIV, or none.",
)
def command(
    host: str,
    port: int,
    control_port: int,
    log_path: Path | None,
    down: bool,
    slow: float,
    bind_refused: bool,
    delivery: str,
) -> None:
    """An SMSC simulator: an SMPP 3.4 server with faults on demand and a log of what it got."""
    faults = Faults(down=down, slow=slow, bind_refused=bind_refused, delivery=delivery)
    try:
        smsc = Smsc(host, port, control_port=control_port, log_path=log_path, faults=faults)
        smsc.start()
    except OSError as exc:
        raise click.ClickException(f"cannot listen: {exc.strerror or exc}") from exc
    click.echo(f"SMSC simulator: SMPP on {host}:{smsc.port}", err=True)
    click.echo(f"  control: http://{host}:{smsc.control_port}/messages  (POST /faults)", err=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    smsc.stop()
