"""The optional online status check: ask the registry about one verified document.

Contract (docs/verifier-service.md, docs/registry-api.md): the verifier asks
`GET {base}/api/v1/documents/{serial}/status?payload_sha256=HEX` with the digest of the
document it holds; the registry answers 200 `{"serial", "status": "valid" | "revoked" |
"superseded", "reason", "since", "document_type", "issued_at"}` only when it issued that
serial with exactly that signed payload, and 404 for everything else. Status therefore goes
only to whoever holds the document: a guess at a serial, or at a document's fields, learns
nothing.

A genuine signature is not enough for the registry's word to count for it: a forger with a
stolen signing key could choose a serial the registry answers oddly for. So the check

- validates the serial's syntax and check digit itself, and a bad one is "not issued"
  without asking (`registry_serial_ok`);
- treats a 404 as "not issued" (the registry issued nothing, or something else, under that
  serial);
- compares the 200 answer's document type and issue time with the verified document; any
  difference is "not issued".

"Not issued" makes the verdict NOT_IN_REGISTRY. Trouble reaching the registry is reported
(`checked` false) and leaves the offline verdict as it was.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Any
from urllib.parse import quote

import httpx

from verifier import national_id
from verifier.documents import DocumentType
from verifier.verify import Verdict

__all__ = ["RevocationSource", "online_status", "registry_serial_ok"]

# The registry's serials: a letter per document type, two digits of year, the number, and a
# Luhn check digit over every digit ("B26-0000001-8"). Kept in step with registry/issuance.py.
SERIAL_LETTER = {
    DocumentType.BIRTH_CERTIFICATE: "B",
    DocumentType.DEATH_CERTIFICATE: "D",
    DocumentType.MARRIAGE_CERTIFICATE: "M",
    DocumentType.DIVORCE_CERTIFICATE: "T",
    DocumentType.INDIVIDUAL_EXTRACT: "I",
    DocumentType.FAMILY_EXTRACT: "F",
    DocumentType.NON_EMPLOYMENT: "N",
}
_SERIAL = re.compile(r"([A-Z])([0-9]{2})-([0-9]{7,12})-([0-9])")
_MAX_ANSWER = 16 * 1024


class RevocationSource(enum.Enum):
    """Which revocation information a verdict rests on."""

    TRUST_LIST = "trust_list"  # the revoked serials in the trust list held (works offline)
    ONLINE = "online"  # the registry was asked as well, and answered


def registry_serial_ok(serial: str, doc_type: int) -> bool:
    """True if serial has the registry's syntax, the letter of doc_type and a good check digit."""
    m = _SERIAL.fullmatch(serial)
    if m is None:
        return False
    try:
        letter = SERIAL_LETTER[DocumentType(doc_type)]
    except ValueError:
        return False
    digits = m.group(2) + m.group(3) + m.group(4)
    return m.group(1) == letter and national_id.luhn_valid(digits)


def _answer(checked: bool, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "checked": checked,
        "asked": checked,
        "revoked": None,
        "registry_status": None,
        "issued": None,
        "reason": None,
        "since": None,
        "mismatch": None,
        "error": None,
    }
    out.update(kw)
    return out


def _not_checked(error: str) -> dict[str, Any]:
    return _answer(False, error=error)


def _not_issued(
    registry_status: str, *, asked: bool, mismatch: list[str] | None = None
) -> dict[str, Any]:
    return _answer(
        True,
        asked=asked,
        revoked=False,
        issued=False,
        registry_status=registry_status,
        mismatch=mismatch,
    )


def _mismatches(data: dict[str, Any], verdict: Verdict) -> list[str]:
    claims = verdict.claims
    assert claims is not None
    wrong = []
    try:
        slug = DocumentType(int(claims.document.type)).slug
    except ValueError:
        slug = None
    if slug is None or data.get("document_type") != slug:
        wrong.append("document_type")
    try:
        issued = dt.datetime.fromisoformat(str(data.get("issued_at")))
        if issued.tzinfo is None:
            raise ValueError
        same_time = int(issued.timestamp()) == int(claims.issued_at.timestamp())
    except (ValueError, OverflowError):
        same_time = False
    if not same_time:
        wrong.append("issued_at")
    return wrong


async def online_status(client: httpx.AsyncClient, base: str, verdict: Verdict) -> dict[str, Any]:
    """Ask the registry about a verified document. Never raises: trouble is reported."""
    claims = verdict.claims
    assert claims is not None
    if not registry_serial_ok(claims.serial, int(claims.document.type)):
        return _not_issued("bad_serial", asked=False)
    if verdict.payload_sha256 is None:
        return _not_checked("no payload digest")
    url = f"{base.rstrip('/')}/api/v1/documents/{quote(claims.serial, safe='')}/status"
    try:
        resp = await client.get(url, params={"payload_sha256": verdict.payload_sha256})
    except httpx.HTTPError as exc:
        return _not_checked("timeout" if isinstance(exc, httpx.TimeoutException) else "unreachable")
    if resp.status_code == 404:
        return _not_issued("not_found", asked=True)
    if resp.status_code != 200:
        return _not_checked(f"HTTP {resp.status_code}")
    if len(resp.content) > _MAX_ANSWER:
        return _not_checked("answer too large")
    try:
        data = resp.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("serial") != claims.serial:
        return _not_checked("unreadable answer")
    text_status = str(data.get("status", "")).lower()[:40]
    if text_status not in ("valid", "revoked", "superseded"):
        return _not_checked("unreadable answer")
    wrong = _mismatches(data, verdict)
    if wrong:
        return _not_issued("mismatch", asked=True, mismatch=wrong)
    reason = data.get("reason")
    since = data.get("since")
    return _answer(
        True,
        revoked=text_status == "revoked",
        issued=True,
        registry_status=text_status,
        reason=str(reason)[:200] if isinstance(reason, str) else None,
        since=str(since)[:40] if isinstance(since, str) else None,
    )
