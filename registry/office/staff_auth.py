"""Staff credentials: password rules, Argon2id hashing, TOTP, lockout, sessions, and the seam
for a ministry's own identity provider.

What it does
------------
*Passwords* follow NIST SP 800-63B (rev. 4, §3.1.1): at least `min_length` characters
(default 15, the single-factor minimum, although staff always have a second factor: the
password alone must still hold while an administrator re-enrols someone's authenticator),
at most `max_length` (default 128; NIST asks that at least 64 be allowed), any printable
character including spaces and Arabic letters, counted in code points after NFKC
normalisation (the same form is hashed); no composition rules (no "one digit, one capital"),
no expiry. Refused instead: a password on the blocklist, which is zxcvbn's packaged list of
the 30,000 most common passwords from breach corpora (the `zxcvbn` package, maintained on
PyPI; no list is downloaded at run time), also with digits or symbols appended
("password12345678"); words of the context (the user name, the staff member's names, the
service's name); and one character or one short block repeated, or a straight run
("aaaaaaaaaaaaaaa", "123456789012345", "abcdefghijklmnop"); and, when none of those applies,
a password zxcvbn estimates an attacker would find in fewer than 10^10 guesses (common
words, names, dates, keyboard walks such as "1q2w3e4r5t6y7u8i": a check against its
dictionaries and patterns, not a composition rule).

*Hashing* is Argon2id through PyNaCl's `nacl.pwhash.argon2id`, as `registry.pins` does for
PINs, at libsodium's interactive cost by default (2 passes, 64 MiB), and `registry.pins`'
`needs_rehash` tells when a stored hash is cheaper than the policy. `verify_password(None,
...)` spends the same time against a dummy hash, so an unknown user name does not answer
faster.

*TOTP* (RFC 6238, via pyotp: 6 digits, 30 s, SHA-1, what every authenticator app reads)
accepts the current time step and one either side, and refuses any step at or before the
last one accepted for that account (`TotpResult.step` is what the caller stores), so a code
seen over a shoulder cannot be used twice. Arabic-Indic digits and spaces are accepted.

*Lockout* reuses `registry.config.ThrottlePolicy` (the PINs' policy: free failures, then an
exponential wait, then a lock an administrator lifts), counting failed passwords and failed
codes alike, on a `LoginCounter` value. *Sessions*: `SessionPolicy` holds the idle and
absolute timeouts and the cookie's attributes; `session_verdict` says whether a session is
still good; session ids and CSRF tokens are 256-bit and compared in constant time, the CSRF
token an HMAC of the session id so it changes when the id is rotated at sign-in.

The *identity-provider seam*: `IdentityProvider` is the Protocol a ministry's single sign-on
implements (for OpenID Connect, a thin class over authlib's client: `start` gives the
authorisation URL, `finish` exchanges the code and returns the verified ID token's claims as
an `ExternalIdentity`). `map_identity(identity, IdpMapping)` turns its claims into a Sanad role
and office by configuration (which claim carries the groups, which group is which role at
which office, whether the provider must report a second factor), so choosing the provider is
settings, not code. docs/office.md describes the wiring.

What it deliberately does not do
--------------------------------
No storage, no clock (times are passed in), no cookies set, no HTTP: the routes store the hash,
the TOTP secret, the last step, the counter and the session, and call these functions. It
does not send or check SMS or e-mail codes (NIST restricts them), nor speak OIDC itself
(`registry.office.oidc` does).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
import pyotp

from registry.config import ThrottlePolicy
from registry.office.declarations import Role
from registry.office.errors import CHARACTERS, SECONDS, Refusal, counted
from registry.pins import needs_rehash

__all__ = [
    "STAFF_THROTTLE",
    "Attempt",
    "AttemptVerdict",
    "ExternalIdentity",
    "IdentityProvider",
    "IdpMapping",
    "LoginCounter",
    "PasswordPolicy",
    "PasswordProblem",
    "SessionPolicy",
    "SessionVerdict",
    "StaffGrant",
    "TotpOutcome",
    "TotpResult",
    "attempt_verdict",
    "check_password",
    "csrf_token",
    "csrf_valid",
    "hash_password",
    "map_identity",
    "needs_rehash",
    "new_session_id",
    "new_totp_secret",
    "normalise_password",
    "record_failure",
    "record_success",
    "session_verdict",
    "totp_code",
    "totp_uri",
    "verify_password",
    "verify_totp",
]


# ---------------------------------------------------------------------------------------------
# passwords


class PasswordProblem(enum.Enum):
    TOO_SHORT = "password_too_short"
    TOO_LONG = "password_too_long"
    COMMON = "password_common"
    CONTEXT = "password_context"
    REPETITIVE = "password_repetitive"
    GUESSABLE = "password_guessable"
    UNPRINTABLE = "password_unprintable"


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 15
    max_length: int = 128
    opslimit: int = argon2id.OPSLIMIT_INTERACTIVE
    memlimit: int = argon2id.MEMLIMIT_INTERACTIVE
    # words no staff password may contain (with the account's own, given per check)
    service_words: tuple[str, ...] = ("sanad", "سند")
    # zxcvbn's estimate of the guesses an attacker needs: below 10^10 (its score 3 or less)
    # the password is words, names, dates or keyboard patterns an attacker tries first
    min_guesses: float = 1e10

    def __post_init__(self) -> None:
        if self.min_length < 8:
            raise ValueError("NIST SP 800-63B: a password is at least 8 characters")
        if self.max_length < max(64, self.min_length):
            raise ValueError("NIST SP 800-63B: allow passwords of at least 64 characters")


def normalise_password(password: str) -> str:
    """The form that is measured and hashed: NFKC (NIST SP 800-63B §3.1.1.2)."""
    return unicodedata.normalize("NFKC", password)


@functools.cache
def _blocklist() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(w.lower() for w in FREQUENCY_LISTS["passwords"])


def _guesses(password: str, user_inputs: list[str]) -> float:
    """zxcvbn's estimate (it reads at most 72 characters; a longer password is stronger)."""
    from zxcvbn import zxcvbn

    return float(zxcvbn(password[:72], user_inputs=user_inputs)["guesses"])


