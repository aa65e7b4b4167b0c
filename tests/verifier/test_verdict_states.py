"""Verdict states past the trust list's next-update, the Outcome, and fixed reason sentences."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from verifier import codec, cose
from verifier.documents import DocumentType
from verifier.fixtures import ISSUER
from verifier.sign import sign_document
from verifier.verify import DEFAULT_STALE_GRACE, REASONS, Outcome, Status, verify

from .verifier_support import NOW, Keys


def _genuine(keys: Keys, samples: dict) -> str:
    return sign_document(
        samples[DocumentType.BIRTH_CERTIFICATE],
        serial="BI26-1",
        issuer=ISSUER,
        issued_at=NOW,
        key=keys.signer,
    )


def test_a_genuine_document_before_next_update_is_valid(keys: Keys, samples: dict) -> None:
    trust = keys.trust()
    verdict = verify(_genuine(keys, samples), trust, trust.next_update)
    assert verdict.status is Status.VALID and verdict.outcome is Outcome.VALID


def test_past_next_update_a_genuine_document_is_unconfirmed(keys: Keys, samples: dict) -> None:
    trust = keys.trust()
    verdict = verify(_genuine(keys, samples), trust, trust.next_update + dt.timedelta(hours=1))
    assert verdict.status is Status.TRUST_LIST_STALE
    assert verdict.outcome is Outcome.UNCONFIRMED
    assert not verdict.valid
    assert verdict.claims is not None and verdict.signer is not None
    assert verdict.reason == REASONS[Status.TRUST_LIST_STALE]


def test_past_the_grace_period_every_text_is_expired(keys: Keys, samples: dict) -> None:
    trust = keys.trust()
    late = trust.next_update + DEFAULT_STALE_GRACE + dt.timedelta(seconds=1)
    for text in (_genuine(keys, samples), "SN1D:NOT*BASE45"):
        verdict = verify(text, trust, late)
        assert verdict.status is Status.TRUST_LIST_EXPIRED
        assert verdict.outcome is Outcome.NOT_VALID
        assert verdict.claims is None
    longer = verify(_genuine(keys, samples), trust, late, stale_grace=dt.timedelta(days=60))
    assert longer.status is Status.TRUST_LIST_STALE
    assert dt.timedelta(days=30) == DEFAULT_STALE_GRACE


def test_a_stale_list_does_not_hide_a_forgery(keys: Keys, samples: dict) -> None:
    trust = keys.trust()
    text = sign_document(
        samples[DocumentType.BIRTH_CERTIFICATE],
        serial="BI26-1",
        issuer="OTHER",
        issued_at=NOW,
        key=keys.signer,
    )
    verdict = verify(text, trust, trust.next_update + dt.timedelta(days=1))
    assert verdict.status is Status.ISSUER_MISMATCH


def test_the_reason_is_the_fixed_sentence_and_the_detail_says_what_failed(keys: Keys) -> None:
    trust = keys.trust()
    # A DEFLATE stream with a reserved block type: zlib's own message must not reach the page.
    verdict = verify("SN1D:" + "ZZZ" * 10, trust, NOW)
    assert verdict.status is Status.MALFORMED
    assert verdict.reason == REASONS[Status.MALFORMED]
    assert "Error" not in verdict.reason and verdict.detail
    for status in Status:
        assert REASONS[status].endswith(".")


def test_every_status_has_a_sentence_and_the_json_names_the_outcome(
    keys: Keys, samples: dict
) -> None:
    assert set(REASONS) == set(Status)
    trust = keys.trust()
    out = verify(_genuine(keys, samples), trust, NOW).to_json()
    assert out["outcome"] == "valid"
    assert out["trust_list"]["next_update"] == trust.next_update.isoformat()
    stale = verify(_genuine(keys, samples), trust, trust.next_update + dt.timedelta(hours=1))
    assert json.loads(json.dumps(stale.to_json()))["outcome"] == "unconfirmed"


def test_the_payload_digest_identifies_the_signed_bytes(keys: Keys, samples: dict) -> None:
    text = _genuine(keys, samples)
    payload = cose.parse_sign1(codec.decode_text(text)).payload
    verdict = verify(text, keys.trust(), NOW)
    assert verdict.payload_sha256 == hashlib.sha256(payload).hexdigest()
    assert verify("SN1D:NOT*BASE45", keys.trust(), NOW).payload_sha256 is None
