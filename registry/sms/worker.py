"""The outbox worker: claim due messages, send each through the gateway, mark it, store receipts.

`drain_once` does one round (claim a batch, send it message by message, each marked in its own
transaction right after the SMSC's answer, then the delivery receipts that came back);
`run` repeats it until stopped (or, with `once`, until nothing is due). Any number of workers
may run against PostgreSQL; on SQLite they take turns. When the gateway is unavailable the
message being sent counts an attempt (back-off, `Policy.backoff`), the rest of the batch is
released untouched, and the worker waits before trying the gateway again; a message the
gateway refuses is retried or failed on its own. See `registry.sms.outbox` for the exactly-once
argument and its one window.

`gateway_from_config` builds the configured gateway (`[sms]`), reading its password from the
owner-only `password_file` or $SANAD_SMS_PASSWORD. The worker logs counts, message ids and
masked numbers only.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from registry.config import DataDir, SmsConfig
from registry.db import Database
from registry.errors import ConfigError, ServiceUnavailable
from registry.sms import outbox
from registry.sms.gateway import Gateway, GatewayUnavailable, MessageRefused
from registry.sms.http_gateway import HttpGateway
from registry.sms.smpp import SmppGateway

__all__ = ["PASSWORD_ENV", "Round", "default_worker_id", "drain_once", "gateway_from_config", "run"]

log = logging.getLogger(__name__)

PASSWORD_ENV = "SANAD_SMS_PASSWORD"
Clock = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


@dataclass
class Round:
    """What one `drain_once` did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    receipts: int = 0
    unavailable: str | None = None  # why the gateway could not be used, if it could not
    errors: list[str] = field(default_factory=list)


def _error_code(exc: Exception) -> str:
    # the gateway's messages name a status or an address, never a number or a text
    return f"{type(exc).__name__}: {exc}"[:200]


def drain_once(
    db: Database,
    gateway: Gateway,
    policy: outbox.Policy,
    *,
    worker_id: str,
    clock: Clock = _utcnow,
    receipt_wait: float = 0.0,
) -> Round:
    """One round: claim, send, mark, then store the receipts that have come back."""
    r = Round()
    with db.session() as s:
        batch = outbox.claim(s, worker=worker_id, now=clock(), policy=policy)
    r.claimed = len(batch)
    for i, message in enumerate(batch):
        if isinstance(gateway, HttpGateway):
            gateway.idempotency_key = f"sanad-sms-{message.id}"
        try:
            smsc_id = gateway.send(message.to, message.body)
        except GatewayUnavailable as exc:
            with db.session() as s:
                state = outbox.mark_failed(
                    s, message.id, _error_code(exc), now=clock(), policy=policy
                )
                outbox.release(s, [m.id for m in batch[i + 1 :]], now=clock())
            r.failed += state is outbox.State.FAILED
            r.retried += state is outbox.State.QUEUED
            r.unavailable = str(exc)
            r.errors.append(_error_code(exc))
            log.warning("SMS gateway unavailable: %s", exc)
            break
        except MessageRefused as exc:
            with db.session() as s:
                state = outbox.mark_failed(
                    s,
                    message.id,
                    _error_code(exc),
                    now=clock(),
                    policy=policy,
                    permanent=exc.permanent,
                )
            r.failed += state is outbox.State.FAILED
            r.retried += state is outbox.State.QUEUED
            r.errors.append(_error_code(exc))
            log.warning("SMS %d to %s refused: %s", message.id, outbox.mask(message.to), exc)
            continue
        with db.session() as s:  # at once: this commit is the exactly-once window
            outbox.mark_sent(s, message.id, smsc_id, now=clock())
        r.sent += 1
        log.debug("SMS %d to %s sent as %s", message.id, outbox.mask(message.to), smsc_id)
    receipts = gateway.receipts(receipt_wait)
    if receipts:
        with db.session() as s:
            for receipt in receipts:
                stored = outbox.record_receipt(
                    s, receipt.smsc_message_id, delivered=receipt.delivered, now=clock()
                )
                r.receipts += stored
    return r


def run(
    db: Database,
    gateway: Gateway,
    policy: outbox.Policy,
    *,
    worker_id: str | None = None,
    once: bool = False,
    idle: float = 2.0,
    stop: threading.Event | None = None,
    clock: Clock = _utcnow,
    on_round: Callable[[Round], None] | None = None,
) -> Round:
    """Drain the outbox until `stop` is set (or, with `once`, until a round finds nothing due
    and the receipts have had `idle` seconds to come back). The totals of every round."""
    stop = stop or threading.Event()
    worker_id = worker_id or default_worker_id()
    total = Round()
    failures = 0
    try:
        while not stop.is_set():
            try:
                r = drain_once(db, gateway, policy, worker_id=worker_id, clock=clock)
            except ServiceUnavailable:
                # the database went away: nothing is lost (claimed rows come back after the
                # lease); wait and try again, unless asked for one round only
                if once:
                    raise
                log.warning("SMS worker: the database is unavailable; waiting")
                stop.wait(idle * 5)
                continue
            for name in ("claimed", "sent", "retried", "failed", "receipts"):
                setattr(total, name, getattr(total, name) + getattr(r, name))
            total.errors.extend(r.errors)
            total.unavailable = r.unavailable
            if on_round is not None:
                on_round(r)
            if r.unavailable:
                failures += 1
                stop.wait(min(idle * 2 ** min(failures, 6), 60.0))
                if once:
                    break
                continue
            failures = 0
            if r.claimed:
                continue
            if once:
                for receipt in gateway.receipts(idle):
                    with db.session() as s:
                        total.receipts += outbox.record_receipt(
                            s, receipt.smsc_message_id, delivered=receipt.delivered, now=clock()
                        )
                break
            # idle: wait on the gateway's socket for receipts, else simply wait
            got = gateway.receipts(idle)
            if got:
                with db.session() as s:
                    for receipt in got:
                        total.receipts += outbox.record_receipt(
                            s, receipt.smsc_message_id, delivered=receipt.delivered, now=clock()
                        )
            elif not getattr(gateway, "is_open", False):
                stop.wait(idle)
    finally:
        gateway.close()
    return total


def _read_secret(data: DataDir, name: str) -> str:
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts:
        raise ConfigError(
            f"[sms] password_file must be a path inside the data directory {data.root}"
        )
    path = data.root / relative
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"[sms] password_file {path} is not a file")
        if info.st_mode & 0o077:
            raise ConfigError(f"[sms] password_file {path} is readable by others: chmod 600 it")
        secret = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"[sms] cannot read password_file {path}: {exc}") from exc
    if not secret or len(secret) > 1000:
        raise ConfigError(f"[sms] password_file {path} is empty or not a password")
    return secret


def gateway_from_config(data: DataDir, c: SmsConfig) -> Gateway | None:
    """The configured gateway (not yet opened), or None for `gateway = "none"`."""
    if c.gateway == "none":
        return None
    if c.password_file:
        password = _read_secret(data, c.password_file)
    else:
        password = os.environ.get(PASSWORD_ENV, "")
    if c.gateway == "http":
        assert c.http_url is not None  # SmsConfig requires it
        return HttpGateway(
            c.http_url, token=password, source_addr=c.source_addr, timeout=c.timeout_seconds
        )
    return SmppGateway(
        c.host,
        c.port,
        system_id=c.system_id,
        password=password,
        system_type=c.system_type,
        source_addr=c.source_addr,
        transceiver=c.transceiver,
        timeout=c.timeout_seconds,
    )