_TRAILING = re.compile(r"[\d\W_]+$")
_ORDER = "abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm"


def _repetitive(text: str) -> bool:
    low = text.lower()
    # one character, or one block of up to four, repeated
    for size in range(1, 5):
        block = low[:size]
        if block and len(low) >= 2 * size and (block * (len(low) // size + 1)).startswith(low):
            return True
    # a straight run, forwards or backwards, cycling (…7890123…)
    for order in _ORDER:
        for seq in (order, order[::-1]):
            doubled = seq * (len(low) // len(seq) + 2)
            if len(low) >= 4 and low in doubled:
                return True
    return False


def check_password(
    policy: PasswordPolicy, password: str, *, context: Iterable[str] = ()
) -> tuple[Refusal, ...]:
    """Why a new password is refused, or () when it is acceptable. `context`: the user name,
    the staff member's names, anything an attacker would try first for this account."""
    text = normalise_password(password)
    out: list[Refusal] = []
    n = len(text)
    if n < policy.min_length:
        out.append(
            Refusal(
                PasswordProblem.TOO_SHORT.value,
                f"كلمة المرور قصيرة: يلزم {counted(policy.min_length, CHARACTERS)} على الأقل، ويمكن"
                " أن تكون عبارة من عدة كلمات.",
                f"The password is too short: use at least {policy.min_length} characters; a"
                " phrase of several words works well.",
            )
        )
    if n > policy.max_length:
        out.append(
            Refusal(
                PasswordProblem.TOO_LONG.value,
                f"كلمة المرور أطول من {counted(policy.max_length, CHARACTERS)}.",
                f"The password is longer than {policy.max_length} characters.",
            )
        )
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in text):
        out.append(
            Refusal(
                PasswordProblem.UNPRINTABLE.value,
                "تحتوي كلمة المرور على رموز تحكم لا تُطبع.",
                "The password contains control characters.",
            )
        )
    low = text.lower()
    base = _TRAILING.sub("", low)
    if low in _blocklist() or (len(base) >= 4 and base in _blocklist()):
        out.append(
            Refusal(
                PasswordProblem.COMMON.value,
                "كلمة المرور هذه من الكلمات الشائعة أو المسرّبة: اختر غيرها.",
                "This password is common or known from breaches: choose another.",
            )
        )
    words = [
        part
        for word in (*policy.service_words, *context)
        for part in re.split(r"[\W_]+", word.lower())
        if len(part) >= 3
    ]
    if any(part in low for part in words):
        out.append(
            Refusal(
                PasswordProblem.CONTEXT.value,
                "لا تستخدم في كلمة المرور اسم المستخدم أو اسمك أو اسم النظام.",
                "Do not use your user name, your name or the service's name in the password.",
            )
        )
    if n and _repetitive(text):
        out.append(
            Refusal(
                PasswordProblem.REPETITIVE.value,
                "كلمة المرور تكرار أو تسلسل لرموز: اختر عبارة يصعب تخمينها.",
                "The password is a repeated or sequential pattern: choose something hard to guess.",
            )
        )
    if not out and _guesses(text, words) < policy.min_guesses:
        out.append(
            Refusal(
                PasswordProblem.GUESSABLE.value,
                "كلمة المرور سهلة التخمين: كلمات شائعة أو أسماء أو تواريخ أو نمط من لوحة المفاتيح."
                " أضف كلمات غير مترابطة.",
                "The password is easy to guess: common words, names, dates or a keyboard"
                " pattern. Add a few unrelated words.",
            )
        )
    return tuple(out)


def hash_password(policy: PasswordPolicy, password: str) -> str:
    """The Argon2id string of a password (check it with `check_password` first)."""
    data = normalise_password(password).encode("utf-8")
    return argon2id.str(data, opslimit=policy.opslimit, memlimit=policy.memlimit).decode("ascii")


@functools.cache
def _dummy_hash() -> bytes:
    return argon2id.str(
        secrets.token_bytes(16),
        opslimit=argon2id.OPSLIMIT_INTERACTIVE,
        memlimit=argon2id.MEMLIMIT_INTERACTIVE,
    )


def verify_password(stored: str | None, password: str) -> bool:
    """True if the password matches; False on a mismatch, bad input, or no stored hash (then
    after the same work, so an unknown account answers no faster)."""
    data = normalise_password(password).encode("utf-8", "replace")
    target = stored.encode("ascii", "replace") if stored is not None else _dummy_hash()
    try:
        ok = bool(argon2id.verify(target, data))
    except (nacl.exceptions.InvalidkeyError, nacl.exceptions.CryptoError, ValueError):
        ok = False
    return ok and stored is not None


# ---------------------------------------------------------------------------------------------
# TOTP

TOTP_DIGITS = 6
TOTP_PERIOD = 30
TOTP_WINDOW = 1  # steps either side of now
_CODE_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)


def new_totp_secret() -> str:
    """A new base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32(32)


def totp_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app scans from a QR code at enrolment."""
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD).provisioning_uri(
        name=account, issuer_name=issuer
    )


