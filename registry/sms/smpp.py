"""An SMPP 3.4 gateway (an operator's SMSC) through smpplib.

`SmppGateway` binds as a transceiver (so delivery receipts, deliver_sm with esm_class 0x04,
come back on the same connection) or as a transmitter, and submits each text as one submit_sm
or, when it is longer than one SMS, as UDH-concatenated parts (`registry.sms.encoding.parts`:
GSM-7 as data_coding 0, Arabic as UCS-2, data_coding 8), every part asking for a receipt
(registered_delivery 1). `send` returns only after the SMSC's submit_sm_resp for every part,
with the first part's message id (the one receipts are matched on); the SMSC's error status
becomes `MessageRefused`, a lost connection, a refused bind or a timeout `GatewayUnavailable`.

It answers the SMSC's enquire_link and deliver_sm while waiting, and sends an enquire_link of
its own when the link has been idle. It does not retry: the outbox does (`registry.sms.worker`).
smpplib's errors are translated here, once. Nothing is logged but the SMSC status and the
masked number.
"""

from __future__ import annotations

import itertools
import logging
import re
import select
import socket
import time
from types import TracebackType
from typing import Any

from registry.sms import encoding
from registry.sms.gateway import GatewayUnavailable, MessageRefused, Receipt

__all__ = ["SmppGateway"]

log = logging.getLogger(__name__)

_TEMPORARY = {0x08, 0x14, 0x58, 0x64}  # system error, queue full, throttled, temporary app error
_RECEIPT_FIELD = re.compile(rb"(\w+(?: date)?):(\S*)")
_SMPPLIB_LOG = f"{__name__}.smpplib"
_KEEPALIVE = 30.0  # seconds of silence before an enquire_link
_refs = itertools.count(int(time.time()) % 256)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return "" if value is None else str(value)


def parse_receipt(pdu: Any) -> Receipt | None:
    """A delivery receipt from a deliver_sm PDU (its TLVs, else the text SMPP 3.4 appendix B
    describes: "id:... stat:DELIVRD ..."), or None when the deliver_sm is not a receipt."""
    if not (int(getattr(pdu, "esm_class", 0) or 0) & 0x04):
        return None
    fields = dict(_RECEIPT_FIELD.findall(pdu.short_message or b""))
    message_id = _text(getattr(pdu, "receipted_message_id", None)) or _text(fields.get(b"id"))
    stat = _text(fields.get(b"stat")) or {2: "DELIVRD", 5: "UNDELIV"}.get(
        int(getattr(pdu, "message_state", 0) or 0), "UNKNOWN"
    )
    if not message_id:
        return None
    return Receipt(message_id, stat == "DELIVRD", stat)


