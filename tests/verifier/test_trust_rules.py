"""Trust-list strictness (identity, times, unknown keys, plain data) and the store's rules:
same sequence with other content, rollback, and a pinned minimum sequence."""

from __future__ import annotations

import contextlib
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier import cose
from verifier.errors import TrustListError
from verifier.fixtures import IDENTITY, sample_trust_list, signer_entry
from verifier.keys import SigningKey
from verifier.trust import (
    TRUST_LIST_CONTENT_TYPE,
    TrustStore,
    load_trust_list,
    serial_hash,
)

from .verifier_support import NOW

ROOT = SigningKey.from_seed(b"R" * 32)
SIGNER = SigningKey.from_seed(b"S" * 32)


def _good(seq: int = 3, **kw: Any) -> bytes:
    entry = signer_entry(SIGNER, not_before=NOW)
    return sample_trust_list(ROOT, [entry], sequence=seq, issued_at=NOW, **kw)


def _raw_map() -> Any:
    return cbor2.loads(cose.parse_sign1(_good()).payload)


def _signed(raw: Any) -> bytes:
    return cose.sign1(cbor2.dumps(raw, canonical=True), ROOT, content_type=TRUST_LIST_CONTENT_TYPE)


def test_identity_round_trips() -> None:
    tl = load_trust_list(_good(), [ROOT.public])
    assert tl.identity == IDENTITY
    assert (tl.identity.country, tl.identity.currency, tl.identity.minor_units) == ("JO", "JOD", 3)
    assert tl.identity.currency_name.ar == "دينار"


def _edit_top(key: int, value: Any) -> Any:
    raw = _raw_map()
    raw[key] = value
    return raw


def _edit_signer(key: int, value: Any) -> Any:
    raw = _raw_map()
    raw[6][0][key] = value
    return raw


def _edit_identity(key: int, value: Any) -> Any:
    raw = _raw_map()
    raw[9][key] = value
    return raw


def _without(key: int) -> Any:
    raw = _raw_map()
    del raw[key]
    return raw


YEAR_10000 = 253402300800
BAD_LISTS = {
    "signing window end in year 10000": lambda: _edit_signer(5, YEAR_10000),
    "signing window start in year 10000": lambda: _edit_signer(4, YEAR_10000),
    "next-update in year 10000": lambda: _edit_top(4, YEAR_10000),
    "next-update 2**40": lambda: _edit_top(4, 2**40),
    "next-update before issued-at": lambda: _edit_top(4, 0),
    "a float time": lambda: _edit_top(3, 1.5e9),
    "a float in the place table": lambda: _edit_top(8, {1: ["x", 1.0]}),
    "a boolean place code": lambda: _edit_top(8, {True: ["x", ""]}),
    "null where the revocations go": lambda: _edit_top(7, None),
    "an unknown top-level key": lambda: _edit_top(10, 1),
    "an unknown signer key": lambda: _edit_signer(9, 1),
    "an unknown identity key": lambda: _edit_identity(6, 1),
    "no identity": lambda: _without(9),
    "no authority": lambda: _without(5),
    "country not alpha-2": lambda: _edit_identity(1, "JOR"),
    "currency lower case": lambda: _edit_identity(2, "jod"),
    "minor units 5": lambda: _edit_identity(3, 5),
    "verification address over http": lambda: _edit_identity(4, "http://verify.example/"),
    "verification address with a space": lambda: _edit_identity(4, "https://a b/"),
    "an authority name with a bidi override": lambda: _edit_top(5, ["دائرة\u202e", "x"]),
    "a place name with a line separator": lambda: _edit_top(8, {1: ["a\u2028b", ""]}),
    "revoked-from on an active signer": lambda: _edit_signer(8, 0),
    "a window that ends before it starts": lambda: _edit_signer(5, 0),
    "document type 0": lambda: _edit_signer(6, [0]),
}


@pytest.mark.parametrize("make", BAD_LISTS.values(), ids=BAD_LISTS.keys())
def test_a_list_that_does_not_fit_is_a_trust_list_error(make: Any) -> None:
    with pytest.raises(TrustListError):
        load_trust_list(_signed(make()), [ROOT.public])


def test_the_same_list_again_is_a_no_op() -> None:
    store = TrustStore([ROOT.public])
    first = store.accept(_good(3))
    assert store.accept(_good(3)) is first


def test_same_sequence_with_other_content_is_an_error_and_the_held_list_stays() -> None:
    store = TrustStore([ROOT.public])
    held = store.accept(_good(3))
    changed = _good(3, revoked_serials=frozenset({serial_hash("BI26-1")}))
    with pytest.raises(TrustListError, match="republished with different content"):
        store.accept(changed)
    assert store.current is held and not held.is_revoked("BI26-1")
    assert store.accept(_good(4, revoked_serials=frozenset({serial_hash("BI26-1")}))).sequence == 4


def test_a_lower_sequence_is_refused_never_replaced() -> None:
    store = TrustStore([ROOT.public])
    store.accept(_good(5))
    with pytest.raises(TrustListError, match="rollback"):
        store.accept(_good(4))
    assert store.current is not None and store.current.sequence == 5


def test_a_pinned_minimum_sequence_refuses_an_old_genuine_list() -> None:
    with pytest.raises(TrustListError, match="minimum sequence 4"):
        load_trust_list(_good(3), [ROOT.public], min_sequence=4)
    assert load_trust_list(_good(4), [ROOT.public], min_sequence=4).sequence == 4
    store = TrustStore([ROOT.public], min_sequence=10)
    with pytest.raises(TrustListError, match="minimum sequence"):
        store.accept(_good(9))
    assert store.current is None
    with pytest.raises(TrustListError):
        TrustStore([ROOT.public], load_trust_list(_good(3), [ROOT.public]), min_sequence=4)


def test_a_list_verifiers_would_refuse_is_never_signed() -> None:
    entry = signer_entry(SIGNER, not_before=NOW)
    with pytest.raises(TrustListError):
        sample_trust_list(ROOT, [entry], issued_at=NOW, revoked_serials=frozenset({b"short"}))
    with pytest.raises(TrustListError):
        sample_trust_list(ROOT, [signer_entry(SIGNER, not_before=NOW, days=-1)], issued_at=NOW)


_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64 - 1)
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.binary(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.integers(-2, 12), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 10), st.integers(1, 9), _VALUES)
def test_any_genuinely_signed_list_loads_or_is_a_trust_list_error(
    top: int, inner: int, value: object
) -> None:
    raw = _raw_map()
    if top == 6:
        raw[6][0][inner] = value
    elif top == 9:
        raw[9][inner] = value
    else:
        raw[top] = value
    try:
        data = _signed(raw)
    except (TypeError, ValueError, OverflowError):  # cbor2 cannot encode it: nothing to test
        return
    with contextlib.suppress(TrustListError):
        load_trust_list(data, [ROOT.public])
