"""Helpers of the payments tests: the simulator's control API, the callback route on a live
server, and a ledger with its database and provider."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from registry.config import DataDir, Settings
from registry.db import Database
from registry.http_errors import install_error_handlers
from registry.http_state import Registry
from registry.models import PaymentRow
from registry.payments import http as payments_http
from registry.payments import ledger, setup
from registry.payments.ledger import Settlement
from registry.payments.mobile_money import MobileMoney
from tests.support.servers import SanadServer, serve_app, wait_for

MSISDN = "+962791234567"


class Sim:
    """`sanad sim pay` in its process, and its control endpoints."""

    def __init__(self, server: SanadServer, api_key: str) -> None:
        self.server = server
        self.url = server.url
        self.api_key = api_key

    def faults(self, **faults: Any) -> dict[str, Any]:
        r = httpx.post(self.url + "/control/faults", json=faults, timeout=5)
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        return data

    def reset(self) -> None:
        self.faults(
            decline="none",
            decline_over=None,
            decline_msisdn=None,
            slow=0,
            callback_lost=False,
            callback_duplicated=False,
            callback_forged="none",
            down=False,
            callback_delay=0.1,
        )

    def callbacks(self, reference: str | None = None) -> list[dict[str, Any]]:
        r = httpx.get(self.url + "/control/callbacks", timeout=5)
        r.raise_for_status()
        return [c for c in r.json() if reference is None or c["reference"] == reference]

    def statement(self, day: dt.date) -> str:
        r = httpx.get(
            self.url + "/v1/statement",
            params={"date": day.isoformat()},
            headers={"Authorization": "Bearer " + self.api_key},
            timeout=5,
        )
        r.raise_for_status()
        return r.text


class CallbackServer:
    """The registry's callback route (`registry.payments.http.install`) on a live server,
    recording the settlements its hook was given."""

    def __init__(self, data: DataDir, db: Database, settings: Settings) -> None:
        self.reg = Registry(data, db, settings)
        self.app = FastAPI()
        install_error_handlers(self.app)

        @self.app.get("/health")
        def health() -> dict[str, str]:
            return {"status": "ok"}

        self.settled: list[Settlement] = []
        payments_http.install(
            self.app, self.reg, on_settlement=lambda _s, st, _now: self.settled.append(st)
        )
        self.url = ""
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> CallbackServer:
        self.url = self._stack.enter_context(serve_app(self.app, health="/health"))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def callback_url(self) -> str:
        return self.url + setup.CALLBACK_PATH


@dataclass
class Ledger:
    data: DataDir
    db: Database
    settings: Settings
    callbacks: CallbackServer
    sim: Sim

    def provider(self, **kw: Any) -> MobileMoney:
        options = {"timeout": 2.0, **kw}
        return MobileMoney(
            self.settings.payments.base_url,
            setup.api_key(self.data, self.settings.payments),
            **options,
        )

    def secret(self) -> bytes:
        return setup.callback_secret(self.data, self.settings.payments)

    def open(self, order_id: int = 1, amount: int = 1500, msisdn: str = MSISDN) -> int:
        now = dt.datetime.now(dt.UTC)
        with self.db.session() as s:
            row = ledger.open_request(
                s, order_id=order_id, amount=amount, currency="JOD", msisdn=msisdn, now=now
            )
            return row.id

    def send(self, payment_id: int, provider: MobileMoney) -> ledger.PaymentView:
        return ledger.send_request(
            self.db,
            provider,
            payment_id,
            callback_url=self.callbacks.callback_url,
            now=dt.datetime.now(dt.UTC),
        )

    def refund_payment(self, payment_id: int, provider: MobileMoney) -> ledger.PaymentView:
        return ledger.refund(
            self.db,
            provider,
            payment_id,
            reason="the document could not be issued",
            now=dt.datetime.now(dt.UTC),
            callback_url=self.callbacks.callback_url,
        )

    def row(self, payment_id: int) -> PaymentRow:
        with self.db.session() as s:
            row = s.scalars(select(PaymentRow).where(PaymentRow.id == payment_id)).one()
            s.expunge(row)
            return row

    def wait_state(self, payment_id: int, state: str, timeout: float = 10) -> PaymentRow:
        wait_for(
            lambda: self.row(payment_id).state == state,
            timeout,
            f"payment {payment_id} to be {state}",
        )
        return self.row(payment_id)