def _step(at: dt.datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return int(at.timestamp()) // TOTP_PERIOD


def totp_code(secret: str, at: dt.datetime) -> str:
    """The code for `at` (the demo's "print my current code" command uses it)."""
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD).generate_otp(_step(at))


class TotpOutcome(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"  # no step in the window has this code
    REPLAYED = "replayed"  # the code is right but its step was already used
    MALFORMED = "malformed"  # not six digits


@dataclass(frozen=True)
class TotpResult:
    outcome: TotpOutcome
    step: int | None = None  # the accepted step: store it as the account's last step

    @property
    def accepted(self) -> bool:
        return self.outcome is TotpOutcome.ACCEPTED


def verify_totp(secret: str, code: str, *, at: dt.datetime, last_step: int | None) -> TotpResult:
    """Check a code against now ±1 step, refusing a step at or before `last_step`."""
    typed = "".join(code.translate(_CODE_DIGITS).split())
    if len(typed) != TOTP_DIGITS or not typed.isascii() or not typed.isdigit():
        return TotpResult(TotpOutcome.MALFORMED)
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD)
    now = _step(at)
    matched: int | None = None
    # every candidate is computed and compared in constant time, whichever matches
    for step in range(max(0, now - TOTP_WINDOW), now + TOTP_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), typed):
            matched = step if matched is None else matched
    if matched is None:
        return TotpResult(TotpOutcome.WRONG)
    if last_step is not None and matched <= last_step:
        return TotpResult(TotpOutcome.REPLAYED)
    return TotpResult(TotpOutcome.ACCEPTED, matched)


