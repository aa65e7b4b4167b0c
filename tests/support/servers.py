"""The one way the tests start servers, wait for them and stop them.

- `serve_app(app, health=...)`: an ASGI app on uvicorn, in a thread of the test process, on a
  socket bound to an ephemeral port (so there is no race for the port). Yields its base URL.
- `SanadServer(*args, health=...)` / `ready_line=...`: the real `sanad ...` executable in its
  own process group, output to a log file. Ready when its health endpoint answers 200 (HTTP
  servers) or when it prints the line it prints once it listens (the printer emulator).

Both wait by polling a condition against a deadline (`wait_for`), never by sleeping a fixed
time, fail at once with the log if the server dies while starting, and stop cleanly (uvicorn's
`should_exit`; SIGTERM to the group, then SIGKILL) even when the test failed.

It does not start the stand-in HTTP servers a suite writes for itself (a fake registry that
fails on demand): those are test doubles, not Sanad servers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn

__all__ = [
    "SANAD",
    "SanadServer",
    "closed_port_url",
    "free_port",
    "http_ok",
    "serve_app",
    "wait_for",
]

SANAD = str(Path(sys.executable).with_name("sanad"))
HOST = "127.0.0.1"

T = TypeVar("T")


def wait_for(
    condition: Callable[[], T], timeout: float = 10.0, what: str = "", interval: float = 0.02
) -> T:
    """Poll `condition` until it returns something truthy and return it; fail after `timeout`
    seconds, saying what was awaited. An exception from `condition` ends the wait at once."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or condition}")
        time.sleep(interval)  # the polling interval, not a guess at how long anything takes


def free_port() -> int:
    """A local TCP port nobody listens on (bound, then released) for a server to take."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def closed_port_url(path: str = "") -> str:
    """A URL where nothing answers: a registry or service that is down."""
    return f"http://{HOST}:{free_port()}{path}"


def http_ok(url: str) -> bool:
    """True when `url` answers 200; False while nothing listens or it answers otherwise."""
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def serve_app(
    app: Any, *, health: str, lifespan: str = "on", timeout: float = 15.0
) -> Iterator[str]:
    """Run `app` on uvicorn in a thread; yield its base URL once `health` answers 200."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    url = f"http://{HOST}:{sock.getsockname()[1]}"
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan=lifespan,  # type: ignore[arg-type]
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn {url}", daemon=True
    )
    thread.start()
    try:

        def up() -> bool:
            if not thread.is_alive():
                raise RuntimeError(f"the server at {url} stopped while starting")
            return server.started and http_ok(url + health)

        wait_for(up, timeout, f"{url}{health} to answer 200")
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        if thread.is_alive():
            raise RuntimeError(f"the server at {url} did not stop within 10 s")


class SanadServer:
    """`sanad *args` in its own process group, its output in a log file.

    Give `health` (a path; the caller puts the port in `args` and passes it as `port`) for an
    HTTP server, or `ready_line` for a server that prints a line once it listens. Use it as a
    context manager; `stop()` may also be called by the test (it returns the exit status)."""

    def __init__(
        self,
        *args: str,
        port: int | None = None,
        health: str | None = None,
        ready_line: str | None = None,
        log: Path | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 30.0,
    ) -> None:
        if (health is None) == (ready_line is None):
            raise ValueError("give exactly one of health= and ready_line=")
        if health is not None and port is None:
            raise ValueError("health= needs the port the server was told to listen on")
        self.args = args
        self.url = f"http://{HOST}:{port}" if port is not None else ""
        self.port = port
        self.health = health
        self.ready_line = ready_line
        self.timeout = timeout
        self.cwd = cwd
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        if log is None:
            fd, name = tempfile.mkstemp(prefix="sanad-server-", suffix=".log")
            os.close(fd)
            log = Path(name)
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def output(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def lines(self) -> list[str]:
        """What the server has printed so far, stdout and stderr together."""
        return self.output().splitlines()

    def start(self) -> SanadServer:
        """Start it and wait until it is ready; it may be started again after `stop`/`kill`."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [SANAD, *self.args],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
            )

        def up() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"sanad {' '.join(self.args[:2])} exited {self.proc.returncode} while "
                    f"starting:\n{self.tail()}"
                )
            if self.health is not None:
                return http_ok(self.url + self.health)
            return any(line.split(" ", 1)[0] == self.ready_line for line in self.lines())

        try:
            wait_for(up, self.timeout, f"sanad {' '.join(self.args[:2])} to be ready")
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, chars: int = 3000) -> str:
        """The end of its output, for an assertion message."""
        return self.output()[-chars:]

    def signal(self, sig: int) -> None:
        """Send `sig` to the server process (not its workers: it tells them itself)."""
        assert self.proc is not None
        os.kill(self.proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL to the whole group, as a power cut or the OOM killer would: no clean-up."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM (to the server; its workers follow), then SIGKILL to the whole group."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
            return None
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # any worker left behind

    def __enter__(self) -> SanadServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
