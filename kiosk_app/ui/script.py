"""Scripted touches for a running kiosk process: the system tests' and self-test's hands.

    sanad kiosk --config kiosk.toml --script steps.jsonl --script-log progress.jsonl

(both options are hidden from `--help`). The kiosk runs exactly as it does for a citizen (real
services, heartbeat, journal, printer), and additionally follows `steps.jsonl`: a file of JSON
objects, one per line, that the caller may keep appending to while the kiosk runs. Each step
is a simulated touch on the real widgets (through `kiosk_app.ui.driver`), then a wait for the
session to reach one of the named states:

    {"label": "login", "do": "tap_key", "key": "button.ok",
     "until": ["choose_document", "refused"], "timeout": 30}

Actions (`do`): `none` (only wait), `touch` (the middle of the screen), `collect` (the
welcome screen's "collect an order"), `appointment`, `queue` and `book` (its "I have an
appointment", "queue ticket" and "book an appointment"), `tap` (`text`: a button's exact
label), `tap_key` (`key`: a catalogue key, in the session's language), `keys` (`text`: keypad
keys, one tap each: digits, or the order code's digits and letters), `language` (`lang`),
`document` (`type`, `relation`), `pay`, `corner` (the technician's five taps), `reprint` and
`cancel_job` (the first failed job), `report` (write the session, its entitlements and the
payment ledger), `shot` (`name`: a
screenshot into the log's directory) and `quit`.

Every step and every screen shown is written to the progress log as one JSON line:
`{"kind": "shown", "state", "screen", "citizen_data"}`, `{"kind": "step", "index", "label",
"state", "seconds"}`, `{"kind": "error", "index", "label", "message", "state"}`,
`{"kind": "report", ...}`. A failed step is reported and the steps queued after it are dropped
(the kiosk keeps running). No national number, PIN, name, token or QR text is ever written.

Keeping it from the citizen: only a command-line option turns it on; no touch, key or gesture
can. What this module does not do: assert anything (the caller reads the log).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk_app.errors import KioskError
from kiosk_app.files import FILE_MODE, private_dir
from kiosk_app.ui.driver import find_text, tap, tap_at

__all__ = ["ScriptError", "ScriptFollower", "StepSpec", "attach"]

log = logging.getLogger(__name__)

_TICK = 0.05
_DEFAULT_TIMEOUT = 30.0
# a screen just shown is laid out over the next frames: touch it only once it has settled
_SETTLE_SECONDS = 0.25
_SETTLE_FRAMES = 3


class ScriptError(KioskError):
    """A step that cannot be read or done (bad JSON, no such button)."""


@dataclass(frozen=True)
class StepSpec:
    """One line of the script file."""

    label: str
    do: str
    args: dict[str, Any]
    until: tuple[str, ...]
    timeout: float

    @classmethod
    def parse(cls, line: str) -> StepSpec:
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ScriptError(f"not JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise ScriptError("a step is a JSON object")
        do = str(raw.pop("do", "none"))
        if do not in _ACTIONS:
            raise ScriptError(f"unknown action {do!r}")
        label = str(raw.pop("label", do))
        until = raw.pop("until", ())
        until = (until,) if isinstance(until, str) else tuple(str(u) for u in until)
        timeout = float(raw.pop("timeout", _DEFAULT_TIMEOUT))
        return cls(label, do, raw, until, timeout)


def _has_citizen_data(session: Any) -> bool:
    return bool(
        session.national_id
        or session.pin
        or session.token
        or session.entitlements
        or session.chosen
        or session.preview
        or session.qr_text
        or session.order_code
    )


def _press(app: Any, raw: str) -> None:
    widget = find_text(app, raw)
    if widget is None:
        raise ScriptError(f"no enabled button {raw!r} on {app.session.state.value}")
    tap(widget)


def _act_touch(app: Any, args: dict[str, Any]) -> None:
    from kivy.core.window import Window

    tap_at(Window.width / 2, Window.height / 2)


def _act_collect(app: Any, args: dict[str, Any]) -> None:
    widget = app.manager.get_screen("attract").ids.collect
    if app.manager.current != "attract" or widget.disabled or widget.opacity == 0:
        raise ScriptError(f"no 'collect an order' button on {app.session.state.value}")
    tap(widget)


def _attract_choice(name: str, what: str) -> Callable[[Any, dict[str, Any]], None]:
    def act(app: Any, args: dict[str, Any]) -> None:
        widget = app.manager.get_screen("attract").ids[name]
        if app.manager.current != "attract" or widget.disabled or widget.opacity == 0:
            raise ScriptError(f"no {what!r} button on {app.session.state.value}")
        tap(widget)

    return act


def _act_tap(app: Any, args: dict[str, Any]) -> None:
    _press(app, str(args["text"]))


def _act_tap_key(app: Any, args: dict[str, Any]) -> None:
    params = {k: str(v) for k, v in args.get("params", {}).items()}
    _press(app, app.tr(str(args["key"]), **params))


def _act_keys(app: Any, args: dict[str, Any]) -> None:
    for ch in str(args["text"]):
        _press(app, ch)


def _act_language(app: Any, args: dict[str, Any]) -> None:
    _press(app, app.catalogues[str(args["lang"])].name)


def _act_document(app: Any, args: dict[str, Any]) -> None:
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.uix.scrollview import ScrollView

    title = app.document_title(int(args["type"]))
    relation = args.get("relation")
    wanted = None
    if relation:
        sexes = [
            e.subject_sex
            for e in app.session.entitlements
            if e.document_type == int(args["type"]) and e.relation == relation
        ]
        wanted = app.relation(str(relation), sexes[0] if sexes else None)
    for root in Window.children:
        for widget in root.walk(restrict=True):
            if getattr(widget, "title", None) != title:
                continue
            if wanted is not None and wanted not in getattr(widget, "detail", ""):
                continue
            parent = widget.parent
            while parent is not None and not isinstance(parent, ScrollView):
                parent = parent.parent
            if parent is not None:  # bring the row into view, as a finger would, then tap
                parent.scroll_to(widget, padding=10, animate=False)
            Clock.schedule_once(lambda _dt, w=widget: tap(w), 0.15)
            return
    raise ScriptError(f"no document row of type {args['type']} ({relation})")


def _act_pay(app: Any, args: dict[str, Any]) -> None:
    chosen = app.session.chosen
    if chosen is None:
        raise ScriptError("nothing chosen to pay for")
    _press(app, app.tr("button.pay", fee=app.chosen_fee(app.session)))


def _act_corner(app: Any, args: dict[str, Any]) -> None:
    from kivy.core.window import Window

    for _ in range(5):
        tap_at(8, Window.height - 8)


def _act_reprint(app: Any, args: dict[str, Any]) -> None:
    if not app.session.tech_jobs:
        raise ScriptError("no failed job to reprint")
    _press(app, app.tr("tech.reprint"))


def _act_cancel_job(app: Any, args: dict[str, Any]) -> None:
    if not app.session.tech_jobs:
        raise ScriptError("no failed job to cancel")
    _press(app, app.tr("tech.cancel_job"))


_ACTIONS: dict[str, Callable[[Any, dict[str, Any]], None] | None] = {
    "none": None,
    "touch": _act_touch,
    "collect": _act_collect,
    "appointment": _attract_choice("appointment", "I have an appointment"),
    "queue": _attract_choice("queue", "queue ticket"),
    "book": _attract_choice("book", "book an appointment"),
    "tap": _act_tap,
    "tap_key": _act_tap_key,
    "keys": _act_keys,
    "language": _act_language,
    "document": _act_document,
    "pay": _act_pay,
    "corner": _act_corner,
    "reprint": _act_reprint,
    "cancel_job": _act_cancel_job,
    "report": None,  # handled by the follower (it writes to the log)
    "shot": None,
    "quit": None,
}


@dataclass
class ScriptFollower:
    """Tails the script file from Kivy's clock and runs its steps one at a time."""

    app: Any
    script: Path
    progress: Path
    _offset: int = 0
    _partial: str = ""
    _queue: list[tuple[int, StepSpec]] = field(default_factory=list)
    _count: int = 0
    _current: tuple[int, StepSpec] | None = None
    _since: float = 0.0
    _shown_at: float = 0.0
    _shown_frame: int = 0

    def start(self) -> None:
        from kivy.clock import Clock

        private_dir(self.progress.parent)  # screenshots of a citizen's screens land here
        previous = self.app.on_shown

        def shown(state: Any) -> None:
            if previous is not None:
                previous(state)
            self._shown_at = time.monotonic()
            self._shown_frame = Clock.frames_displayed
            self._write(
                kind="shown",
                state=state.value,
                screen=self.app.manager.current,
                citizen_data=_has_citizen_data(self.app.session),
            )

        self.app.on_shown = shown
        self._write(kind="started", state=self.app.session.state.value)
        Clock.schedule_interval(self._tick, _TICK)

    def _write(self, **record: Any) -> None:
        record["at"] = time.time()
        with self.progress.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _read_new(self) -> None:
        try:
            with self.script.open("rb") as f:
                f.seek(self._offset)
                chunk = f.read()
        except FileNotFoundError:
            return
        if not chunk:
            return
        self._offset += len(chunk)
        text = self._partial + chunk.decode("utf-8", errors="replace")
        *lines, self._partial = text.split("\n")
        for line in lines:
            if not line.strip():
                continue
            index = self._count
            self._count += 1
            try:
                self._queue.append((index, StepSpec.parse(line)))
            except ScriptError as exc:
                self._write(kind="error", index=index, label="?", message=str(exc))

    def _fail(self, index: int, spec: StepSpec, message: str) -> None:
        state = self.app.session.state.value
        self._write(kind="error", index=index, label=spec.label, message=message, state=state)
        log.warning("script step %d (%s) failed: %s", index, spec.label, message)
        self._queue.clear()
        self._current = None

    def _begin(self, index: int, spec: StepSpec) -> bool:
        """Do the step's action; False when it failed (already reported)."""
        if spec.do == "quit":
            self._write(kind="step", index=index, label=spec.label, state="quit", seconds=0)
            self.app.stop()
            return False
        if spec.do == "report":
            self._report(index, spec)
        elif spec.do == "shot":
            self._shot(str(spec.args.get("name", f"step-{index}")))
        action = _ACTIONS[spec.do]
        if action is not None:
            try:
                action(self.app, spec.args)
            except Exception as exc:  # a missing button, a bad argument: report, keep running
                self._fail(index, spec, f"{type(exc).__name__}: {exc}")
                return False
        self._current = (index, spec)
        self._since = time.monotonic()
        return True

    def _settled(self) -> bool:
        from kivy.clock import Clock

        if time.monotonic() - self._shown_at < _SETTLE_SECONDS:
            return False
        return bool(Clock.frames_displayed - self._shown_frame >= _SETTLE_FRAMES)

    def _tick(self, _dt: float) -> bool:
        self._read_new()
        if self._current is None:
            if not self._queue or not self._settled():
                return True
            index, spec = self._queue.pop(0)
            if not self._begin(index, spec):
                return spec.do != "quit"
        assert self._current is not None
        index, spec = self._current
        state = self.app.session.state.value
        if spec.until and state not in spec.until:
            if time.monotonic() - self._since > spec.timeout:
                self._fail(index, spec, f"timed out in {state} waiting for {list(spec.until)}")
            return True
        seconds = round(time.monotonic() - self._since, 3)
        self._write(kind="step", index=index, label=spec.label, state=state, seconds=seconds)
        self._current = None
        return True

    def _report(self, index: int, spec: StepSpec) -> None:
        s = self.app.session
        payment = getattr(getattr(self.app, "runner", None), "payment", None)
        ledger = getattr(payment, "ledger", ())
        self._write(
            kind="report",
            index=index,
            label=spec.label,
            state=s.state.value,
            screen=self.app.manager.current,
            citizen_data=_has_citizen_data(s),
            serial=s.serial,
            notice=s.notice.value if s.notice is not None else None,
            notice_args=dict(s.notice_args),
            printing_available=s.printing_available,
            printer=s.printer.value,
            tech_jobs=len(s.tech_jobs),
            kiosk_refused=s.kiosk_refused,
            entitlements=[
                {"type": e.document_type, "relation": e.relation, "subject": e.subject_ar}
                for e in s.entitlements
            ],
            payments=[
                {"id": a.id, "amount": a.amount, "reference": a.reference, "state": a.state.value}
                for a in ledger
            ],
        )

    def _shot(self, name: str) -> None:
        from kivy.core.window import Window

        target = self.progress.parent / f"{name}.png"
        made = Window.screenshot(name=str(self.progress.parent / f"{name}-shot.png"))
        if made:
            os.chmod(made, FILE_MODE)  # a citizen's screen: owner-only
            Path(made).replace(target)


def attach(script: Path, progress: Path) -> Callable[[Any], None]:
    """A hook for `run_kiosk`: start following `script` once the app's clock runs."""

    def hook(app: Any) -> None:
        from kivy.clock import Clock

        follower = ScriptFollower(app, script, progress)
        Clock.schedule_once(lambda _dt: follower.start(), 0)

    return hook