# ---------------------------------------------------------------------------------------------
# throttling and lockout

# staff: three free tries, then 1 s, 2 s, 4 s... up to 5 minutes, locked at the tenth failure
STAFF_THROTTLE = ThrottlePolicy(max_failures=10, free_failures=3, base_delay=1.0, max_delay=300.0)


@dataclass(frozen=True)
class LoginCounter:
    """An account's consecutive sign-in failures (password or code), as stored."""

    failures: int = 0
    last_failure_at: dt.datetime | None = None
    locked_at: dt.datetime | None = None


class Attempt(enum.Enum):
    ALLOWED = "allowed"
    WAIT = "wait"
    LOCKED = "locked"


@dataclass(frozen=True)
class AttemptVerdict:
    attempt: Attempt
    retry_after: float = 0.0  # seconds, for WAIT

    @property
    def refusal(self) -> Refusal | None:
        if self.attempt is Attempt.LOCKED:
            return Refusal(
                "staff_locked",
                "الحساب مقفل بعد محاولات دخول فاشلة متكررة: راجع مدير النظام لفتحه.",
                "The account is locked after repeated failed sign-ins: ask an administrator to"
                " unlock it.",
            )
        if self.attempt is Attempt.WAIT:
            seconds = max(1, round(self.retry_after))
            return Refusal(
                "staff_throttled",
                f"محاولات فاشلة متتالية: انتظر {counted(seconds, SECONDS)} ثم حاول من جديد.",
                f"Several failed attempts: wait {seconds} seconds and try again.",
            )
        return None


def attempt_verdict(
    policy: ThrottlePolicy, counter: LoginCounter, now: dt.datetime
) -> AttemptVerdict:
    """May a sign-in be tried now? Ask before checking the password."""
    if counter.locked_at is not None:
        return AttemptVerdict(Attempt.LOCKED)
    wait = policy.delay_after(counter.failures)
    if wait and counter.last_failure_at is not None:
        remaining = wait - (now - counter.last_failure_at).total_seconds()
        if remaining > 0:
            return AttemptVerdict(Attempt.WAIT, remaining)
    return AttemptVerdict(Attempt.ALLOWED)


def record_failure(policy: ThrottlePolicy, counter: LoginCounter, now: dt.datetime) -> LoginCounter:
    failures = counter.failures + 1
    locked = counter.locked_at or (now if failures >= policy.max_failures else None)
    return LoginCounter(failures, now, locked)


def record_success(counter: LoginCounter) -> LoginCounter:
    """A full sign-in (password and code) clears the count; it never lifts a lock."""
    if counter.locked_at is not None:
        return counter
    return LoginCounter()


# ---------------------------------------------------------------------------------------------
# sessions


@dataclass(frozen=True)
class SessionPolicy:
    """Server-side sessions: the cookie holds only a random id.

    Idle 15 minutes and absolute 8 hours (one shift) are stricter than NIST SP 800-63B's AAL2
    limits (rev. 4 §2.2.3: 1 hour idle, 24 hours overall). The `__Host-` prefix makes the
    browser insist on Secure, Path=/ and no Domain."""

    idle_timeout: dt.timedelta = dt.timedelta(minutes=15)
    absolute_timeout: dt.timedelta = dt.timedelta(hours=8)
    cookie_name: str = "__Host-sanad-office"
    secure: bool = True
    http_only: bool = True
    same_site: str = "strict"
    rotate_on_sign_in: bool = True

    def __post_init__(self) -> None:
        if self.idle_timeout > self.absolute_timeout:
            raise ValueError("the idle timeout cannot exceed the absolute timeout")
        if self.same_site not in ("strict", "lax"):
            raise ValueError("office cookies are SameSite strict or lax")


