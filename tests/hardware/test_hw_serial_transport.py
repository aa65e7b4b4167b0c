"""The serial transport over a real pty: link faults come out as the package's own errors."""

from __future__ import annotations

import os

import pytest

from hardware.errors import ConnectionLost, TransportError
from hardware.transports.serial import SerialTransport


@pytest.mark.parametrize("timeout", [1.0, 2.5], ids=["same timeout", "new timeout"])
def test_write_after_the_other_end_hung_up_is_connection_lost(timeout: float) -> None:
    leader, follower = os.openpty()
    port = os.ttyname(follower)
    transport = SerialTransport.open(port, 115200)
    try:
        os.close(leader)  # the adapter is unplugged: the pty hangs up
        # A new timeout makes pyserial reprogram the port first (tcsetattr on a dead pty):
        # that must fail as a lost connection too, not as a raw pyserial exception.
        with pytest.raises(ConnectionLost):
            transport.write(b"\x1b@" * 4096, timeout=timeout)
    finally:
        transport.close()
        os.close(follower)


def test_opening_a_missing_port_is_a_transport_error() -> None:
    with pytest.raises(TransportError):
        SerialTransport.open("/dev/no-such-tty", 9600)
