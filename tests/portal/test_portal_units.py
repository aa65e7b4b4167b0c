"""The portal's pure parts: what a citizen types (portal.forms), the sealed cookies and CSRF
tokens (portal.sessions), the words (portal.words), the QR, and `sanad portal init`'s files."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import stat
from pathlib import Path

import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image

from portal import forms
from portal.app import _LOCAL_PATH, _order_view
from portal.config import ConfigError, initialise, load_config, load_cookie_key
from portal.qr import qr_svg
from portal.registry_port import COLLECTIONS, ORDER_STATES, Order
from portal.sessions import Pending, Seal, SessionState
from portal.words import TEXT, refusal_text, relation_text
from registry.codes import ErrorCode
from sanad.cli import main
from verifier import national_id as nid
from verifier.keys import load_public_key, load_signing_key

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
VALID_ID = nid.make("994151093")


# -- forms -------------------------------------------------------------------------------


def test_national_number_in_arabic_digits_with_spaces() -> None:
    arabic = VALID_ID.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert forms.national_id(f" {arabic[:5]} {arabic[5:]} ") == VALID_ID


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "err_required"),
        ("12345", "err_national_id_length"),
        ("x" * 10, "err_national_id_length"),
    ],
)
def test_national_number_refusals(text: str, key: str) -> None:
    with pytest.raises(forms.FieldError) as caught:
        forms.national_id(text)
    assert caught.value.key == key


def test_national_number_check_digit() -> None:
    wrong = VALID_ID[:-1] + str((int(VALID_ID[-1]) + 1) % 10)
    with pytest.raises(forms.FieldError, match="err_national_id_check"):
        forms.national_id(wrong)


def test_pin_and_code_shapes() -> None:
    assert forms.pin("١٢٣٤") == "1234"
    assert forms.code(" 123 456 ") == "123456"
    for bad in ("123", "123456789", "12a4"):
        with pytest.raises(forms.FieldError):
            forms.pin(bad)
    with pytest.raises(forms.FieldError):
        forms.code("12345")


def test_mobile_numbers_to_e164() -> None:
    assert forms.msisdn("079 123 4567", "JO") == "+962791234567"
    assert forms.msisdn("00962791234567", "") == "+962791234567"
    assert forms.msisdn("+962 79 123 4567", "") == "+962791234567"
    with pytest.raises(forms.FieldError, match="err_msisdn_not_mobile"):
        forms.msisdn("06 500 0000", "JO")  # Amman landline
    with pytest.raises(forms.FieldError, match="err_msisdn"):
        forms.msisdn("079", "JO")
    with pytest.raises(forms.FieldError, match="err_msisdn"):
        forms.msisdn("0791234567", "")  # no region: only +international


def test_order_codes_as_typed() -> None:
    assert forms.order_code("k7q-m2x-a9c") == "K7QM2XA9C"
    assert forms.order_code("K7Q M2X A9O") == "K7QM2XA90"  # O read as zero, as Crockford says
    for bad in ("K7QM2XA9", "K7QM2XA9CC", "../etc/pa", "K7QM2XA9U"):
        with pytest.raises(forms.FieldError):
            forms.order_code(bad)


def test_collection_and_office() -> None:
    assert forms.collection("kiosk", "AMM", ["AMM"]) == ("kiosk", None)
    assert forms.collection("counter", "AMM", ["AMM"]) == ("counter", "AMM")
    with pytest.raises(forms.FieldError, match="err_office"):
        forms.collection("counter", "ZZZ", ["AMM"])
    with pytest.raises(forms.FieldError, match="err_collection"):
        forms.collection("drone", "", [])


def test_address_reports_every_field_at_once() -> None:
    address, errors = forms.address({"addr_postcode": "!!"})
    assert address is None
    assert {e.field for e in errors} == {"addr_name", "addr_line1", "addr_city", "addr_postcode"}
    address, errors = forms.address(
        {"addr_name": " سلمى\tأحمد ", "addr_line1": "شارع 1", "addr_city": "إربد"}
    )
    assert errors == [] and address is not None
    assert address.name == "سلمى أحمد"
    assert address.as_json() == {"name": "سلمى أحمد", "line1": "شارع 1", "city": "إربد"}


# -- sealed cookies, CSRF ------------------------------------------------------------------


def _state() -> SessionState:
    return SessionState("sid", "registry-token", NOW, "سلمى", "Salma", NOW)


def test_a_sealed_session_opens_only_with_its_key_and_purpose() -> None:
    seal = Seal(secrets.token_bytes(32))
    sealed = seal.seal_session(_state())
    assert "registry-token" not in sealed
    assert seal.open_session(sealed, NOW) == _state()
    assert Seal(secrets.token_bytes(32)).open_session(sealed, NOW) is None
    assert seal.open_pending(sealed, NOW) is None  # a session cookie is not a pending one
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    assert seal.open_session(tampered, NOW) is None
    assert seal.open_session("", NOW) is None
    assert seal.open_session("%%%", NOW) is None


def test_a_sealed_cookie_is_refused_when_too_old() -> None:
    seal = Seal(secrets.token_bytes(32))
    sealed = seal.seal_session(_state())
    assert seal.open_session(sealed, NOW + dt.timedelta(hours=11)) is not None
    assert seal.open_session(sealed, NOW + dt.timedelta(hours=13)) is None


def test_pending_round_trip() -> None:
    seal = Seal(secrets.token_bytes(32))
    p = Pending("pid", "challenge", NOW, "•••• 67", NOW)
    assert seal.open_pending(seal.seal_pending(p), NOW) == p


def test_csrf_tokens_are_bound_to_their_cookie() -> None:
    seal = Seal(secrets.token_bytes(32))
    token = seal.csrf("session", "sid")
    assert seal.csrf_ok("session", "sid", token)
    assert not seal.csrf_ok("session", "other", token)
    assert not seal.csrf_ok("pre", "sid", token)
    assert not seal.csrf_ok("session", "sid", "")
    assert not seal.csrf_ok("session", None, token)


# -- words -----------------------------------------------------------------------------------


def test_both_languages_have_the_same_words() -> None:
    assert set(TEXT["ar"]) == set(TEXT["en"])


@pytest.mark.parametrize("code", [c.value for c in ErrorCode])
def test_every_registry_code_reads_in_both_languages(code: str) -> None:
    for lang in ("ar", "en"):
        words = refusal_text(lang, code)
        assert words and "kiosk" not in words and "الجهاز" not in words, (lang, code)


def test_relations_by_sex_are_the_kiosks() -> None:
    assert relation_text("ar", "child", "f") == "ابنتك"
    assert relation_text("en", "spouse", "m") == "your husband"
    assert relation_text("ar", "self", None) == "أنت"


def test_the_qr_decodes_to_the_order_text(tmp_path: Path) -> None:
    import re

    svg = qr_svg("SANAD-ORDER:K7QM2XA9C", label="QR")
    assert "style=" not in svg
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))  # type: ignore[union-attr]
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    px = image.load()
    assert px is not None
    for m in re.finditer(r"M(\d+),(\d+)h(\d+)", svg):
        x, y, w = (int(v) for v in m.groups())
        for dx in range(w * scale):
            for dy in range(scale):
                px[x * scale + dx, y * scale + dy] = 0
    found = zxingcpp.read_barcodes(image)
    assert [b.text for b in found] == ["SANAD-ORDER:K7QM2XA9C"]


# -- init, config ----------------------------------------------------------------------------


def test_init_writes_owner_only_keys_and_a_config_that_loads(tmp_path: Path) -> None:
    data = tmp_path / "portal"
    result = CliRunner().invoke(
        main,
        ["portal", "init", "--data", str(data), "--region", "jo", "--registry", "http://r:8000"],
    )
    assert result.exit_code == 0, result.output
    assert "sanad registry portal enroll --id PORTAL-1 --public-key" in result.output
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("portal-key.jwk", "cookie.key", "portal.toml"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    public = json.loads((data / "portal-public.jwk").read_text())
    assert "d" not in public
    config = load_config(data / "portal.toml", environ={})
    assert config.phone_region == "JO" and config.registry_url == "http://r:8000"
    assert load_signing_key(config.key_path).public == load_public_key(data / "portal-public.jwk")
    assert len(load_cookie_key(config.cookie_key_path)) == 32
    again = CliRunner().invoke(main, ["portal", "init", "--data", str(data)])
    assert again.exit_code == 2 and "initialised already" in again.output


def test_environment_overrides_and_unknown_variables(tmp_path: Path) -> None:
    initialise(tmp_path / "p")
    path = tmp_path / "p" / "portal.toml"
    env = {"SANAD_PORTAL_REGISTRY__URL": "https://registry.example"}
    assert load_config(path, environ=env).registry_url == "https://registry.example"
    with pytest.raises(ConfigError, match="SANAD_PORTAL_REGISTRY__URLL"):
        load_config(path, environ={"SANAD_PORTAL_REGISTRY__URLL": "x"})
    with pytest.raises(ConfigError, match="http"):
        load_config(path, environ={"SANAD_PORTAL_REGISTRY__URL": "ftp://x"})


def test_a_cookie_key_others_can_read_is_refused(tmp_path: Path) -> None:
    initialise(tmp_path / "p")
    key = tmp_path / "p" / "cookie.key"
    os.chmod(key, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_cookie_key(key)


# -- what the order pages say for every state ------------------------------------------------


def _order(state: str, collection: str) -> Order:
    from registry.client import OfficeChoice
    from verifier.documents import Bilingual, DocumentType

    return Order(
        code="K7QM2XA9C",
        code_display="K7Q-M2X-A9C",
        qr_text="SANAD-ORDER:K7QM2XA9C",
        document_type=DocumentType.BIRTH_CERTIFICATE,
        title=Bilingual("شهادة ميلاد", "Birth certificate"),
        subject=VALID_ID,
        subject_name=Bilingual("سلمى", "Salma"),
        relation="self",
        collection=collection,
        office=OfficeChoice("IRB", Bilingual("مركز إربد", "Irbid centre"))
        if collection == "counter"
        else None,
        address=None,
        state=state,
        fee_amount=1000,
        fee_currency="JOD",
        fee_minor_units=3,
        payment=None,
        tracking_number="RR123456789JO" if state in ("dispatched", "delivered") else None,
        serial=None,
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize("collection", COLLECTIONS)
@pytest.mark.parametrize("state", ORDER_STATES)
def test_every_state_has_words_and_a_next_step(state: str, collection: str) -> None:
    for lang in ("ar", "en"):
        view = _order_view(lang, _order(state, collection))
        assert view["state_text"] == TEXT[lang][f"state_{state}"]
        assert view["next"] and view["next"] != refusal_text(lang, None)
        assert "{" not in view["next"]
        if collection == "counter" and state in ("paid", "ready"):
            assert ("مركز إربد" if lang == "ar" else "Irbid centre") in view["next"]
    assert _order_view("en", _order(state, collection))["show_code"] == (state in ("paid", "ready"))


def test_the_language_switch_goes_back_only_to_this_site() -> None:
    assert _LOCAL_PATH.fullmatch("/orders/K7QM2XA9C")
    assert not _LOCAL_PATH.fullmatch("/\\evil.example")
    assert not _LOCAL_PATH.fullmatch("https://evil.example")
