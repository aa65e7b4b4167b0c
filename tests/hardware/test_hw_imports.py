"""Import hygiene: no python-escpos until needed, and loading it leaves logging alone."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )


def test_importing_the_package_loads_no_device_library() -> None:
    result = _run(
        """
        import sys
        import hardware, hardware.status, hardware.job, hardware.url, hardware.printer
        import hardware.encoding, hardware.models, hardware.scanner, hardware.emulator, hardware.cli
        loaded = [m for m in ("escpos", "serial", "usb") if m in sys.modules]
        print(loaded)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_loading_python_escpos_does_not_configure_the_root_logger(tmp_path: object) -> None:
    result = _run(
        """
        import logging
        from hardware.models import load_escpos
        load_escpos()
        root = logging.getLogger()
        print(len(root.handlers), root.level)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", str(30)]
