"""The preview screen's picture: the registry's unsigned document, its places named from the
trust list, laid out as a specimen that can never pass for the document.

Runs the effect runner against a real registry (in-process, real sockets), the real layout and
the real verifier; the renderer is the real `LayoutRenderer`, which keeps what it was given.
"""

from __future__ import annotations

import csv
import datetime as dt
import queue
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from PIL import Image, ImageStat

from kiosk_app import session as ks
from kiosk_app.adapters import HardwarePrinter, LayoutRenderer
from kiosk_app.effects import Runner
from kiosk_app.journal import Journal
from kiosk_app.payment import SimulatedProvider
from kiosk_app.registry_port import ClientRegistry
from registry import keyring, kiosks
from registry.client import RegistryClient
from registry.config import DataDir, Settings
from registry.db import Database
from registry.seed import initialise
from registry.service import create_app
from verifier.documents import Document, DocumentType, Place
from verifier.keys import PublicKey, SigningKey, load_public_key
from verifier.payload import Claims
from verifier.qr import decode_image
from verifier.trust import TrustList, load_trust_list
from verifier.trust_source import TrustSource
from verifier.verify import Status, verify

KIOSK = "KSK-PREVIEW"


class KeepingRenderer(LayoutRenderer):
    """The real layout, remembering the documents it was asked to preview."""

    def __init__(self) -> None:
        super().__init__(width_dots=576, verifier_url="https://verify.example")
        self.documents: list[Document] = []
        self.specimens: list[Claims] = []

    def preview(self, document: Document, language: str, out: Path) -> Path:
        self.documents.append(document)
        return super().preview(document, language, out)

    def specimen(self, document: Document) -> tuple[Claims, str]:
        claims, text = super().specimen(document)
        self.specimens.append(claims)
        return claims, text


# the registry tests' cheap PIN cost: these tests check the preview, not Argon2id
FAST = Settings(pin_opslimit=1, pin_memlimit=64 * 1024)


