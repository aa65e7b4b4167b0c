"""Helpers of the order tests: a portal channel enrolled on any registry, a citizen signed in
with the SMS code read from the outbox, an order placed and its fee captured, and the QR
codes read back off a PDF rendered by poppler (as a printer driver would)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image
from sqlalchemy import select

from registry import kiosks
from registry.client import CitizenSession, Order, RegistryClient
from registry.config import DataDir, load_settings
from registry.db import Database
from registry.models import SmsMessage
from registry.orders import store
from verifier.documents import DocumentType
from verifier.keys import SigningKey

__all__ = [
    "enroll_portal",
    "last_sms",
    "pay",
    "pdf_pages",
    "place",
    "qr_codes",
    "signed_in",
    "with_db",
]

PORTAL = "PORTAL-1"


def with_db(url: str, fn: Any) -> Any:
    db = Database(url, pool_size=1)
    try:
        with db.session() as s:
            return fn(s)
    finally:
        db.dispose()


def enroll_portal(data: DataDir, url: str, portal_id: str = PORTAL) -> SigningKey:
    key = SigningKey.generate()
    with_db(
        url,
        lambda s: kiosks.enroll_and_publish(
            s,
            data,
            load_settings(data),
            portal_id,
            key.public.raw,
            "الخدمات الإلكترونية",
            "E-services",
            dt.datetime.now(dt.UTC),
            by="test",
            kind="portal",
        ),
    )
    return key


def last_sms(url: str, to: str) -> str:
    body = with_db(
        url,
        lambda s: s.execute(
            select(SmsMessage.body)
            .where(SmsMessage.to == to)
            .order_by(SmsMessage.id.desc())
            .limit(1)
        ).scalar_one_or_none(),
    )
    assert body is not None, "no SMS was queued for that number"
    return str(body)


def signed_in(portal: RegistryClient, url: str, citizen: dict[str, str]) -> CitizenSession:
    ch = portal.portal_sign_in(national_id=citizen["national_id"], pin=citizen["pin"])
    found = re.search(r"\b(\d{6})\b", last_sms(url, citizen["phone"]))
    assert found
    return portal.portal_verify(ch.challenge, found.group(1))


def place(
    portal: RegistryClient,
    session: CitizenSession,
    citizen: dict[str, str],
    collection: str,
    *,
    office: str | None = None,
    address: dict[str, str] | None = None,
    document_type: DocumentType = DocumentType.BIRTH_CERTIFICATE,
) -> Order:
    return portal.place_order(
        session,
        document_type=document_type,
        subject=citizen["national_id"],
        collection=collection,
        office=office,
        address=address,
        idempotency_key=uuid.uuid4().hex,
    )


def pay(url: str, code: str) -> None:
    """The fee captured (what a verified provider callback does: registry.orders.store)."""

    def capture(s: Any) -> None:
        order = store.find(s, code, lock=True)
        assert store.settle_capture(s, order, dt.datetime.now(dt.UTC))

    with_db(url, capture)


def pdf_pages(pdf: bytes | Path, tmp: Path, dpi: int = 200) -> list[Image.Image]:
    """Every page of the PDF as an image, rendered by poppler's pdftoppm."""
    assert shutil.which("pdftoppm"), "poppler-utils (scripts/setup installs it)"
    tmp.mkdir(parents=True, exist_ok=True)
    src = pdf if isinstance(pdf, Path) else tmp / "doc.pdf"
    if not isinstance(pdf, Path):
        src.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(src), str(tmp / "page")],
        check=True,
        timeout=120,
    )
    return [Image.open(p) for p in sorted(tmp.glob("page*.png"))]


def qr_codes(image: Image.Image) -> list[str]:
    return [str(b.text) for b in zxingcpp.read_barcodes(image.convert("L"))]
