"""Staff credentials: NIST password rules, Argon2id, TOTP with replay refusal, lockout,
session timeouts, CSRF tokens and the identity-provider mapping."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping

import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.office.declarations import Role
from registry.office.errors import Refusal
from registry.office.staff_auth import (
    STAFF_THROTTLE,
    Attempt,
    ExternalIdentity,
    IdentityProvider,
    IdpMapping,
    LoginCounter,
    PasswordPolicy,
    PasswordProblem,
    SessionPolicy,
    SessionVerdict,
    StaffGrant,
    TotpOutcome,
    attempt_verdict,
    check_password,
    csrf_token,
    csrf_valid,
    hash_password,
    map_identity,
    needs_rehash,
    new_session_id,
    new_totp_secret,
    record_failure,
    record_success,
    session_verdict,
    totp_code,
    totp_uri,
    verify_password,
    verify_totp,
)
from registry.pins import DEMO_MEMLIMIT, DEMO_OPSLIMIT

POLICY = PasswordPolicy()
CHEAP = PasswordPolicy(opslimit=DEMO_OPSLIMIT, memlimit=DEMO_MEMLIMIT)
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def problems(password: str, context: tuple[str, ...] = ()) -> set[str]:
    return {r.code for r in check_password(POLICY, password, context=context)}


# --- password rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "ضوء القمر فوق جبل عجلون",  # Arabic passphrases are welcome
        "Tr0ub4dor&3 on the hill",
        "xxxqjv mzkp wrtl nb",
        "قهوة الصباح 7 مرات",
    ],
)
def test_good_passphrases_pass(password: str) -> None:
    assert check_password(POLICY, password) == ()


def test_length_is_counted_in_code_points_after_nfkc() -> None:
    assert problems("short phrase") == {PasswordProblem.TOO_SHORT.value}
    assert problems("مفتاح الباب الأخض") == set()  # 17 Arabic letters and spaces
    # a ligature counts as the letters it stands for: ﷲ is four letters under NFKC
    assert len(check_password(POLICY, "ﷲ" * 4)) >= 1
    (too_long,) = check_password(POLICY, "word " * 26)  # 130 characters
    assert too_long.code == PasswordProblem.TOO_LONG.value
    assert "\u2068128\u2069" in too_long.ar


def test_no_composition_rules() -> None:
    assert problems("all lower case words only here") == set()
    assert problems("NO DIGITS NO SYMBOLS AT ALL") == set()


@pytest.mark.parametrize(
    "password",
    [
        "password1234567",
        "Password12345678!",
        "iloveyou1234567890",
        "qwertyuiop123456",
        "1q2w3e4r5t6y7u8i",
    ],
)
def test_common_and_breached_passwords_are_refused(password: str) -> None:
    assert problems(password) & {
        PasswordProblem.COMMON.value,
        PasswordProblem.REPETITIVE.value,
        PasswordProblem.GUESSABLE.value,
    }


def test_the_blocklist_is_zxcvbns_packaged_list() -> None:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    # few breached passwords reach 15 characters, so the list matters most with digits added
    listed = [p for p in FREQUENCY_LISTS["passwords"] if len(p) >= 15]
    assert len(listed) >= 30
    for p in listed:
        assert PasswordProblem.COMMON.value in problems(p), p
    for p in FREQUENCY_LISTS["passwords"][:200]:
        if len(p) >= 4 and not p.isdigit():
            padded = p + "2" * max(1, 15 - len(p))
            found = problems(padded)
            assert found & {PasswordProblem.COMMON.value, PasswordProblem.GUESSABLE.value}, padded


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaaaaaa",
        "abcabcabcabcabcabc",
        "123456789012345678",
        "zyxwvutsrqponmlkj",
        "qwertyuiopqwertyu",
    ],
)
def test_repetition_and_runs_are_refused(password: str) -> None:
    assert PasswordProblem.REPETITIVE.value in problems(password)


@pytest.mark.parametrize(
    "password", ["mypasswordislong", "summer2024summer", "1q2w3e4r5t6y7u8i", "iloveyouiloveyou"]
)
def test_guessable_patterns_are_refused(password: str) -> None:
    assert problems(password)


def test_context_words_are_refused() -> None:
    assert PasswordProblem.CONTEXT.value in problems("my sanad password is long", ())
    got = problems("khaled omari from amman", ("k.omari", "Khaled Al-Omari"))
    assert PasswordProblem.CONTEXT.value in got
    assert problems("a long phrase with no names", ("k.omari",)) == set()


def test_control_characters_are_refused() -> None:
    assert PasswordProblem.UNPRINTABLE.value in problems("a long phrase\x00with a nul")


def test_messages_are_bilingual() -> None:
    (r,) = check_password(POLICY, "short phrase")
    assert r.ar.startswith("كلمة المرور قصيرة") and "\u206815\u2069" in r.ar
    assert r.en.startswith("The password is too short")


def test_policy_refuses_what_nist_forbids() -> None:
    with pytest.raises(ValueError, match="at least 8"):
        PasswordPolicy(min_length=6)
    with pytest.raises(ValueError, match="64"):
        PasswordPolicy(max_length=40)
    assert PasswordPolicy(min_length=8).min_length == 8  # allowed with a second factor


# --- hashing ---------------------------------------------------------------------------------


def test_hash_and_verify() -> None:
    stored = hash_password(CHEAP, "correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery staple")
    assert not verify_password(stored, "correct horse battery stapl")
    assert not verify_password("not a hash", "correct horse battery staple")
    assert not verify_password(None, "correct horse battery staple")


def test_the_same_password_in_another_unicode_form_verifies() -> None:
    stored = hash_password(CHEAP, "ﻗﻬﻮﺓ الصباح في البيت")  # presentation forms
    assert verify_password(stored, "قهوة الصباح في البيت")


def test_production_cost_and_rehash() -> None:
    cheap = hash_password(CHEAP, "correct horse battery staple")
    assert needs_rehash(cheap, opslimit=POLICY.opslimit, memlimit=POLICY.memlimit)
    full = hash_password(POLICY, "correct horse battery staple")
    assert "$m=65536,t=2," in full
    assert not needs_rehash(full, opslimit=POLICY.opslimit, memlimit=POLICY.memlimit)


# --- TOTP ------------------------------------------------------------------------------------

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix", "code"),
    [
        (59, "287082"),
        (1111111109, "081804"),
        (1111111111, "050471"),
        (1234567890, "005924"),
        (2000000000, "279037"),
    ],
)
def test_rfc_6238_vectors(unix: int, code: str) -> None:
    at = dt.datetime.fromtimestamp(unix, dt.UTC)
    assert totp_code(RFC_SECRET, at) == code
    result = verify_totp(RFC_SECRET, code, at=at, last_step=None)
    assert result.accepted and result.step == unix // 30


def test_a_code_is_accepted_once() -> None:
    secret = new_totp_secret()
    code = totp_code(secret, T0)
    first = verify_totp(secret, code, at=T0, last_step=None)
    assert first.outcome is TotpOutcome.ACCEPTED
    again = verify_totp(secret, code, at=T0 + dt.timedelta(seconds=5), last_step=first.step)
    assert again.outcome is TotpOutcome.REPLAYED and again.step is None


def test_an_earlier_code_after_a_later_one_is_a_replay() -> None:
    secret = new_totp_secret()
    later = verify_totp(
        secret, totp_code(secret, T0 + dt.timedelta(seconds=30)), at=T0, last_step=None
    )
    assert later.accepted
    earlier = verify_totp(secret, totp_code(secret, T0), at=T0, last_step=later.step)
    assert earlier.outcome is TotpOutcome.REPLAYED
    nxt = verify_totp(
        secret,
        totp_code(secret, T0 + dt.timedelta(seconds=60)),
        at=T0 + dt.timedelta(seconds=31),
        last_step=later.step,
    )
    assert nxt.accepted


def test_window_is_one_step_either_side() -> None:
    secret = new_totp_secret()
    for offset, ok in ((-60, False), (-30, True), (0, True), (30, True), (60, False)):
        code = totp_code(secret, T0 + dt.timedelta(seconds=offset))
        result = verify_totp(secret, code, at=T0, last_step=None)
        assert result.accepted is ok, offset
        if not ok:
            assert result.outcome is TotpOutcome.WRONG


def test_codes_typed_with_spaces_or_arabic_digits() -> None:
    secret = RFC_SECRET
    at = dt.datetime.fromtimestamp(59, dt.UTC)
    assert verify_totp(secret, "287 082", at=at, last_step=None).accepted
    assert verify_totp(secret, "٢٨٧٠٨٢", at=at, last_step=None).accepted
    for bad in ("", "28708", "2870821", "abcdef", "²⁸⁷⁰⁸²"):
        assert verify_totp(secret, bad, at=at, last_step=None).outcome is TotpOutcome.MALFORMED


def test_enrolment_uri_is_read_by_pyotp() -> None:
    secret = new_totp_secret()
    assert len(base64.b32decode(secret)) == 20
    uri = totp_uri(secret, account="k.omari", issuer="Civil Status Office")
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP) and parsed.secret == secret
    assert parsed.at(T0) == totp_code(secret, T0)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        totp_code(RFC_SECRET, dt.datetime(2026, 1, 1))


@settings(max_examples=50)
@given(st.integers(min_value=0, max_value=4_000_000_000), st.integers(min_value=0, max_value=29))
def test_any_time_accepts_its_own_code_once(unix: int, jitter: int) -> None:
    secret = RFC_SECRET
    at = dt.datetime.fromtimestamp(unix, dt.UTC)
    result = verify_totp(
        secret, totp_code(secret, at), at=at + dt.timedelta(seconds=jitter), last_step=None
    )
    assert result.accepted
    assert (
        verify_totp(secret, totp_code(secret, at), at=at, last_step=result.step).outcome
        is TotpOutcome.REPLAYED
    )


# --- lockout ---------------------------------------------------------------------------------


def test_three_free_failures_then_waits_then_a_lock() -> None:
    counter = LoginCounter()
    now = T0
    for _ in range(3):
        assert attempt_verdict(STAFF_THROTTLE, counter, now).attempt is Attempt.ALLOWED
        counter = record_failure(STAFF_THROTTLE, counter, now)
    verdict = attempt_verdict(STAFF_THROTTLE, counter, now)
    assert verdict.attempt is Attempt.WAIT and verdict.retry_after == pytest.approx(1.0)
    assert verdict.refusal is not None and verdict.refusal.code == "staff_throttled"
    assert (
        attempt_verdict(STAFF_THROTTLE, counter, now + dt.timedelta(seconds=1)).attempt
        is Attempt.ALLOWED
    )
    for _ in range(7):
        now += dt.timedelta(minutes=10)
        counter = record_failure(STAFF_THROTTLE, counter, now)
    assert counter.failures == 10 and counter.locked_at == now
    locked = attempt_verdict(STAFF_THROTTLE, counter, now + dt.timedelta(days=30))
    assert locked.attempt is Attempt.LOCKED
    assert locked.refusal is not None and "مدير النظام" in locked.refusal.ar


def test_success_clears_the_count_but_not_a_lock() -> None:
    counter = record_failure(STAFF_THROTTLE, LoginCounter(), T0)
    assert record_success(counter) == LoginCounter()
    locked = LoginCounter(10, T0, T0)
    assert record_success(locked) == locked
    assert attempt_verdict(STAFF_THROTTLE, LoginCounter(), T0).refusal is None


# --- sessions and CSRF -----------------------------------------------------------------------


def test_session_timeouts() -> None:
    p = SessionPolicy()

    def verdict(created: int, seen: int) -> SessionVerdict:
        now = T0 + dt.timedelta(hours=9)
        return session_verdict(
            p,
            created_at=now - dt.timedelta(minutes=created),
            last_seen_at=now - dt.timedelta(minutes=seen),
            now=now,
        )

    assert verdict(60, 1) is SessionVerdict.ACTIVE
    assert verdict(60, 15) is SessionVerdict.IDLE
    assert verdict(8 * 60, 0) is SessionVerdict.EXPIRED
    assert (
        p.cookie_name.startswith("__Host-") and p.secure and p.http_only and p.same_site == "strict"
    )
    with pytest.raises(ValueError, match="idle"):
        SessionPolicy(idle_timeout=dt.timedelta(hours=9))
    with pytest.raises(ValueError, match="SameSite"):
        SessionPolicy(same_site="none")


def test_session_ids_are_random_and_csrf_is_bound_to_the_session() -> None:
    a, b = new_session_id(), new_session_id()
    assert a != b and len(a) >= 43
    key = b"k" * 32
    token = csrf_token(key, a)
    assert csrf_valid(key, a, token)
    assert not csrf_valid(key, b, token)  # rotated id, old token refused
    assert not csrf_valid(b"x" * 32, a, token)
    assert not csrf_valid(key, a, None) and not csrf_valid(key, a, "")
    assert not csrf_valid(key, a, "é" * 64)


# --- identity provider seam ------------------------------------------------------------------


class _Directory:
    """A provider for tests: a real implementation of the Protocol over a fixed answer."""

    name = "test-directory"

    def __init__(self, claims: Mapping[str, object]) -> None:
        self.claims = claims

    def start(self, *, redirect_uri: str, state: str, nonce: str) -> str:
        return (
            f"https://idp.invalid/authorize?state={state}&nonce={nonce}&redirect_uri={redirect_uri}"
        )

    def finish(
        self, *, query: Mapping[str, str], redirect_uri: str, state: str, nonce: str
    ) -> ExternalIdentity:
        if query.get("state") != state:
            raise ValueError("state mismatch")
        return ExternalIdentity("https://idp.invalid", "u-123", self.claims)


MAPPING = IdpMapping(
    groups=(
        ("cspd-registrars-amman", StaffGrant(Role.REGISTRAR, "AMM")),
        ("cspd-clerks-amman", StaffGrant(Role.CLERK, "AMM")),
        ("cspd-supervisors", StaffGrant(Role.SUPERVISOR, None)),
    )
)


def _sign_in(provider: IdentityProvider) -> StaffGrant | Refusal:
    url = provider.start(redirect_uri="https://office/cb", state="s1", nonce="n1")
    assert "state=s1" in url
    identity = provider.finish(
        query={"state": "s1", "code": "c"}, redirect_uri="https://office/cb", state="s1", nonce="n1"
    )
    return map_identity(identity, MAPPING)


def test_groups_map_to_the_strongest_listed_role() -> None:
    grant = _sign_in(
        _Directory(
            {"amr": ["pwd", "otp"], "groups": ["cspd-clerks-amman", "cspd-registrars-amman"]}
        )
    )
    assert grant == StaffGrant(Role.REGISTRAR, "AMM")


def test_no_second_factor_or_no_group_is_refused() -> None:
    refusal = _sign_in(_Directory({"amr": ["pwd"], "groups": ["cspd-clerks-amman"]}))
    assert isinstance(refusal, Refusal) and refusal.code == "idp_no_second_factor"
    refusal = _sign_in(_Directory({"amr": ["mfa"], "groups": ["finance"]}))
    assert isinstance(refusal, Refusal) and refusal.code == "idp_no_role"
    relaxed = IdpMapping(groups=MAPPING.groups, require_mfa=False)
    assert map_identity(
        ExternalIdentity("i", "s", {"groups": ["cspd-supervisors"]}), relaxed
    ) == StaffGrant(Role.SUPERVISOR, None)