@dataclass
class Live:
    data: DataDir
    url: str
    key: SigningKey
    citizens: list[dict[str, str]]

    def root(self) -> PublicKey:
        return load_public_key(self.data.root_public_key_path)

    def trust(self) -> TrustList:
        return load_trust_list(self.data.trust_list_path.read_bytes(), [self.root()])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A registry with a small demo population served by uvicorn in a thread (port 0)."""
    data = DataDir(tmp_path_factory.mktemp("preview-registry"))
    initialise(data, demo=60, seed=5, settings=FAST)
    key = SigningKey.generate()
    db = Database(data.sqlite_url, pool_size=1)
    try:
        with db.session() as s:
            kiosks.enroll(
                s, KIOSK, key.public.raw, "مركز خدمة المواطن - إربد",
                "Citizen Service Centre - Irbid", dt.datetime.now(dt.UTC),
            )  # fmt: skip
            s.flush()
            keyring.publish_trust_list(s, data, FAST)
    finally:
        db.dispose()
    with data.demo_citizens_path.open(encoding="utf-8", newline="") as f:
        citizens = list(csv.DictReader(f))
    app = create_app(data, settings=FAST)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the registry did not start"
        time.sleep(0.01)
    try:
        yield Live(data, f"http://127.0.0.1:{sock.getsockname()[1]}", key, citizens)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        app.state.registry.db.dispose()


@dataclass
class Kiosk:
    live: Live
    port: ClientRegistry
    runner: Runner
    renderer: KeepingRenderer
    events: queue.Queue[ks.Event]

    def next(self, timeout: float = 20.0) -> ks.Event:
        return self.events.get(timeout=timeout)

    def login(self, citizen: dict[str, str]) -> tuple[str, tuple[ks.Entitlement, ...]]:
        nid, pin = citizen["national_id"], citizen["pin"]
        self.runner.run([ks.AuthenticateCitizen(1, nid, pin, ks.IdMethod.KEYPAD)])
        token = self.next()
        assert isinstance(token, ks.Authenticated), token
        self.runner.run([ks.FetchEntitlements(2, token.token)])
        loaded = self.next()
        assert isinstance(loaded, ks.EntitlementsLoaded), loaded
        return token.token, loaded.entitlements


@pytest.fixture
def kiosk(live: Live, tmp_path: Path) -> Iterator[Kiosk]:
    with RegistryClient(live.url, KIOSK, live.key, retries=0) as client:
        port = ClientRegistry(client)
        events: queue.Queue[ks.Event] = queue.Queue()
        renderer = KeepingRenderer()
        runner = Runner(
            dispatch=events.put,
            registry=port,
            printer=HardwarePrinter("tcp://127.0.0.1:9", width_dots=576, timeout=0.5),
            payment=SimulatedProvider(),
            journal=Journal(tmp_path / "journal.sqlite3"),
            trust=TrustSource(
                [live.root()], url="registry", cache_dir=tmp_path, fetch=port.trust_fetch
            ),
            renderer=renderer,
            preview_dir=tmp_path / "previews",
            kiosk_id=KIOSK,
        )
        try:
            yield Kiosk(live, port, runner, renderer, events)
        finally:
            runner.close()


def _places(document: Document) -> list[Place]:
    return [v for v in [*document.fields.values(), document.centre] if isinstance(v, Place)]


def test_preview_is_the_registry_document_named_and_marked_as_a_specimen(kiosk: Kiosk) -> None:
    citizen = next(c for c in kiosk.live.citizens if "deceased" not in c["facts"].split())
    token, offers = kiosk.login(citizen)
    own = next(
        o
        for o in offers
        if o.document_type == DocumentType.BIRTH_CERTIFICATE and o.relation == "self"
    )
    kiosk.runner.run([ks.RenderPreview(3, token, own, "ar")])
    ready = kiosk.next()
    assert isinstance(ready, ks.PreviewReady) and ready.image is not None, ready
    # the places the registry sent as codes reach the layout with the trust list's names
    (shown,) = kiosk.renderer.documents
    trust = kiosk.live.trust()
    places = _places(shown)
    assert any(p.code is not None for p in places)
    for place in places:
        assert place.name is not None, f"code {place.code} printed without its name"
        if place.code is not None:
            assert place.name == trust.places[place.code]
    (laid_out,) = kiosk.renderer.specimens  # the names survive the specimen's signature
    assert laid_out.document == shown
    assert (laid_out.serial, laid_out.issuer) == ("PREVIEW", "PREVIEW")
    # a specimen: the caption band on top, and a QR that never verifies
    image = Image.open(ready.image).convert("L")
    band = ImageStat.Stat(image.crop((0, 0, image.width, 40))).mean[0]
    assert band < 120  # the dark caption band
    (text,) = decode_image(Path(ready.image))
    verdict = verify(text, trust)
    assert not verdict.valid and verdict.status is Status.UNKNOWN_SIGNER
    # and the document then issued, verified and named, is the one previewed
    serial, qr_text = kiosk.port.issue(token, own, "preview-idem-0001", "PAY-PREVIEW-1")
    issued = verify(qr_text, trust)
    assert issued.valid and issued.claims is not None and issued.claims.serial == serial
    assert issued.claims.document == shown
    # the picture leaves with the citizen
    kiosk.runner.run([ks.WipeSession()])
    kiosk.runner.drain()
    assert not Path(ready.image).exists()


def test_a_refused_preview_is_the_refusal_issuing_would_give(kiosk: Kiosk) -> None:
    first, last = kiosk.live.citizens[0], kiosk.live.citizens[-1]
    token, _ = kiosk.login(first)
    stranger = ks.Entitlement(
        f"{int(DocumentType.BIRTH_CERTIFICATE)}:{last['national_id']}",
        int(DocumentType.BIRTH_CERTIFICATE),
        "-",
        None,
        "child",
        0,
        "JOD",
    )
    kiosk.runner.run([ks.RenderPreview(3, token, stranger, "en")])
    # an unrelated subject gets the one uniform refusal, which tells nothing about them
    assert kiosk.next() == ks.RegistryRefused(3, "not_entitled")
    assert kiosk.renderer.documents == []
