"""The registry's own app (`registry.service.create_app`) answers the provider's callback:
set-up made the secret, the route is wired, a signed callback captures."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import httpx
import pytest

from registry.config import DataDir
from registry.payments import ledger, setup
from tests.support.registry import FAST, LiveServer, Registry, template_data_dir


def test_the_registry_app_takes_a_signed_callback(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    target = tmp_path / "data"
    shutil.copytree(template_data_dir(tmp_path_factory), target)
    data = DataDir(target)
    reg = Registry(data, data.sqlite_url, FAST)
    db = reg.db()
    try:
        with db.session() as s:
            row = ledger.open_request(
                s,
                order_id=3,
                amount=2500,
                currency="JOD",
                msisdn="+962791234567",
                now=dt.datetime.now(dt.UTC),
            )
            pid, key = row.id, row.idempotency_key
        body = json.dumps(
            {
                "type": "payment",
                "reference": "MPSERVICE1",
                "externalId": key,
                "amount": 2500,
                "currency": "JOD",
                "status": "SUCCESSFUL",
            }
        ).encode()
        secret = setup.callback_secret(data, FAST.payments)
        with LiveServer(reg) as live:
            url = live.url + setup.CALLBACK_PATH
            forged = httpx.post(url, content=body, headers={"X-Signature": "0" * 64})
            assert forged.status_code == 401
            good = httpx.post(
                url, content=body, headers={"X-Signature": ledger.sign_body(body, secret)}
            )
            assert good.status_code == 204, good.text
        with db.session() as s:
            assert ledger.view(s, pid).state == "captured"
    finally:
        db.dispose()
