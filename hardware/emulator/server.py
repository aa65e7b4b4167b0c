"""The emulator's links: a TCP listener, a pseudo-terminal and a line-based control socket.

``Emulator`` wires an ``EmulatedPrinter`` to real file descriptors on background threads:
``start()`` binds (port 0 gives an ephemeral port, read back from ``.address``), ``stop()``
closes everything and joins the threads. A pty link is put in raw mode (no echo, no newline
translation) so the serial code path sees exactly the bytes sent; ``baud`` paces how fast the
emulator consumes bytes (``bytes * 10 / baud``), so a pty behaves like a serial line at that
speed (a pty alone has no speed).

Control protocol (one command per line, one reply line, ``ok ...`` or ``error ...``)::

    state ok|near-end|paper-out|cover-open|offline|silent|cutter-error
    paper-out-after ROWS     paper runs out after ROWS more dot rows
    drop-after BYTES         drop the connection after BYTES more bytes
    garbage on|off           answer status queries with garbage
    stall on|off             stop reading bytes (a printer whose buffer stays full)
    status-bytes B1 B2 B3 B4 answer DLE EOT 1..4 with these bytes (hex); "status-bytes off"
    clear                    healthy again: state ok, no faults
    status                   ok {"state": ..., "faults": ..., ...}
    receipts                 ok [{"index": 1, "path": ..., "complete": true, ...}, ...]

``control(address, line)`` sends one command from another process (tests, the kiosk's tests).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import socket
import threading
import time
import tty
from pathlib import Path
from types import TracebackType

from hardware.emulator.machine import EmulatedPrinter, EmulatorState, Receipt

__all__ = ["Emulator", "control", "parse_hostport"]

log = logging.getLogger(__name__)

_TICK = 0.1


def parse_hostport(text: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """``HOST:PORT`` or ``PORT`` -> (host, port); raises ``ValueError``."""
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = default_host, text
    host = host.strip("[]") or default_host
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"{text!r} is not HOST:PORT")
    return host, int(port_text)


class _Pacer:
    """Sleeps so that bytes are consumed no faster than ``baud`` (10 bits per byte)."""

    def __init__(self, baud: int) -> None:
        self.baud = baud
        self._next = 0.0

    def account(self, nbytes: int) -> None:
        if self.baud <= 0:
            return
        now = time.monotonic()
        if now > self._next + 0.05:  # the line was idle: start a new schedule
            self._next = now
        # an absolute schedule: oversleeping one chunk shortens the next wait, no drift
        self._next += nbytes * 10 / self.baud
        delay = self._next - now
        if delay > 0:
            time.sleep(delay)

    @property
    def read_size(self) -> int:
        return 4096 if self.baud <= 0 else max(16, self.baud // 10 // 100)  # ~10 ms of bytes


class Emulator:
    """A virtual ESC/POS printer on TCP and/or a pty, writing receipts to ``out_dir``."""

    def __init__(
        self,
        out_dir: Path | str,
        width_dots: int = 576,
        state: EmulatorState = EmulatorState.OK,
        *,
        tcp: str | None = "127.0.0.1:0",
        pty: bool = False,
        control: str | None = None,
        baud: int = 0,
    ) -> None:
        self.printer = EmulatedPrinter(Path(out_dir), width_dots, state)
        self._tcp_spec = tcp
        self._want_pty = pty
        self._control_spec = control
        self.baud = baud
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self._control: socket.socket | None = None
        self._pty_master: int | None = None
        self._pty_slave: int | None = None
        self._pty_lock = threading.Lock()
        self.pty_path: str | None = None
        self.address: tuple[str, int] | None = None
        self.control_address: tuple[str, int] | None = None
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._tcp_spec is not None:
            host, port = parse_hostport(self._tcp_spec)
            self._listener = self._bind(host, port)
            addr = self._listener.getsockname()
            self.address = (addr[0], addr[1])
            self._spawn(self._accept_loop, "emulator-tcp")
        if self._want_pty:
            self._open_pty()
            self._spawn(self._pty_loop, "emulator-pty")
        if self._control_spec is not None:
            host, port = parse_hostport(self._control_spec)
            self._control = self._bind(host, port)
            addr = self._control.getsockname()
            self.control_address = (addr[0], addr[1])
            self._spawn(self._control_loop, "emulator-control")
        log.info(
            "emulator started (tcp %s, pty %s, control %s)",
            self.address,
            self.pty_path,
            self.control_address,
        )
        return self

    def stop(self) -> None:
        self._stop.set()
        for sock in (self._listener, self._control):
            if sock is not None:
                sock.close()
        with self._conns_lock:
            for conn in list(self._conns):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)
        self._close_pty()
        log.info("emulator stopped")

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``tcp://host:port`` of the TCP link."""
        if self.address is None:
            raise RuntimeError("the emulator has no TCP link (or is not started)")
        return f"tcp://{self.address[0]}:{self.address[1]}"

    @property
    def serial_url(self) -> str:
        if self.pty_path is None:
            raise RuntimeError("the emulator has no pty (or is not started)")
        return f"serial://{self.pty_path}"

    # -- control from Python ---------------------------------------------------------------

    def set_state(self, state: EmulatorState) -> None:
        self.printer.set_state(state)

    def paper_out_after(self, rows: int) -> None:
        self.printer.paper_out_after(rows)

    def drop_after(self, nbytes: int) -> None:
        self.printer.drop_after(nbytes)

    def garbage(self, on: bool = True) -> None:
        self.printer.garbage(on)

    def stall(self, on: bool = True) -> None:
        self.printer.stall(on)

    def clear(self) -> None:
        self.printer.clear()

    def receipts(self) -> list[Receipt]:
        return self.printer.receipts()

    def wait_for_receipts(self, count: int, timeout: float = 5.0) -> list[Receipt]:
        """Wait (bounded) until at least ``count`` receipts exist; return them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.printer.receipts()
            if len(found) >= count or time.monotonic() >= deadline:
                return found
            time.sleep(0.02)

    # -- plumbing --------------------------------------------------------------------------

    def _spawn(self, target: object, name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    @staticmethod
    def _bind(host: str, port: int) -> socket.socket:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        sock.listen(8)
        sock.settimeout(_TICK)
        return sock

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                conn, peer = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            log.info("emulator: TCP connection from %s:%s", peer[0], peer[1])
            with self._conns_lock:
                self._conns.add(conn)
            self._spawn(self._serve_tcp, "emulator-conn", conn)

    def _serve_tcp(self, conn: socket.socket) -> None:
        pacer = _Pacer(self.baud)
        conn.settimeout(_TICK)
        try:
            while not self._stop.is_set():
                if self.printer.stalled:
                    time.sleep(_TICK / 5)
                    continue
                try:
                    data = conn.recv(pacer.read_size)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                pacer.account(len(data))
                reaction = self.printer.receive(data)
                if reaction.reply:
                    try:
                        conn.sendall(reaction.reply)
                    except OSError:
                        break
                if reaction.drop:
                    # RST, not FIN: a pulled cable, not a polite goodbye
                    conn.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                    break
        finally:
            with self._conns_lock:
                self._conns.discard(conn)
            conn.close()
            self.printer.disconnected()
            log.info("emulator: TCP connection closed")

    def _open_pty(self) -> None:
        """Open a (new) pty; the new path is published before the old pty is hung up."""
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        os.set_blocking(master, False)
        with self._pty_lock:
            old = (self._pty_master, self._pty_slave)
            self._pty_master, self._pty_slave = master, slave
            self.pty_path = os.ttyname(slave)
        _close_fds(*old)

    def _close_pty(self) -> None:
        with self._pty_lock:
            old = (self._pty_master, self._pty_slave)
            self._pty_master = self._pty_slave = None
        _close_fds(*old)

    def _pty_loop(self) -> None:
        pacer = _Pacer(self.baud)
        while not self._stop.is_set():
            master = self._pty_master
            if master is None:
                return
            if self.printer.stalled:
                time.sleep(_TICK / 5)
                continue
            try:
                readable, _, _ = select.select([master], [], [], _TICK)
            except (OSError, ValueError):
                return
            if not readable:
                continue
            try:
                data = os.read(master, pacer.read_size)
            except BlockingIOError:
                continue
            except OSError:
                time.sleep(_TICK)  # no process has the slave open right now
                continue
            if not data:
                continue
            pacer.account(len(data))
            reaction = self.printer.receive(data)
            if reaction.reply:
                try:
                    os.write(master, reaction.reply)
                except OSError as exc:
                    log.warning("emulator: pty reply lost: %s", exc)
            if reaction.drop:
                # a pty cannot be unplugged: hang it up and offer a fresh one (new path)
                self._open_pty()
                log.warning("emulator: pty hung up; new pty at %s", self.pty_path)

    # -- control socket --------------------------------------------------------------------

    def _control_loop(self) -> None:
        assert self._control is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._control.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._spawn(self._serve_control, "emulator-control-conn", conn)

    def _serve_control(self, conn: socket.socket) -> None:
        conn.settimeout(_TICK)
        buffer = b""
        try:
            while not self._stop.is_set():
                try:
                    data = conn.recv(1024)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                buffer += data
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    reply = self.command(line.decode("utf-8", errors="replace"))
                    conn.sendall(reply.encode("utf-8") + b"\n")
                if len(buffer) > 4096:
                    conn.sendall(b"error line too long\n")
                    return
        finally:
            conn.close()

    def command(self, line: str) -> str:
        """Run one control command (the control socket's protocol); return the reply line."""
        words = line.strip().split()
        if not words:
            return "error empty command"
        verb, args = words[0].lower(), words[1:]
        try:
            if verb == "state" and len(args) == 1:
                self.set_state(EmulatorState(args[0].lower()))
            elif verb == "paper-out-after" and len(args) == 1:
                self.paper_out_after(_count(args[0]))
            elif verb == "drop-after" and len(args) == 1:
                self.drop_after(_count(args[0]))
            elif verb == "garbage" and len(args) == 1 and args[0] in ("on", "off"):
                self.garbage(args[0] == "on")
            elif verb == "stall" and len(args) == 1 and args[0] in ("on", "off"):
                self.printer.stall(args[0] == "on")
            elif verb == "status-bytes" and args == ["off"]:
                self.printer.force_status(None)
            elif verb == "status-bytes" and len(args) == 4:
                self.printer.force_status({n + 1: _byte(a) for n, a in enumerate(args)})
            elif verb == "clear" and not args:
                self.clear()
            elif verb == "status" and not args:
                snap = self.printer.snapshot()
                snap["pty"] = self.pty_path
                return "ok " + json.dumps(snap)
            elif verb == "receipts" and not args:
                return "ok " + json.dumps([r.to_json() for r in self.receipts()])
            else:
                return f"error unknown command {line.strip()[:60]!r}"
        except ValueError as exc:
            return f"error {exc}"
        return "ok"


def _close_fds(*fds: int | None) -> None:
    for fd in fds:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


def _byte(text: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise ValueError(f"{text!r} is not a hex byte") from None
    if not 0 <= value <= 255:
        raise ValueError(f"{text!r} is not a byte")
    return value


def _count(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a non-negative integer")
    return int(text)


def control(address: str | tuple[str, int], line: str, timeout: float = 2.0) -> str:
    """Send one control command to a running emulator; return its reply line.

    Raises ``ConnectionError`` if nothing listens there and ``TimeoutError`` if it does not
    reply in time.
    """
    host, port = parse_hostport(address) if isinstance(address, str) else address
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(line.strip().encode("utf-8") + b"\n")
        reply = b""
        deadline = time.monotonic() + timeout
        while not reply.endswith(b"\n"):
            sock.settimeout(max(deadline - time.monotonic(), 0.01))
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    return reply.decode("utf-8").rstrip("\n")
