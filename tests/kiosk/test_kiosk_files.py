"""Owner-only files and folders wherever a kiosk writes personal data or secrets (issue 11),
set by the code whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.emulator.server import Emulator
from kiosk_app.adapters import HardwarePrinter, LayoutRenderer
from kiosk_app.effects import PrintOutcome
from kiosk_app.files import write_private
from kiosk_app.journal import Journal
from sanad.demo import DemoData
from verifier.documents import DocumentType
from verifier.fixtures import sample_documents


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    old = os.umask(0o022)  # a service manager's default: world-readable unless the code says
    yield
    os.umask(old)


def test_journal_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "state" / "journal.sqlite3"
    journal = Journal(path)
    journal.add("B26-0000001-8", "SN1D:personal", "ar")
    assert mode(path.parent) == 0o700
    assert mode(path) == 0o600
    for side in path.parent.iterdir():  # -journal / -wal files follow the database's mode
        assert mode(side) & 0o077 == 0, side


def test_an_existing_journal_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    Journal(path)
    os.chmod(path, 0o644)
    os.chmod(tmp_path, 0o755)
    Journal(path)
    assert mode(path) == 0o600
    assert mode(tmp_path) == 0o700


def test_preview_image_is_owner_only(tmp_path: Path) -> None:
    renderer = LayoutRenderer(width_dots=576, verifier_url="https://verify.example")
    document = sample_documents()[DocumentType.BIRTH_CERTIFICATE]
    out = renderer.preview(document, "ar", tmp_path / "preview.png")
    assert out.read_bytes().startswith(b"\x89PNG")
    assert mode(out) == 0o600


def test_emulator_receipts_are_owner_only(tmp_path: Path) -> None:
    renderer = LayoutRenderer(width_dots=576, verifier_url="https://verify.example")
    with Emulator(tmp_path / "receipts", width_dots=576) as emu:
        printer = HardwarePrinter(emu.url, width_dots=576, timeout=1.0, job_timeout=10.0)
        outcome, reason = printer.print_image(renderer.test_page(), label="test")
        assert outcome is PrintOutcome.PRINTED, reason
        (receipt,) = emu.wait_for_receipts(1)
    assert mode(tmp_path / "receipts") == 0o700
    assert mode(Path(receipt.path)) == 0o600


def test_demo_config_and_pin_hash_are_owner_only(tmp_path: Path) -> None:
    data = DemoData(tmp_path / "demo")
    data.kiosk.mkdir(parents=True)
    write_private(data.kiosk / "technician-pin.hash", "$argon2id$x")
    data.write_config("http://127.0.0.1:1", "tcp://127.0.0.1:2")
    assert mode(data.config) == 0o600
    assert mode(data.kiosk / "technician-pin.hash") == 0o600
    assert "technician_pin_hash" in data.config.read_text(encoding="utf-8")


def test_write_private_replaces_a_readable_file(tmp_path: Path) -> None:
    target = tmp_path / "kiosk.toml"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o644)
    write_private(target, "new")
    assert mode(target) == 0o600
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["kiosk.toml"]