class SmppGateway:
    """One SMPP session to one SMSC (not thread-safe: one per worker)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        system_id: str,
        password: str,
        system_type: str = "",
        source_addr: str = "Sanad",
        transceiver: bool = True,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port = host, port
        self._bind_args = {
            "system_id": system_id,
            "password": password,
            "system_type": system_type,
        }
        self.source_addr = source_addr
        self.transceiver = transceiver
        self.timeout = timeout
        self._client: Any = None
        self._receipts: list[Receipt] = []
        self._last_activity = 0.0

    # -- the session ---------------------------------------------------------------------------

    def open(self) -> None:
        import smpplib.client
        import smpplib.exceptions

        # smpplib dumps every PDU (numbers, texts, one-time codes) at DEBUG: never let it
        logging.getLogger(_SMPPLIB_LOG).setLevel(logging.INFO)
        client = smpplib.client.Client(
            self.host,
            self.port,
            timeout=self.timeout,
            allow_unknown_opt_params=True,
            logger_name=_SMPPLIB_LOG,
        )
        try:
            client.connect()
            # one small PDU each way per message: Nagle would hold each behind a delayed ACK
            client._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.transceiver:
                client.bind_transceiver(**self._bind_args)
            else:
                client.bind_transmitter(**self._bind_args)
        except smpplib.exceptions.PDUError as exc:
            self._drop(client)
            status = exc.args[1] if len(exc.args) > 1 else 0
            raise GatewayUnavailable(f"the SMSC refused the bind (status 0x{status:08x})") from exc
        except (smpplib.exceptions.ConnectionError, OSError) as exc:
            self._drop(client)
            raise GatewayUnavailable(f"cannot reach the SMSC at {self.host}:{self.port}") from exc
        self._client = client
        self._last_activity = time.monotonic()
        log.info("bound to the SMSC at %s:%s", self.host, self.port)

    @staticmethod
    def _drop(client: Any) -> None:
        import smpplib.consts

        client.state = smpplib.consts.SMPP_CLIENT_STATE_OPEN  # closing is deliberate: no warning
        try:
            client.disconnect()
        except Exception:  # the socket may be half-made; nothing to keep
            client._socket = None

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.unbind()
        except Exception:  # unbinding a dead link: closing is all that is left
            log.debug("unbind failed; closing")
        self._drop(client)

    def __enter__(self) -> SmppGateway:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self._client is not None

    # -- sending -------------------------------------------------------------------------------

    def send(self, to: str, text: str) -> str:
        import smpplib.exceptions

        if self._client is None:
            self.open()
        alphabet, chunks = encoding.parts(text, next(_refs) % 256)
        first_id = ""
        try:
            for chunk in chunks:
                pdu = self._client.send_message(
                    source_addr_ton=5 if not self.source_addr.isdigit() else 1,
                    source_addr_npi=0 if not self.source_addr.isdigit() else 1,
                    source_addr=self.source_addr,
                    dest_addr_ton=1,
                    dest_addr_npi=1,
                    destination_addr=to.removeprefix("+"),
                    esm_class=0x40 if len(chunks) > 1 else 0,
                    data_coding=int(alphabet),
                    registered_delivery=1 if self.transceiver else 0,
                    short_message=chunk,
                )
                resp = self._await_response(pdu.sequence, "submit_sm_resp")
                if resp.status != 0:
                    status = int(resp.status)
                    raise MessageRefused(
                        f"the SMSC refused the message (status 0x{status:08x})",
                        status=f"0x{status:08x}",
                        permanent=status not in _TEMPORARY,
                    )
                first_id = first_id or _text(resp.message_id)
        except (smpplib.exceptions.ConnectionError, OSError) as exc:
            self._lost()
            raise GatewayUnavailable("the SMSC connection was lost") from exc
        except smpplib.exceptions.PDUError as exc:
            self._lost()
            raise GatewayUnavailable("the SMSC sent a PDU that could not be read") from exc
        return first_id

    def _lost(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            self._drop(client)

    def _await_response(self, sequence: int, command: str) -> Any:
        deadline = time.monotonic() + self.timeout
        while True:
            if time.monotonic() > deadline:
                raise OSError("timed out waiting for the SMSC")
            try:
                pdu = self._client.read_pdu()
            except TimeoutError as exc:
                raise OSError("timed out waiting for the SMSC") from exc
            self._last_activity = time.monotonic()
            if pdu.command == command and pdu.sequence == sequence:
                return pdu
            self._handle(pdu)

    def _handle(self, pdu: Any) -> None:
        """A PDU the SMSC sent on its own: a receipt, a keep-alive or an unbind."""
        import smpplib.smpp

        if pdu.command == "deliver_sm":
            receipt = parse_receipt(pdu)
            if receipt is not None:
                self._receipts.append(receipt)
            resp = smpplib.smpp.make_pdu("deliver_sm_resp", client=self._client)
            resp.sequence = pdu.sequence
            self._client.send_pdu(resp)
        elif pdu.command == "enquire_link":
            resp = smpplib.smpp.make_pdu("enquire_link_resp", client=self._client)
            resp.sequence = pdu.sequence
            self._client.send_pdu(resp)
        elif pdu.command == "unbind":
            resp = smpplib.smpp.make_pdu("unbind_resp", client=self._client)
            resp.sequence = pdu.sequence
            self._client.send_pdu(resp)
            raise OSError("the SMSC unbound")

    # -- receipts ------------------------------------------------------------------------------

    def receipts(self, wait: float = 0.0) -> list[Receipt]:
        import smpplib.exceptions
        import smpplib.smpp

        if self._client is not None:
            try:
                deadline = time.monotonic() + wait
                while True:
                    left = max(0.0, deadline - time.monotonic())
                    sock = self._client._socket
                    readable, _, _ = select.select([sock], [], [], left)
                    if not readable:
                        break
                    self._handle(self._client.read_pdu())
                    self._last_activity = time.monotonic()
                if time.monotonic() - self._last_activity > _KEEPALIVE:
                    link = smpplib.smpp.make_pdu("enquire_link", client=self._client)
                    self._client.send_pdu(link)
                    self._await_response(link.sequence, "enquire_link_resp")
            except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError):
                self._lost()
                log.warning("the SMSC connection was lost while waiting for receipts")
        got, self._receipts = self._receipts, []
        return got
