"""Property tests: no input makes verification raise, and no mutation of a genuine text is valid."""

from __future__ import annotations

import datetime as dt

import base45
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier import codec
from verifier.documents import DocumentType
from verifier.fixtures import ISSUER, sample_documents, sample_trust_list, signer_entry
from verifier.keys import SigningKey
from verifier.sign import sign_document
from verifier.trust import TrustList, load_trust_list
from verifier.verify import Status, verify

NOW = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
_ROOT, _SIGNER = SigningKey.from_seed(b"r" * 32), SigningKey.from_seed(b"s" * 32)
TRUST: TrustList = load_trust_list(
    sample_trust_list(
        _ROOT, [signer_entry(_SIGNER, not_before=NOW - dt.timedelta(days=1))], issued_at=NOW
    ),
    [_ROOT.public],
)
GENUINE = {
    t: sign_document(d, serial="P-1", issuer=ISSUER, issued_at=NOW, key=_SIGNER)
    for t, d in sample_documents().items()
}
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_genuine_texts_are_valid() -> None:
    for text in GENUINE.values():
        assert verify(text, TRUST, NOW).valid


@FAST
@given(st.text(max_size=600))
def test_any_text_gives_a_verdict_and_is_never_valid(text: str) -> None:
    verdict = verify(text, TRUST, NOW)
    assert not verdict.valid
    assert verdict.reason


@FAST
@given(st.binary(max_size=800), st.sampled_from(["SN1D:", "SN1R:"]))
def test_random_bytes_behind_a_good_prefix_never_raise_nor_validate(
    data: bytes, prefix: str
) -> None:
    verdict = verify(prefix + base45.b45encode(data).decode(), TRUST, NOW)
    assert not verdict.valid


@FAST
@given(
    st.sampled_from(list(DocumentType)),
    st.data(),
)
def test_mutating_a_genuine_text_never_yields_valid(
    doc_type: DocumentType, data: st.DataObject
) -> None:
    text = GENUINE[doc_type]
    i = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    c = data.draw(st.sampled_from(ALPHABET).filter(lambda ch: ch != text[i]))
    mutated = text[:i] + c + text[i + 1 :]
    verdict = verify(mutated, TRUST, NOW)
    if verdict.valid:
        # The one harmless exception: the unused padding bits of DEFLATE's last byte. The text
        # then still carries exactly the genuine signed bytes (docs/format.md, "Malleability").
        assert codec.decode_text(mutated) == codec.decode_text(text)
    else:
        assert verdict.status is not Status.VALID


@FAST
@given(st.sampled_from(list(DocumentType)), st.data())
def test_mutating_the_inflated_cose_bytes_never_yields_valid(
    doc_type: DocumentType, data: st.DataObject
) -> None:
    raw = bytearray(codec.decode_text(GENUINE[doc_type]))
    i = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    raw[i] ^= data.draw(st.integers(min_value=1, max_value=255))
    assert not verify(codec.encode_text(bytes(raw)), TRUST, NOW).valid
