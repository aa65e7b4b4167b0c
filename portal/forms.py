"""What a citizen types, checked before anything goes to the registry (pure functions).

Each check returns the clean value or raises `FieldError(field, key)`: `key` names the words
(`portal.words`) the page shows next to that field. Digits may be typed in Arabic-Indic
(٠١٢…) or Eastern (۰۱۲…) form; spaces and dashes are ignored where a person would add them.

What it does not do: judge entitlement or a PIN (the registry does), or word anything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

import phonenumbers

from portal.registry_port import COLLECTIONS, Address
from verifier import national_id as nid

__all__ = [
    "FieldError",
    "address",
    "booking_day",
    "code",
    "collection",
    "link_token",
    "msisdn",
    "national_id",
    "office_code",
    "order_code",
    "pin",
    "reference",
    "service_code",
    "slot",
]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_POSTCODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{0,11}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SERVICE = re.compile(r"[A-Z_]{2,16}")
_OFFICE = re.compile(r"[A-Z]{3}")
_TOKEN = re.compile(r"[a-z]{22}")
_SLOT = re.compile(r"(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):([0-5]\d)")


class FieldError(ValueError):
    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key


def _digits(text: str) -> str:
    return nid.normalise(text.strip())


def national_id(text: str) -> str:
    value = _digits(text)
    if not value:
        raise FieldError("national_id", "err_required")
    if len(value) != nid.NATIONAL_ID_LENGTH or not value.isascii() or not value.isdigit():
        raise FieldError("national_id", "err_national_id_length")
    if not nid.is_valid(value):
        raise FieldError("national_id", "err_national_id_check")
    return value


def pin(text: str) -> str:
    value = _digits(text)
    if not value:
        raise FieldError("pin", "err_required")
    if not (value.isascii() and value.isdigit() and 4 <= len(value) <= 8):
        raise FieldError("pin", "err_pin_format")
    return value


def code(text: str) -> str:
    value = _digits(text)
    if not value:
        raise FieldError("code", "err_required")
    if not (value.isascii() and value.isdigit() and len(value) == 6):
        raise FieldError("code", "err_code_format")
    return value


def order_code(text: str) -> str:
    """An order code as typed or in a link (dashes, spaces, lower case and the usual Crockford
    look-alikes allowed) as its nine canonical characters; the registry checks the check
    character, this only keeps the path clean."""
    value = text.strip().upper().replace("-", "").replace(" ", "").translate(_CROCKFORD_ALIASES)
    if len(value) != 9 or any(ch not in _CROCKFORD for ch in value):
        raise FieldError("order_code", "err_order_code")
    return value


def msisdn(text: str, region: str) -> str:
    """A mobile number in E.164 (+962790000000) from what was typed, national or +country."""
    raw = _digits(text).replace("(", "").replace(")", "").replace(".", "")
    if not raw:
        raise FieldError("msisdn", "err_required")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException:
        raise FieldError("msisdn", "err_msisdn") from None
    if not phonenumbers.is_valid_number(number):
        raise FieldError("msisdn", "err_msisdn")
    kind = phonenumbers.number_type(number)
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise FieldError("msisdn", "err_msisdn_not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def collection(value: str, office: str, offices: Sequence[str]) -> tuple[str, str | None]:
    """The way of collection, and the office for a counter."""
    if value not in COLLECTIONS:
        raise FieldError("collection", "err_collection")
    if value != "counter":
        return value, None
    if not office:
        raise FieldError("office", "err_office")
    if office not in offices:
        raise FieldError("office", "err_office")
    return value, office


def _line(form: Mapping[str, str], name: str, limit: int, required: bool) -> str:
    value = " ".join(_CONTROL.sub(" ", form.get(name, "")).split())
    if required and not value:
        raise FieldError(name, "err_required")
    if len(value) > limit:
        raise FieldError(name, "err_too_long")
    return value


def address(form: Mapping[str, str]) -> tuple[Address | None, list[FieldError]]:
    """The postal address fields (addr_name, addr_line1, addr_line2, addr_city, addr_postcode),
    every problem at once so the page can mark each field."""
    errors: list[FieldError] = []
    values: dict[str, str] = {}
    for name, limit, required in (
        ("addr_name", 100, True),
        ("addr_line1", 120, True),
        ("addr_line2", 120, False),
        ("addr_city", 60, True),
        ("addr_postcode", 12, False),
    ):
        try:
            values[name] = _line(form, name, limit, required)
        except FieldError as exc:
            errors.append(exc)
    postcode = values.get("addr_postcode", "")
    if postcode and not _POSTCODE.fullmatch(_digits(postcode)):
        errors.append(FieldError("addr_postcode", "err_postcode"))
    if errors:
        return None, errors
    return (
        Address(
            name=values["addr_name"],
            line1=values["addr_line1"],
            line2=values["addr_line2"],
            city=values["addr_city"],
            postcode=_digits(postcode),
        ),
        [],
    )


def reference(text: str) -> str:
    """An appointment's reference (the same nine-character form as an order code)."""
    try:
        return order_code(text)
    except FieldError:
        raise FieldError("reference", "err_reference") from None


def link_token(text: str) -> str:
    """The SMS link's token: 22 lower-case letters (the registry checks it)."""
    if not _TOKEN.fullmatch(text):
        raise FieldError("t", "link_invalid")
    return text


def service_code(text: str) -> str:
    if not _SERVICE.fullmatch(text):
        raise FieldError("service", "err_service")
    return text


def office_code(text: str) -> str:
    if not _OFFICE.fullmatch(text):
        raise FieldError("office", "err_office")
    return text


def booking_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else _bad_day()
    except ValueError:
        raise FieldError("day", "err_day") from None


def _bad_day() -> dt.date:
    raise ValueError("not YYYY-MM-DD")


def slot(text: str) -> tuple[dt.date, dt.time]:
    """A chosen time's button value, "2027-01-03T08:15": its day and its start."""
    found = _SLOT.fullmatch(text)
    if not found:
        raise FieldError("slot", "err_slot")
    try:
        day = dt.date.fromisoformat(found.group(1))
    except ValueError:
        raise FieldError("slot", "err_slot") from None
    return day, dt.time(int(found.group(2)), int(found.group(3)))