class SessionVerdict(enum.Enum):
    ACTIVE = "active"
    IDLE = "idle_expired"
    EXPIRED = "absolute_expired"


def session_verdict(
    policy: SessionPolicy, *, created_at: dt.datetime, last_seen_at: dt.datetime, now: dt.datetime
) -> SessionVerdict:
    if now - created_at >= policy.absolute_timeout:
        return SessionVerdict.EXPIRED
    if now - last_seen_at >= policy.idle_timeout:
        return SessionVerdict.IDLE
    return SessionVerdict.ACTIVE


def new_session_id() -> str:
    """256 random bits, URL-safe; store only its SHA-256, as citizen sessions do."""
    return secrets.token_urlsafe(32)


def csrf_token(key: bytes, session_id: str) -> str:
    """The form token of a session: HMAC-SHA256(key, session id), hex."""
    return hmac.new(key, session_id.encode("ascii", "replace"), hashlib.sha256).hexdigest()


def csrf_valid(key: bytes, session_id: str, token: str | None) -> bool:
    if not token:
        return False
    return hmac.compare_digest(csrf_token(key, session_id).encode("ascii"), token.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# a ministry's own identity provider


@dataclass(frozen=True)
class ExternalIdentity:
    """Who the provider says signed in: its issuer, the stable subject, and verified claims."""

    issuer: str
    subject: str
    claims: Mapping[str, object] = field(default_factory=dict)


class IdentityProvider(Protocol):
    """A single sign-on a ministry runs (OpenID Connect with authlib, SAML, ...).

    The office routes call `start` to send the browser to the provider, keeping `state`,
    `nonce` and the PKCE `code_verifier` server-side for that browser, and `finish` on the
    callback; `finish` verifies the answer (state, nonce, signature, audience, expiry) and
    raises on anything wrong (`registry.office.oidc.OidcProvider` is the OpenID Connect one)."""

    name: str

    def start(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        """The URL to redirect the browser to."""
        ...

    def finish(
        self,
        *,
        query: Mapping[str, str],
        redirect_uri: str,
        state: str,
        nonce: str,
        code_verifier: str,
    ) -> ExternalIdentity:
        """The verified identity from the provider's callback."""
        ...


@dataclass(frozen=True)
class StaffGrant:
    role: Role
    office: str | None


@dataclass(frozen=True)
class IdpMapping:
    """How the provider's claims become a Sanad role and office (configuration).

    `groups` maps a group name (as the provider sends it in `groups_claim`) to a role and an
    office code; a person in several groups gets the first listed here that matches, so list
    the strongest first. `require_mfa`: refuse unless the `amr` claim (RFC 8176) shows a
    second factor, as the office's own sign-in always demands."""

    groups: Sequence[tuple[str, StaffGrant]]
    groups_claim: str = "groups"
    require_mfa: bool = True
    mfa_methods: frozenset[str] = frozenset({"mfa", "otp", "hwk", "swk", "sc", "fpt", "face"})


def map_identity(identity: ExternalIdentity, mapping: IdpMapping) -> StaffGrant | Refusal:
    """The role and office the identity's claims grant, or the refusal."""
    if mapping.require_mfa:
        amr = identity.claims.get("amr")
        methods = {str(m) for m in amr} if isinstance(amr, list | tuple) else set()
        if not methods & mapping.mfa_methods:
            return Refusal(
                "idp_no_second_factor",
                "لم يؤكّد مزوّد الهوية استخدام عامل تحقق ثانٍ: سجّل الدخول من جديد بالعامل الثاني.",
                "The identity provider did not confirm a second factor: sign in again with it.",
            )
    raw = identity.claims.get(mapping.groups_claim)
    held = {str(g) for g in raw} if isinstance(raw, list | tuple) else set()
    for group, grant in mapping.groups:
        if group in held:
            return grant
    return Refusal(
        "idp_no_role",
        "لا يمنحك مزوّد الهوية أي دور في السجل المدني: راجع مدير النظام.",
        "The identity provider grants you no role in the civil registry: ask an administrator.",
    )
