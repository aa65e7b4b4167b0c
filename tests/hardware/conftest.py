"""Fixtures for the hardware tests: an in-process emulator on real TCP and pty links."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.emulator import Emulator, EmulatorState


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(tmp_path / "receipts", 576, EmulatorState.OK, tcp="127.0.0.1:0", pty=True) as emu:
        yield emu
