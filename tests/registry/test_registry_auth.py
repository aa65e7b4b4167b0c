"""Citizen login: PIN, card, throttling, lock, sessions bound to the kiosk."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from registry.codes import ErrorCode
from registry.errors import InvalidCredentials, InvalidInput, Locked, SessionInvalid, Throttled
from registry.models import AuditEntry, Credential, Person
from sanad.cli import main
from tests.support.clock import ManualUTCClock
from tests.support.registry import FAST, Kiosk, LiveServer, Registry, login, wrong_pin


def test_login_with_national_id_and_pin_opens_a_session(kiosk: Kiosk, registry: Registry) -> None:
    citizen = registry.citizens()[0]
    session = login(kiosk.client, citizen)
    assert session.name.latin == citizen["name_latin"]
    assert session.name.ar == citizen["name_ar"]
    assert kiosk.client.entitlements(session)


def test_card_scan_stands_in_for_the_national_id_but_pin_is_still_required(
    kiosk: Kiosk, registry: Registry
) -> None:
    citizen = next(c for c in registry.citizens() if c["card_number"])
    session = kiosk.client.login(card=citizen["card_number"], pin=citizen["pin"])
    assert session.name.latin == citizen["name_latin"]
    with pytest.raises(InvalidCredentials):
        kiosk.client.login(card=citizen["card_number"], pin=wrong_pin(citizen["pin"]))


def test_bad_check_digit_is_refused_before_any_lookup(kiosk: Kiosk, registry: Registry) -> None:
    nid = registry.citizens()[0]["national_id"]
    broken = nid[:-1] + str((int(nid[-1]) + 1) % 10)
    with pytest.raises(InvalidInput) as err:
        kiosk.client.login(national_id=broken, pin="123456")
    assert err.value.code is ErrorCode.INVALID_NATIONAL_ID


def test_arabic_indic_digits_are_accepted(kiosk: Kiosk, registry: Registry) -> None:
    citizen = registry.citizens()[1]
    arabic = "".join(chr(0x0660 + int(d)) for d in citizen["national_id"])
    assert login(kiosk.client, {**citizen, "national_id": arabic}).name.ar == citizen["name_ar"]


def test_brute_force_is_slowed_then_locked_and_tries_are_counted(registry: Registry) -> None:
    # The registry judges the delays by an injected clock: the test moves it by the
    # Retry-After it was given instead of sleeping, and no retry can land early or late.
    clock = ManualUTCClock()
    key = registry.enroll("IRB-001")
    citizen = registry.citizens()[2]
    bad = wrong_pin(citizen["pin"])
    seen_remaining = []
    waits: list[tuple[int | None, float]] = []
    throttled = 0
    with (
        LiveServer(registry, clock=clock) as live,
        live.client("IRB-001", key, retries=0) as client,
    ):
        while True:
            try:
                client.login(national_id=citizen["national_id"], pin=bad)
            except InvalidCredentials as exc:
                seen_remaining.append(exc.tries_remaining)
            except Throttled as exc:
                throttled += 1
                waits.append((exc.tries_remaining, exc.retry_after))
                with pytest.raises(Throttled):  # no time has passed: still too early
                    client.login(national_id=citizen["national_id"], pin=bad)
                clock.advance(exc.retry_after + 0.001)  # the answer is rounded to milliseconds
            except Locked:
                break
            assert len(seen_remaining) <= FAST.throttle.max_failures
        assert seen_remaining == list(range(FAST.throttle.max_failures - 1, 0, -1))
        assert throttled >= 1  # the delay grew after the free failures
        for remaining, retry_after in waits:
            assert remaining is not None and remaining > 0
            assert 0 < retry_after <= FAST.throttle.max_delay + 0.01
        # locked: even the right PIN is refused, a minute later too (the delays have passed)
        clock.advance(60)
        with pytest.raises(Locked):
            login(client, citizen)
        # an officer who has checked the citizen in person unlocks them, named in the log
        unlocked = CliRunner().invoke(
            main,
            ["registry", "citizen", "unlock", citizen["national_id"], "--by", "amal.clerk",
             "--data", str(registry.data.root)],
        )  # fmt: skip
        assert unlocked.exit_code == 0, unlocked.output
        assert login(client, citizen).name.ar == citizen["name_ar"]
    db = registry.db()
    with db.session() as s:
        entry = s.execute(
            select(AuditEntry).where(AuditEntry.kind == "citizen_unlocked")
        ).scalar_one()
    db.dispose()
    data = json.loads(entry.data)
    assert data["by"] == "amal.clerk" and citizen["national_id"] not in entry.data


def test_concurrent_guesses_cannot_exceed_the_bound(server: LiveServer, registry: Registry) -> None:
    import concurrent.futures

    key = registry.enroll("IRB-CONC")
    citizen = registry.citizens()[3]
    bad = wrong_pin(citizen["pin"])

    def guess(_: int) -> str:
        with server.client("IRB-CONC", key, retries=0) as c:
            try:
                c.login(national_id=citizen["national_id"], pin=bad)
            except (InvalidCredentials, Throttled, Locked) as exc:
                return type(exc).__name__
        return "ok"

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(guess, range(40)))
    assert "ok" not in outcomes
    db = registry.db()
    with db.session() as s:
        person = s.execute(
            select(Person).where(Person.national_id == citizen["national_id"])
        ).scalar_one()
        failures = s.get_one(Credential, person.id).failures
    db.dispose()
    assert failures <= FAST.throttle.max_failures


def test_success_resets_the_failure_count(kiosk: Kiosk, registry: Registry) -> None:
    citizen = registry.citizens()[4]
    with pytest.raises(InvalidCredentials) as first:
        kiosk.client.login(national_id=citizen["national_id"], pin=wrong_pin(citizen["pin"]))
    login(kiosk.client, citizen)
    with pytest.raises(InvalidCredentials) as again:
        kiosk.client.login(national_id=citizen["national_id"], pin=wrong_pin(citizen["pin"]))
    assert again.value.tries_remaining == first.value.tries_remaining


def test_session_token_is_bound_to_the_kiosk_that_logged_in(
    server: LiveServer, kiosk: Kiosk, registry: Registry
) -> None:
    other_key = registry.enroll("IRB-002")
    session = login(kiosk.client, registry.citizens()[5])
    with server.client("IRB-002", other_key, retries=0) as other, pytest.raises(SessionInvalid):
        other.entitlements(session)
    kiosk.client.logout(session)
    with pytest.raises(SessionInvalid):
        kiosk.client.entitlements(session)


def test_unknown_citizen_cannot_log_in_and_is_not_told_tries(
    kiosk: Kiosk, registry: Registry
) -> None:
    from verifier import national_id

    with pytest.raises(InvalidCredentials) as err:
        kiosk.client.login(national_id=national_id.make("111111111"), pin="123456")
    assert err.value.tries_remaining is None


def test_per_kiosk_budget_throttles_a_kiosk_spraying_guesses(registry: Registry) -> None:
    from dataclasses import replace

    strict = replace(FAST, throttle=replace(FAST.throttle, kiosk_max_failures=3))
    with LiveServer(registry, strict) as live:
        key = registry.enroll("IRB-SPRAY")
        with live.client("IRB-SPRAY", key, retries=0) as c:
            citizens = registry.citizens()[10:15]
            for citizen in citizens[:3]:
                with pytest.raises(InvalidCredentials):
                    c.login(national_id=citizen["national_id"], pin=wrong_pin(citizen["pin"]))
            with pytest.raises(Throttled) as err:
                login(c, citizens[4])  # even a right PIN waits: the kiosk is paused
            assert err.value.code is ErrorCode.KIOSK_THROTTLED


def test_demo_cost_hash_is_upgraded_on_first_login(registry: Registry) -> None:
    from dataclasses import replace

    stronger = replace(FAST, pin_opslimit=2, pin_memlimit=8 * 1024 * 1024)
    citizen = registry.citizens()[6]
    with LiveServer(registry, stronger) as live:
        key = registry.enroll("IRB-UP")
        with live.client("IRB-UP", key, retries=0) as c:
            login(c, citizen)
            login(c, citizen)  # the upgraded hash verifies too
    db = registry.db()
    with db.session() as s:
        person = s.execute(
            select(Person).where(Person.national_id == citizen["national_id"])
        ).scalar_one()
        stored = s.get_one(Credential, person.id).pin_hash
    db.dispose()
    assert "m=8192,t=2" in stored


def test_a_deceased_citizen_cannot_log_in(kiosk: Kiosk, registry: Registry) -> None:
    import datetime as dt

    from registry.models import Death

    citizen = registry.citizens()[7]
    login(kiosk.client, citizen)
    db = registry.db()
    with db.session() as s:
        person = s.execute(
            select(Person).where(Person.national_id == citizen["national_id"])
        ).scalar_one()
        today = dt.date.today()
        s.add(
            Death(
                person_id=person.id,
                date=today,
                place_ar="عمان",
                place_latin="Amman",
                office_ar="مكتب",
                office_latin="Office",
                record_number="D2026/9999999",
                registered_on=today,
            )
        )
    db.dispose()
    with pytest.raises(InvalidCredentials):
        login(kiosk.client, citizen)
