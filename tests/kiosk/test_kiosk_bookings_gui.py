"""The appointment screens in the real Kivy window, offscreen (each run in its own process:
`bookings_gui.py`, Kivy has one window per process).

"I have an appointment" tapped on the attract screen, the booking's QR text delivered as the
scanner delivers it, against a live registry and the ESC/POS emulator: the ticket the registry
gave is on the screen and on the paper, the emulator's picture being the ticket's layout dot for
dot. And every new screen, Arabic and English, at a landscape panel and a portrait totem, looked
at by the tour's layout eye (no clipped label, nothing out of the window, no overlap) and
photographed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from sqlalchemy import update

from hardware.emulator.server import Emulator
from kiosk_app import session as ks
from kiosk_app.adapters import LayoutRenderer
from registry.bookings import store
from registry.client import RegistryClient
from registry.models import Booking
from registry.orders import codes
from tests.orders.orders_support import signed_in
from tests.support.registry import LiveServer, Registry, copied_registry
from verifier.keys import save_signing_key

pytestmark = [pytest.mark.gui, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("bookings_gui.py")
KIOSK_ID = "AMM-GUI-1"
SHOTS = [f"{n:02d}" for n in range(40, 55)]


def _run(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        SDL_VIDEODRIVER="offscreen",
        KIVY_HOME=str(tmp / "kivy-home"),
        PYTHONPATH=str(ROOT),
    )
    env.pop("DISPLAY", None)
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("size", ["1280x800", "1080x1920"])
def test_every_appointment_screen_is_laid_out_in_arabic_and_english(
    tmp_path: Path, size: str
) -> None:
    shots = tmp_path / "shots"
    check = tmp_path / "problems.json"
    done = _run("tour", "--size", size, "--shots", str(shots), "--check", str(check), tmp=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    problems = json.loads(check.read_text(encoding="utf-8"))
    assert len(problems) == 2 * len(SHOTS)
    assert {k: v for k, v in problems.items() if v} == {}
    names = sorted(p.stem for p in shots.glob("*.png"))
    assert len(names) == 2 * len(SHOTS) and all(n[:2] in ("ar", "en") for n in names)
    gallery = os.environ.get("SANAD_GALLERY_OUT")  # set to refresh docs/gallery/kiosk/
    if gallery:
        target = Path(gallery) / size
        target.mkdir(parents=True, exist_ok=True)
        for png in shots.glob("*.png"):
            (target / png.name).write_bytes(png.read_bytes())
            os.chmod(target / png.name, 0o644)


@pytest.fixture
def registry(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return copied_registry(tmp_path, tmp_path_factory)


@pytest.fixture
def server(registry: Registry) -> Iterator[LiveServer]:
    with LiveServer(registry) as live:
        yield live


@pytest.fixture
def portal(registry: Registry, server: LiveServer) -> Iterator[RegistryClient]:
    key = registry.enroll_portal("PORTAL-1")
    with server.client("PORTAL-1", key, retries=0) as c:
        yield c


def _booked_today(registry: Registry, portal: RegistryClient) -> str:
    citizen = next(c for c in registry.citizens() if c["phone"] and "deceased" not in c["facts"])
    session = signed_in(portal, registry.url, citizen)
    day = next(d.day for d in portal.booking_days(session, "EVENT_REG", "AMM") if d.has_free)
    held = portal.hold_booking(
        session,
        service="EVENT_REG",
        office="AMM",
        day=day,
        time=portal.booking_times(session, "EVENT_REG", "AMM", day)[0],
        idempotency_key=uuid.uuid4().hex,
    )
    portal.confirm_booking(session, held.reference)
    soon = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=10)
    db = registry.db()
    try:
        with db.session() as s:
            s.execute(
                update(Booking)
                .where(Booking.reference == held.reference)
                .values(starts_at=soon, ends_at=soon + dt.timedelta(minutes=30))
            )
    finally:
        db.dispose()
    return held.reference


def test_a_scanned_booking_qr_prints_the_ticket_shown_on_the_screen(
    tmp_path: Path, registry: Registry, server: LiveServer, portal: RegistryClient
) -> None:
    reference = _booked_today(registry, portal)
    key = registry.enroll(KIOSK_ID, office="AMM")
    save_signing_key(key, tmp_path / "kiosk.key.jwk")
    with Emulator(tmp_path / "paper", width_dots=576) as printer:
        config = {
            "url": server.url,
            "kiosk_id": KIOSK_ID,
            "key": str(tmp_path / "kiosk.key.jwk"),
            "root": str(registry.data.root_public_key_path),
            "office": "AMM",
            "printer": printer.url,
            "qr": codes.qr_text(reference, prefix=store.QR_PREFIX),
            "tmp": str(tmp_path),
        }
        (tmp_path / "run.json").write_text(json.dumps(config), encoding="utf-8")
        out = tmp_path / "result.json"
        done = _run(
            "live",
            "--config",
            str(tmp_path / "run.json"),
            "--out",
            str(out),
            "--shots",
            str(tmp_path / "shots"),
            tmp=tmp_path,
        )
        assert done.returncode == 0, (done.stderr[-3000:], out.read_text() if out.exists() else "")
        (paper,) = printer.wait_for_receipts(1)
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert seen["error"] is None and seen["shown"] == "ticket"
    ticket = ks.Ticket(
        **{**seen["ticket"], "issued_at": dt.datetime.fromisoformat(seen["ticket"]["issued_at"])}
    )
    assert (ticket.label, ticket.kind, ticket.late, ticket.reprint) == (
        "B-001",
        "booked",
        False,
        False,
    )
    assert ticket.service_ar.startswith("تسجيل واقعة")
    # what the printer received is the ticket's layout, in the citizen's language, dot for dot
    assert paper.complete
    laid_out = LayoutRenderer(width_dots=576, verifier_url="https://verify.example").ticket(
        ticket, "ar"
    )
    with Image.open(paper.path) as got:
        printed = got.convert("1")
    assert printed.size == laid_out.size
    assert ImageChops.difference(printed, laid_out.convert("1")).getbbox() is None
    assert (tmp_path / "shots" / "ar-46-ticket-live.png").is_file()
