"""50 kiosks issuing 20 documents each against a real server process, with lost answers retried."""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import threading

import httpx
import pytest
from sqlalchemy import func, select

from registry.audit import verify_chain
from registry.client import IssuedDocument, RegistryClient, new_idempotency_key
from registry.models import IssuedDocument as Row
from tests.support.registry import Registry, fast_settings_file, registry_process
from verifier.documents import DocumentType
from verifier.verify import Status, verify

KIOSKS = 50
PER_KIOSK = 20


class Losses:
    """Shared by every kiosk's transport: which issuance answers were lost."""

    def __init__(self) -> None:
        self.count = itertools.count()
        self.keys: set[str] = set()
        self.lock = threading.Lock()

    def lose(self, key: str) -> bool:
        with self.lock:
            if key not in self.keys and next(self.count) % 5 == 0:
                self.keys.add(key)
                return True
        return False


class LosingTransport(httpx.HTTPTransport):
    """Delivers every issuance request but loses the first answer to every fifth one."""

    def __init__(self, losses: Losses) -> None:
        super().__init__()
        self.losses = losses

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path == "/api/v1/documents":
            key = json.loads(request.content)["idempotency_key"]
            if self.losses.lose(key):
                response.read()
                response.close()
                raise httpx.ReadError("connection reset after the request was sent")
        return response


def _run(registry: Registry) -> None:
    fast_settings_file(registry)
    keys = registry.enroll_many([f"K-{i:03d}" for i in range(KIOSKS)])
    citizens = registry.citizens()[:KIOSKS]
    losses = Losses()
    kinds = (DocumentType.BIRTH_CERTIFICATE, DocumentType.INDIVIDUAL_EXTRACT)

    with registry_process(registry, workers=1) as server:

        def kiosk(i: int) -> list[IssuedDocument]:
            kid = f"K-{i:03d}"
            citizen = citizens[i]
            out = []
            with RegistryClient(
                server.url, kid, keys[kid], retries=3, timeout=60, transport=LosingTransport(losses)
            ) as c:
                session = c.login(national_id=citizen["national_id"], pin=citizen["pin"])
                for n in range(PER_KIOSK):
                    out.append(
                        c.issue(
                            session,
                            document_type=kinds[n % 2],
                            subject=citizen["national_id"],
                            payment_reference=f"PAY-{kid}-{n}",
                            idempotency_key=new_idempotency_key(),
                        )
                    )
            return out

        with concurrent.futures.ThreadPoolExecutor(KIOSKS) as pool:
            issued = [d for docs in pool.map(kiosk, range(KIOSKS)) for d in docs]

    assert len(losses.keys) >= KIOSKS * PER_KIOSK // 5
    serials = {d.serial for d in issued}
    assert len(issued) == KIOSKS * PER_KIOSK and len(serials) == KIOSKS * PER_KIOSK
    assert sum(d.replayed for d in issued) == len(losses.keys)  # every lost answer came back
    db = registry.db()
    with db.session() as s:
        rows = s.execute(select(func.count()).select_from(Row)).scalar_one()
        charged = s.execute(select(func.sum(Row.fee_amount))).scalar_one()
        refs = s.execute(select(func.count(func.distinct(Row.payment_reference)))).scalar_one()
        report = verify_chain(s)
    db.dispose()
    assert rows == refs == KIOSKS * PER_KIOSK
    assert charged == sum(d.fee_amount for d in issued)  # nobody charged twice
    assert report.ok, report.problems[:3]
    trust = registry.trust()
    assert all(verify(d.qr_text, trust).status is Status.VALID for d in issued)


@pytest.mark.slow
def test_fifty_kiosks_on_sqlite(registry: Registry) -> None:
    _run(registry)


@pytest.mark.slow
@pytest.mark.postgres
def test_fifty_kiosks_on_postgresql(pg_registry: Registry) -> None:
    _run(pg_registry)
