"""The kiosk's small parts: configuration, the journal, the simulated payment provider."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from kiosk_app.config import ConfigError, load_config
from kiosk_app.journal import JobState, Journal, JournalError, UnknownJob
from kiosk_app.payment import PaymentDeclined, PaymentState, PaymentStateError, SimulatedProvider

CONFIG = """
[kiosk]
id = "KSK-0007"
key = "keys/kiosk.key.jwk"
[registry]
url = "http://127.0.0.1:8000/"
root_key = "/etc/sanad/root.pub.jwk"
[printer]
url = "tcp://127.0.0.1:9100"
width = 384
[ui]
languages = ["ar", "en"]
[timeouts]
idle = 45
warning = 25
"""


def test_config_file_with_relative_paths_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(CONFIG, encoding="utf-8")
    cfg = load_config(path, environ={})
    assert cfg.kiosk_id == "KSK-0007"
    assert cfg.key_path == tmp_path / "keys/kiosk.key.jwk"
    assert cfg.root_key_path == Path("/etc/sanad/root.pub.jwk")
    assert cfg.registry_url == "http://127.0.0.1:8000"
    assert cfg.printer_width == 384
    assert cfg.min_sequence == 0
    settings = cfg.settings()
    assert (settings.idle_seconds, settings.warning_seconds) == (45, 25)
    assert settings.languages == ("ar", "en")


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(CONFIG, encoding="utf-8")
    env = {
        "SANAD_KIOSK_PRINTER__URL": "serial:///dev/ttyUSB0?baudrate=115200",
        "SANAD_KIOSK_UI__LANGUAGES": "en, ar",
        "SANAD_KIOSK_UI__DEFAULT_LANGUAGE": "en",
        "SANAD_KIOSK_UI__FULLSCREEN": "no",
        "SANAD_KIOSK_TIMEOUTS__IDLE": "90",
        "SANAD_KIOSK_REGISTRY__MIN_SEQUENCE": "12",
    }
    cfg = load_config(path, environ=env)
    assert cfg.min_sequence == 12  # the trust list's rollback floor
    assert cfg.printer_url.startswith("serial://")
    assert cfg.languages == ("en", "ar")
    assert cfg.default_language == "en"
    assert cfg.fullscreen is False
    assert cfg.idle_seconds == 90


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[kiosk]\nid = "x"', r"missing setting \[kiosk\] key"),
        ("[kiosk]\nid = 1", r"\[kiosk\] id: Input should be a valid string"),
        ("[kiosk\n", "kiosk.toml"),
        (CONFIG + "\n[extra]\nx = 1\n", r"unknown setting \[extra\]"),
        (
            CONFIG.replace("[printer]", "[printer]\ncolour = 1"),
            r"unknown setting \[printer\] colour",
        ),
        (CONFIG.replace("width = 384", "width = 500"), "384 .58 mm. or 576"),
        (CONFIG.replace("warning = 25", "warning = 5"), "at least 20 seconds"),
        (CONFIG.replace('url = "http://127.0.0.1:8000/"', 'url = "ftp://x"'), "http"),
        (CONFIG.replace("idle = 45", 'idle = "soon"'), r"\[timeouts\] idle"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path, environ={})


def test_an_unknown_environment_variable_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(CONFIG, encoding="utf-8")
    env = {"SANAD_KIOSK_PRINTER_URL": "tcp://x:9100", "SANAD_KIOSK_CONFIG": str(path)}
    with pytest.raises(ConfigError, match="unknown environment variable SANAD_KIOSK_PRINTER_URL"):
        load_config(path, environ=env)
    with pytest.raises(ConfigError, match=r"\[registry\] min_sequence"):
        load_config(path, environ={"SANAD_KIOSK_REGISTRY__MIN_SEQUENCE": "-1"})


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml", environ={})


# --- journal -----------------------------------------------------------------------------------


def test_journal_job_lifecycle(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    job_id = journal.add("B-1", "SN1D:SECRET", "ar")
    assert journal.get(job_id).state is JobState.QUEUED
    journal.mark(job_id, JobState.PRINTING)
    journal.mark(job_id, JobState.FAILED, "paper-out")
    job = journal.get(job_id)
    assert (job.state, job.reason, job.attempts) == (JobState.FAILED, "paper-out", 1)
    assert "SECRET" not in repr(job)
    assert journal.backlog() == 1
    assert [j.id for j in journal.jobs(JobState.FAILED)] == [job_id]
    journal.mark(job_id, JobState.PRINTING)
    journal.mark(job_id, JobState.PRINTED)
    assert journal.get(job_id).attempts == 2
    assert journal.backlog() == 0
    with pytest.raises(UnknownJob):
        journal.mark(999, JobState.PRINTED)
    with pytest.raises(UnknownJob):
        journal.get(999)


def test_journal_marks_interrupted_jobs_failed_on_restart(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    job_id = journal.add("B-2", "SN1D:X", "en")
    journal.mark(job_id, JobState.PRINTING)  # then the power went
    again = Journal(path)
    job = again.get(job_id)
    assert (job.state, job.reason) == (JobState.FAILED, "interrupted")


def test_journal_purges_personal_data_after_retention(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    old = journal.add("B-3", "SN1D:OLD-PERSONAL", "ar")
    journal.mark(old, JobState.PRINTED)
    new = journal.add("B-4", "SN1D:NEW", "ar")
    journal.record_fault("printer_not_ready", "paper_out")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    assert journal.purge(dt.timedelta(days=30), now=later) == 2
    assert journal.get(old).qr_text is None
    assert journal.get(new).qr_text is None
    assert journal.get(old).serial == "B-3"
    assert journal.recent_faults() == []
    assert b"OLD-PERSONAL" not in path.read_bytes()  # overwritten, not just unlinked


def test_journal_keeps_recent_data(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    job = journal.add("B-5", "SN1D:KEEP", "ar")
    assert journal.purge(dt.timedelta(days=30)) == 0
    assert journal.get(job).qr_text == "SN1D:KEEP"
    journal.record_fault("x", "y")
    assert [(c, d) for _, c, d in journal.recent_faults()] == [("x", "y")]


def test_journal_holds_a_payment_with_its_job_and_settles_it_once(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    paid = journal.add("B-6", "SN1D:P", "ar", payment="AUTH-1")
    free = journal.add("B-7", "SN1D:F", "ar")
    assert journal.get(paid).held_payment == "AUTH-1"
    assert (journal.get(free).payment, journal.get(free).held_payment) == (None, None)
    assert journal.settle("AUTH-1", PaymentState.CAPTURED) == 1
    assert journal.settle("AUTH-1", PaymentState.VOIDED) == 0  # taken already: stays taken
    job = journal.get(paid)
    assert (job.payment, job.payment_state, job.held_payment) == (
        "AUTH-1",
        PaymentState.CAPTURED,
        None,
    )
    with pytest.raises(ValueError, match="capture or a void"):
        journal.settle("AUTH-1", PaymentState.AUTHORISED)


def test_journal_cancel_erases_the_job_and_returns_its_held_payment(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    job_id = journal.add("B-8", "SN1D:C", "en", payment="AUTH-2")
    journal.mark(job_id, JobState.FAILED, "paper-out")
    assert journal.cancel(job_id).held_payment == "AUTH-2"
    job = journal.get(job_id)
    assert (job.state, job.qr_text) == (JobState.CANCELLED, None)
    assert journal.backlog() == 0
    printed = journal.add("B-9", "SN1D:D", "en")
    journal.mark(printed, JobState.PRINTED)
    with pytest.raises(JournalError, match="printed already"):
        journal.cancel(printed)
    with pytest.raises(UnknownJob):
        journal.cancel(999)


def test_an_older_journal_file_gains_the_payment_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, serial TEXT NOT NULL,"
            " serial_hash TEXT NOT NULL, qr_text TEXT, language TEXT NOT NULL, state TEXT NOT"
            " NULL, reason TEXT, attempts INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,"
            " updated_at TEXT NOT NULL)"
        )
        db.execute(
            "INSERT INTO jobs (serial, serial_hash, qr_text, language, state, created_at,"
            " updated_at) VALUES ('B-1', 'h', 'SN1D:O', 'ar', 'failed',"
            " '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')"
        )
    journal = Journal(path)
    (old,) = journal.jobs()
    assert (old.serial, old.payment, old.held_payment) == ("B-1", None, None)
    new = journal.add("B-2", "SN1D:N", "ar", payment="AUTH-3")
    assert journal.get(new).held_payment == "AUTH-3"


# --- payment -----------------------------------------------------------------------------------


def test_authorise_is_idempotent_on_reference() -> None:
    pay = SimulatedProvider()
    a = pay.authorise(500, "YER", "nonce-1")
    assert pay.authorise(500, "YER", "nonce-1") == a
    b = pay.authorise(500, "YER", "nonce-2")
    assert b.id != a.id
    with pytest.raises(PaymentStateError, match="different amount"):
        pay.authorise(700, "YER", "nonce-1")


def test_capture_and_void_are_exclusive_and_idempotent() -> None:
    pay = SimulatedProvider()
    a = pay.authorise(500, "YER", "r1")
    assert pay.capture(a.id).state is PaymentState.CAPTURED
    assert pay.capture(a.id).state is PaymentState.CAPTURED
    with pytest.raises(PaymentStateError, match="captured"):
        pay.void(a.id)
    b = pay.authorise(500, "YER", "r2")
    assert pay.void(b.id).state is PaymentState.VOIDED
    with pytest.raises(PaymentStateError, match="voided"):
        pay.capture(b.id)
    with pytest.raises(PaymentStateError, match="unknown"):
        pay.capture("nope")


def test_simulated_decline() -> None:
    pay = SimulatedProvider(decline_over=1000)
    with pytest.raises(PaymentDeclined) as info:
        pay.authorise(1001, "YER", "r")
    assert info.value.reason == "limit_exceeded"
    assert pay.ledger == ()


def test_every_effect_has_exactly_one_handler() -> None:
    """The runner's table is complete: a new effect without a handler fails here, not on a
    citizen's journey."""
    import inspect

    from kiosk_app import effects
    from kiosk_app import session as ks

    declared = {
        cls
        for _, cls in inspect.getmembers(ks, inspect.isclass)
        if issubclass(cls, ks.Effect) and cls is not ks.Effect
    }
    assert set(effects.HANDLERS) | effects.INLINE_EFFECTS == declared
    assert not set(effects.HANDLERS) & effects.INLINE_EFFECTS
    for effect, handler in effects.HANDLERS.items():
        hints = inspect.signature(handler).parameters
        assert list(hints)[1] == "e", handler
        assert handler.__name__ == f"_do_{effect.__name__}"


def test_one_exception_root_for_the_kiosk() -> None:
    import importlib
    import inspect
    import pkgutil

    import kiosk_app
    from kiosk_app.errors import KioskError

    for info in pkgutil.walk_packages(kiosk_app.__path__, "kiosk_app."):
        if info.name.startswith(("hardware.layout", "kiosk_app.ui")) and info.name not in (
            "kiosk_app.ui.script",
        ):
            continue  # the layout is the paper stream's; the UI's Kivy modules need a window
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == info.name and issubclass(cls, Exception):
                assert issubclass(cls, KioskError), f"{info.name}.{cls.__name__}"
