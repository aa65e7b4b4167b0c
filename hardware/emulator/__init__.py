"""A virtual ESC/POS printer for development and tests: TCP, pty, PNG receipts, faults.

    from hardware.emulator import Emulator, EmulatorState
    with Emulator(out_dir, 576, EmulatorState.OK, tcp="127.0.0.1:0", pty=True) as emu:
        printer_url = emu.url            # tcp://127.0.0.1:PORT
        serial_url = emu.serial_url      # serial:///dev/pts/N
        emu.paper_out_after(200)         # inject a fault
        emu.receipts()                   # [Receipt(index, path, complete, width, height)]

``sanad hw emulate`` runs the same thing as a process; ``control(address, "state paper-out")``
changes a running one from elsewhere. See ``machine`` (what is emulated) and ``server``.
"""

from __future__ import annotations

from hardware.emulator.machine import EmulatedPrinter, EmulatorState, Faults, Receipt, render_qr
from hardware.emulator.server import Emulator, control, parse_hostport

__all__ = [
    "EmulatedPrinter",
    "Emulator",
    "EmulatorState",
    "Faults",
    "Receipt",
    "control",
    "parse_hostport",
    "render_qr",
]
