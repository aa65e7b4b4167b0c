"""The certificate layout: verified claims → a 1-bit receipt image at the printer's dot width.

The receipt is laid out from the claims the QR text signs and from the trust list's
`Masthead` (the authority's names and the verification address), and from nothing else: no
name, address or currency is a constant here. Header: the authority, the document title in
Arabic and English, the serial, issue time, issuer, issuing centre and kiosk
(`presentation.issue_fields`). Body: every signed field (via
`verifier.presentation.display_fields`, so paper and verifier page word a value the same
way, in `verifier.words`' words) with its Arabic and English labels. Footer: the QR, how to
verify it, and on thermal paper the advice to keep it from heat and sun. `render_receipt`
refuses claims that differ from what the QR text carries. `render_a4` lays the same content
out anew for an A4 page.

How a line is set: the Arabic side is a right-to-left paragraph set in Amiri and
right-aligned, with every Latin or numeric value in it isolated (`words.isolate_values`) so
it keeps its order; the Latin side is left-to-right and left-aligned; a value that reads the
same in both (a date, a national number) is printed once, on the labels' line when it fits. Text
is wrapped by `text.wrap`, measured by its ink, so nothing passes the side margins. Lines
are stacked by the font's pitch, and further apart only where the real ink of two lines
would come closer than `_GAP` dots (tall Arabic marks), so nothing overlaps and no paper is
left blank: paper is the kiosk's running cost. QR modules are as many whole dots as the width
allows (see `qr.fit_qr`; `max_module_dots` caps them to save paper on 80 mm).

The image is drawn in grey and thresholded once, so text is clean 1-bit and the QR (whole
dots per module) has no grey at all.

What this module does not do: talk to a printer (the kiosk adapts `Receipt`'s parts to the
hardware package's job), verify signatures (the caller passes a VALID verdict's claims, or
uses `render_verdict`), or import Kivy.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from PIL import Image, ImageDraw, ImageFont

from hardware.layout.errors import LayoutError, NotVerifiedError
from hardware.layout.fonts import FontSet, Script, default_fonts, open_font, require_raqm
from hardware.layout.qr import QUIET_ZONE, QrEcc, QrSymbol, fit_qr, symbol_image
from hardware.layout.text import Direction, has_arabic, wrap
from verifier import codec, cose, words
from verifier.documents import Bilingual, Document, FamilyMember, Place
from verifier.errors import FormatError, UnsupportedAlgorithmError, UnsupportedVersionError
from verifier.payload import Claims, decode_claims
from verifier.presentation import DisplayField, display_fields, issue_fields, member_fields
from verifier.trust import TrustList, serial_hash
from verifier.verify import Verdict

__all__ = [
    "A4_DPI",
    "A4_WIDTH_DOTS",
    "DPI",
    "LangOrder",
    "Masthead",
    "PaperWidth",
    "QrPart",
    "Receipt",
    "TextRole",
    "render_a4",
    "render_a4_lines",
    "render_receipt",
    "render_text",
    "render_verdict",
]

log = logging.getLogger(__name__)

DPI = 203


@dataclass(frozen=True)
class Masthead:
    """Who issues the paper and where to check it: the authority's names and the verification
    address, as the root-signed trust list publishes them (`from_trust_list`), never code."""

    authority: Bilingual
    verify_url: str

    @classmethod
    def from_trust_list(cls, trust: TrustList) -> Masthead:
        return cls(trust.authority, trust.identity.verify_url)


class PaperWidth(enum.IntEnum):
    """Printable dots across the paper at 203 dpi."""

    MM58 = 384
    MM80 = 576


class TextRole(enum.Enum):
    """The kinds of text on a certificate, each with its own sizes."""

    HEADER = "header"
    TITLE = "title"
    LABEL = "label"
    VALUE = "value"
    NOTE = "note"


class LangOrder(enum.Enum):
    """Which language comes first in the title and in each value."""

    AR_FIRST = "ar_first"
    EN_FIRST = "en_first"


@dataclass(frozen=True)
class QrPart:
    """What a printer needs to print the QR natively (ESC/POS `GS ( k`) instead of as raster.

    The symbol is `modules` × `modules` modules of `module_dots` dots, its left edge
    `left_dots` from the left of the printable width. The quiet zone is not part of it: it is
    the white rows that end `Receipt.above` and start `Receipt.below`, and white columns.
    """

    text: str = field(repr=False)  # the signed payload: never in logs or tracebacks
    module_dots: int
    ecc: QrEcc
    version: int
    modules: int
    left_dots: int
    top_dots: int
    quiet_zone_modules: int = QUIET_ZONE

    @property
    def size_dots(self) -> int:
        return self.modules * self.module_dots


@dataclass(frozen=True)
class Receipt:
    """A laid-out certificate: the whole 1-bit image, and the same split around the QR.

    `image` == `above` + the QR symbol + `below`, stacked; print either the image, or
    `above`, the QR natively from `qr`, then `below`.
    """

    image: Image.Image  # mode "1", exactly `width_dots` wide, 203 dpi
    above: Image.Image  # rows above the QR symbol (its top quiet zone included)
    qr: QrPart
    below: Image.Image  # rows below the QR symbol (its bottom quiet zone included)
    width_dots: int
    dpi: int = DPI

    @property
    def height_dots(self) -> int:
        return self.image.height

    @property
    def height_mm(self) -> float:
        return self.image.height * 25.4 / self.dpi


# ---------------------------------------------------------------------------------------------
# Style: pixel sizes at 203 dpi. Amiri's Arabic looks smaller than DejaVu's Latin at the same
# pixel size, hence the two sizes per role.


@dataclass(frozen=True)
class _Role:
    ar: int
    en: int
    bold: bool = False


@dataclass(frozen=True)
class _Style:
    margin: int
    header: _Role
    title: _Role
    label: _Role
    value: _Role
    note: _Role
    min_module: int


_STYLES = {
    PaperWidth.MM58: _Style(
        margin=6,
        header=_Role(21, 15, bold=True),
        title=_Role(30, 20, bold=True),
        label=_Role(18, 14),
        value=_Role(22, 17, bold=True),
        note=_Role(18, 14),
        min_module=4,
    ),
    PaperWidth.MM80: _Style(
        margin=8,
        header=_Role(24, 17, bold=True),
        title=_Role(34, 23, bold=True),
        label=_Role(20, 16),
        value=_Role(25, 19, bold=True),
        note=_Role(20, 16),
        min_module=4,
    ),
}

# A4: 300 dpi, 183 mm of text width inside export.pdf_a4's 12 mm page margins; sizes are
# the receipt's scaled to about 10 pt values, and QR modules capped at 0.68 mm (6 cm for v16).
A4_DPI = 300
A4_WIDTH_DOTS = 2160
_A4_MAX_MODULE = 8
_A4_STYLE = _Style(
    margin=24,
    header=_Role(54, 38, bold=True),
    title=_Role(76, 52, bold=True),
    label=_Role(40, 31),
    value=_Role(50, 38, bold=True),
    note=_Role(40, 31),
    min_module=4,
)

_GAP = 2  # least white between the ink of two lines, in dots
_FIELD_GAP = 5  # extra white between two fields
_THRESHOLD = 150  # grey below this becomes a printed dot
_ARABIC_PITCH = 1.25  # baseline to baseline, times the font size
_LATIN_PITCH = 1.2


# ---------------------------------------------------------------------------------------------
# Blocks: what the composer produces and the stacker places.


class _Align(enum.Enum):
    LEFT = "left"
    RIGHT = "right"
    CENTER = "center"


@dataclass
class _Run:
    text: str
    font: ImageFont.FreeTypeFont
    direction: Direction
    x: int  # drawing origin (left of the line, on the baseline)


@dataclass
class _Line:
    runs: list[_Run]
    pitch: int
    ink_top: int  # relative to the baseline (negative: above it)
    ink_bottom: int


@dataclass
class _Space:
    dots: int


@dataclass
class _Rule:
    thickness: int


@dataclass
class _Qr:
    symbol: QrSymbol
    module: int


_Block = _Line | _Space | _Rule | _Qr


@dataclass
class _Placing:
    """A run being laid out: its ink box relative to its origin, and its font's pitch."""

    run: _Run
    bbox: tuple[int, int, int, int]
    pitch: int

    @property
    def width(self) -> int:
        return self.bbox[2] - self.bbox[0]


@dataclass
class _Composer:
    width: int
    style: _Style
    fonts: FontSet
    blocks: list[_Block] = field(default_factory=list)
    # Ink boxes measured during this one layout (wrapping measures each line it keeps; the
    # line is then placed with the same box). Dropped with the composer: nothing outlives a
    # render, so no citizen's text stays in memory.
    _boxes: dict[tuple[int, str, Direction], tuple[int, int, int, int]] = field(
        default_factory=dict
    )

    def _box(
        self, text: str, font: ImageFont.FreeTypeFont, direction: Direction
    ) -> tuple[int, int, int, int]:
        """The ink box of text as it will be drawn (values isolated on the Arabic side)."""
        key = (id(font), text, direction)
        box = self._boxes.get(key)
        if box is None:
            drawn = words.isolate_values(text) if direction is Direction.RTL else text
            left, top, right, bottom = font.getbbox(drawn, direction=direction.value, anchor="ls")
            box = (math.floor(left), math.floor(top), math.ceil(right), math.ceil(bottom))
            self._boxes[key] = box
        return box

    def _ink_width(self, text: str, font: ImageFont.FreeTypeFont, direction: Direction) -> float:
        left, _, right, _ = self._box(text, font, direction)
        return right - left

    @property
    def avail(self) -> int:
        return self.width - 2 * self.style.margin

    def font(self, role: _Role, text: str) -> tuple[ImageFont.FreeTypeFont, Script, int]:
        script = Script.ARABIC if has_arabic(text) else Script.LATIN
        size = role.ar if script is Script.ARABIC else role.en
        return open_font(self.fonts.path(script, role.bold), size), script, size

    @staticmethod
    def _direction(script: Script) -> Direction:
        return Direction.RTL if script is Script.ARABIC else Direction.LTR

    def _run(self, text: str, role: _Role) -> _Placing:
        """One line of text, not yet positioned; Latin and numeric values isolated in Arabic."""
        font, script, size = self.font(role, text)
        direction = self._direction(script)
        bbox = self._box(text, font, direction)
        if direction is Direction.RTL:
            text = words.isolate_values(text)
        factor = _ARABIC_PITCH if script is Script.ARABIC else _LATIN_PITCH
        return _Placing(_Run(text, font, direction, 0), bbox, round(size * factor))

    def _place(self, placed: list[_Placing]) -> None:
        self.blocks.append(
            _Line(
                runs=[p.run for p in placed],
                pitch=max(p.pitch for p in placed),
                ink_top=min(p.bbox[1] for p in placed),
                ink_bottom=max(p.bbox[3] for p in placed),
            )
        )

    def _put(self, p: _Placing, align: _Align) -> None:
        left, right = self.style.margin, self.width - self.style.margin
        if align is _Align.LEFT:
            p.run.x = left - p.bbox[0]
        elif align is _Align.RIGHT:
            p.run.x = right - p.bbox[2]
        else:
            p.run.x = left + (right - left - p.width) // 2 - p.bbox[0]

    def paragraph(self, text: str, role: _Role, align: _Align | None = None) -> None:
        """Wrapped text; Arabic right-aligned and Latin left-aligned unless align says."""
        font, script, _ = self.font(role, text)
        direction = self._direction(script)
        if align is None:
            align = _Align.RIGHT if script is Script.ARABIC else _Align.LEFT
        for line in wrap(text, font, self.avail, direction, measure=self._ink_width):
            p = self._run(line, role)
            self._put(p, align)
            self._place([p])

    def pair(
        self, left: str, right: str, role: _Role, *, right_first: bool = True, wrap: bool = True
    ) -> bool:
        """Latin text at the left and Arabic at the right of one line, or (if wrap) as two
        paragraphs; False if it did not fit on one line and wrap is False."""
        lp, rp = self._run(left, role), self._run(right, role)
        if lp.width + rp.width + role.en <= self.avail:
            self._put(lp, _Align.LEFT)
            self._put(rp, _Align.RIGHT)
            self._place([lp, rp])
            return True
        if not wrap:
            return False
        parts = [(right, _Align.RIGHT), (left, _Align.LEFT)]
        for text, align in parts if right_first else parts[::-1]:
            self.paragraph(text, role, align)
        return True

    def triple(self, left: str, centre: str, right: str, label: _Role, value: _Role) -> bool:
        """Labels at both ends and the value between them on one line, if it fits."""
        lp, cp, rp = self._run(left, label), self._run(centre, value), self._run(right, label)
        gap = label.en
        if lp.width + cp.width + rp.width + 2 * gap > self.avail:
            return False
        self._put(lp, _Align.LEFT)
        self._put(rp, _Align.RIGHT)
        # Centred on the paper if that clears both labels, else centred between them.
        lo = self.style.margin + lp.width + gap
        hi = self.width - self.style.margin - rp.width - gap
        x0 = (self.width - cp.width) // 2
        if x0 < lo or x0 + cp.width > hi:
            x0 = lo + (hi - lo - cp.width) // 2
        cp.run.x = x0 - cp.bbox[0]
        self._place([lp, cp, rp])
        return True

    def quad(
        self, label_en: str, value_en: str, value_ar: str, label_ar: str, label: _Role, value: _Role
    ) -> bool:
        """ "Label value" from the left and "label value" from the right, if all fit one line."""
        parts = [
            self._run(label_en, label),
            self._run(value_en, value),
            self._run(value_ar, value),
            self._run(label_ar, label),
        ]
        gap, small = label.en, label.en // 2
        if sum(p.width for p in parts) + 2 * small + gap > self.avail:
            return False
        le, ve, va, la = parts
        self._put(le, _Align.LEFT)
        ve.run.x = self.style.margin + le.width + small - ve.bbox[0]
        self._put(la, _Align.RIGHT)
        va.run.x = self.width - self.style.margin - la.width - small - va.bbox[2]
        self._place(parts)
        return True

    def space(self, dots: int) -> None:
        self.blocks.append(_Space(dots))

    def rule(self, thickness: int = 2) -> None:
        self.blocks.append(_Rule(thickness))

    def qr(self, symbol: QrSymbol, module: int) -> None:
        self.blocks.append(_Qr(symbol, module))


# ---------------------------------------------------------------------------------------------
# Content: which blocks a document makes.


def _bilingual_pair(ar: str, en: str, order: LangOrder) -> list[str]:
    return [ar, en] if order is LangOrder.AR_FIRST else [en, ar]


def _field(c: _Composer, f: DisplayField, order: LangOrder) -> None:
    s = c.style
    right_first = order is LangOrder.AR_FIRST
    if f.ar == f.en:
        if not has_arabic(f.ar):  # a date, a number, a code: the same in both languages
            if c.triple(f.label_en, f.ar, f.label_ar, s.label, s.value):
                return
            c.pair(f.label_en, f.label_ar, s.label, right_first=right_first)
            c.paragraph(f.ar, s.value, _Align.CENTER)
            return
        c.pair(f.label_en, f.label_ar, s.label, right_first=right_first)
        c.paragraph(f.ar, s.value)  # Arabic only: the registry has no Latin form
        return
    if c.quad(f.label_en, f.en, f.ar, f.label_ar, s.label, s.value):
        return
    c.pair(f.label_en, f.label_ar, s.label, right_first=right_first)
    if c.pair(f.en, f.ar, s.value, wrap=False):
        return
    for text in _bilingual_pair(f.ar, f.en, order):
        c.paragraph(text, s.value)


def _members(
    c: _Composer, f: DisplayField, members: tuple[FamilyMember, ...], order: LangOrder
) -> None:
    """The family extract's members, one block each: name, then relation, sex and status in
    words (agreeing with the member's sex), then national number and date of birth, each line
    labelled in both languages."""
    s = c.style
    right_first = order is LangOrder.AR_FIRST
    c.pair(f.label_en, f.label_ar, s.label, right_first=right_first)
    for i, m in enumerate(members, start=1):
        c.space(_FIELD_GAP)
        shown = {mf.name: mf for mf in member_fields(m)}
        name_ar, name_en = f"{i}. {shown['name'].ar}", f"{i}. {shown['name'].en}"
        if name_ar == name_en or not c.pair(name_en, name_ar, s.value, wrap=False):
            for text in (
                _bilingual_pair(name_ar, name_en, order) if name_ar != name_en else [name_ar]
            ):
                c.paragraph(text, s.value)
        in_words = [shown[k] for k in ("relation", "sex", "marital_status")]
        words_en = ", ".join(x.en for x in in_words)
        words_ar = "، ".join(x.ar for x in in_words)
        c.pair(words_en, words_ar, s.label, right_first=right_first)
        for name in ("national_id", "date_of_birth"):
            _field(c, shown[name], order)


def _compose(
    c: _Composer,
    claims: Claims,
    symbol: QrSymbol,
    module: int,
    masthead: Masthead,
    order: LangOrder,
    tz: dt.tzinfo,
    thermal: bool,
) -> None:
    s, document = c.style, claims.document
    fields = display_fields(document)
    authority = masthead.authority
    for text in _bilingual_pair(authority.ar, authority.latin or authority.ar, order):
        c.paragraph(text, s.header, _Align.CENTER)
    c.space(3)
    c.rule(2)
    c.space(2)
    for text in _bilingual_pair(*words.document_title(int(document.type)), order):
        c.paragraph(text, s.title, _Align.CENTER)
    c.space(2)
    c.rule(1)
    # Where and when it was issued: part of the header, as on the registry's own paper.
    for f in issue_fields(claims, tz):
        c.space(_FIELD_GAP)
        _field(c, f, order)
    c.space(_FIELD_GAP)
    c.rule(1)
    for f in fields:
        c.space(_FIELD_GAP)
        value = document.fields.get(f.name) if document.schema is not None else None
        if isinstance(value, tuple) and all(isinstance(m, FamilyMember) for m in value):
            _members(c, f, value, order)
        else:
            _field(c, f, order)
    c.space(_FIELD_GAP)
    c.rule(2)
    c.qr(symbol, module)
    for text in _bilingual_pair(*words.verify_note(masthead.verify_url), order):
        c.paragraph(text, s.note, _Align.CENTER)
    if thermal:
        c.space(_FIELD_GAP)
        for text in _bilingual_pair(*words.THERMAL_ADVICE, order):
            c.paragraph(text, s.note, _Align.CENTER)


# ---------------------------------------------------------------------------------------------
# Placing and drawing.


@dataclass
class _Placed:
    block: _Block
    y: int  # baseline for a line, top edge otherwise


def _stack(blocks: list[_Block], top: int) -> tuple[list[_Placed], int]:
    """Give every block its y; returns the placements and the bottom of the last ink."""
    placed: list[_Placed] = []
    floor = top  # nothing may be drawn above this
    prev_baseline: int | None = None
    for block in blocks:
        if isinstance(block, _Line):
            baseline = floor + _GAP - block.ink_top
            if prev_baseline is not None:
                baseline = max(baseline, prev_baseline + block.pitch)
            placed.append(_Placed(block, baseline))
            floor = baseline + block.ink_bottom
            prev_baseline = baseline
            continue
        prev_baseline = None
        if isinstance(block, _Space):
            floor += block.dots
        elif isinstance(block, _Rule):
            placed.append(_Placed(block, floor + _GAP))
            floor += _GAP + block.thickness
        else:
            floor += QUIET_ZONE * block.module  # the quiet zone above the symbol
            placed.append(_Placed(block, floor))
            floor += (block.symbol.modules + QUIET_ZONE) * block.module
    return placed, floor


def _draw(placed: list[_Placed], width: int, height: int, margin: int) -> tuple[Image.Image, int]:
    canvas = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(canvas)
    qr_top = -1
    qr_image: tuple[Image.Image, int, int] | None = None
    for p in placed:
        b = p.block
        if isinstance(b, _Line):
            for run in b.runs:
                draw.text(
                    (run.x, p.y),
                    run.text,
                    font=run.font,
                    fill=0,
                    anchor="ls",
                    direction=run.direction.value,
                )
        elif isinstance(b, _Rule):
            draw.rectangle((margin, p.y, width - margin - 1, p.y + b.thickness - 1), fill=0)
        elif isinstance(b, _Qr):
            img = symbol_image(b.symbol, b.module)
            left = (width - img.width) // 2
            qr_top = p.y
            qr_image = (img, left, p.y)
    lut = [0 if v < _THRESHOLD else 255 for v in range(256)]
    image = canvas.point(lut, "1")
    if qr_image is not None:
        img, left, top = qr_image
        image.paste(img, (left, top))  # pasted after thresholding: not a grey dot in it
    return image, qr_top


def _unnamed(document: Document) -> Document:
    """The document as signed: place codes without the names the trust list gave them."""

    def strip(value: object) -> object:
        if isinstance(value, Place) and value.code is not None:
            return Place(value.code)
        return value

    centre = document.centre
    if isinstance(centre, Place) and centre.code is not None:
        centre = Place(centre.code)
    return replace(
        document, fields={k: strip(v) for k, v in document.fields.items()}, centre=centre
    )


def _check_claims(claims: Claims, qr_text: str) -> None:
    try:
        signed = decode_claims(cose.parse_sign1(codec.decode_text(qr_text)).payload)
    except (FormatError, UnsupportedVersionError, UnsupportedAlgorithmError) as exc:
        raise NotVerifiedError(f"the QR text cannot be read: {exc}") from exc
    if replace(signed, document=_unnamed(signed.document)) != replace(
        claims, document=_unnamed(claims.document)
    ):
        raise NotVerifiedError("the claims to print are not the ones the QR text signs")


def render_receipt(
    claims: Claims,
    qr_text: str,
    *,
    width_dots: int,
    masthead: Masthead,
    lang_order: LangOrder = LangOrder.AR_FIRST,
    timezone: dt.tzinfo = dt.UTC,
    fonts: FontSet | None = None,
    max_module_dots: int | None = None,
) -> Receipt:
    """Lay out a verified document as a 1-bit receipt `width_dots` (384 or 576) wide.

    `claims` must be what `qr_text` signs (a VALID verdict's `claims`); anything else raises
    NotVerifiedError. QR modules are as large as the width allows (at most max_module_dots
    if given). Raises LayoutError subclasses: TextEngineError without raqm,
    FontNotFoundError, QrCapacityError.
    """
    try:
        paper = PaperWidth(width_dots)
    except ValueError:
        raise LayoutError(
            f"paper width must be 384 (58 mm) or 576 (80 mm) dots, not {width_dots}"
        ) from None
    return _layout(
        claims, qr_text, int(paper), _STYLES[paper], DPI, masthead, lang_order, timezone,
        fonts, max_module_dots,
    )  # fmt: skip


def render_a4(
    claims: Claims,
    qr_text: str,
    *,
    masthead: Masthead,
    lang_order: LangOrder = LangOrder.AR_FIRST,
    timezone: dt.tzinfo = dt.UTC,
    fonts: FontSet | None = None,
) -> Receipt:
    """The same document laid out anew for an A4 page (not the receipt enlarged): the text
    width of A4 at 300 dpi, type about 10 pt, the QR about 6 cm. `export.pdf_a4` puts it on
    the page at its true size. No thermal-paper advice: it is printed on plain paper. Same
    checks and errors as `render_receipt`."""
    return _layout(
        claims, qr_text, A4_WIDTH_DOTS, _A4_STYLE, A4_DPI, masthead, lang_order, timezone,
        fonts, _A4_MAX_MODULE,
    )  # fmt: skip


def _layout(
    claims: Claims,
    qr_text: str,
    width: int,
    style: _Style,
    dpi: int,
    masthead: Masthead,
    lang_order: LangOrder,
    timezone: dt.tzinfo,
    fonts: FontSet | None,
    max_module_dots: int | None,
) -> Receipt:
    require_raqm()
    qr_text = qr_text.strip()
    _check_claims(claims, qr_text)
    symbol, module = fit_qr(qr_text, width, min_module=style.min_module, max_module=max_module_dots)
    composer = _Composer(width, style, fonts or default_fonts())
    _compose(composer, claims, symbol, module, masthead, lang_order, timezone, dpi == DPI)
    placed, bottom = _stack(composer.blocks, top=style.margin - _GAP)
    height = bottom + style.margin
    image, qr_top = _draw(placed, width, height, style.margin)
    image.info["dpi"] = (dpi, dpi)
    qr_bottom = qr_top + symbol.modules * module
    part = QrPart(
        text=qr_text,
        module_dots=module,
        ecc=symbol.ecc,
        version=symbol.version,
        modules=symbol.modules,
        left_dots=(width - symbol.modules * module) // 2,
        top_dots=qr_top,
    )
    log.debug(
        "rendered document %s: %d dots wide, %d high, QR v%d-%s at %d dots/module",
        serial_hash(claims.serial).hex(),
        width,
        height,
        symbol.version,
        symbol.ecc.value,
        module,
    )
    return Receipt(
        image=image,
        above=image.crop((0, 0, width, qr_top)),
        qr=part,
        below=image.crop((0, qr_bottom, width, height)),
        width_dots=width,
        dpi=dpi,
    )


def render_verdict(
    verdict: Verdict,
    qr_text: str,
    *,
    width_dots: int,
    masthead: Masthead,
    lang_order: LangOrder = LangOrder.AR_FIRST,
    timezone: dt.tzinfo = dt.UTC,
    fonts: FontSet | None = None,
    max_module_dots: int | None = None,
) -> Receipt:
    """`render_receipt` for a verdict; NotVerifiedError unless it is VALID."""
    if not verdict.valid or verdict.claims is None:
        raise NotVerifiedError(f"not printing a document that did not verify: {verdict.reason}")
    return render_receipt(
        verdict.claims,
        qr_text,
        width_dots=width_dots,
        masthead=masthead,
        lang_order=lang_order,
        timezone=timezone,
        fonts=fonts,
        max_module_dots=max_module_dots,
    )


def render_text(
    text: str,
    *,
    width_dots: int,
    role: TextRole = TextRole.VALUE,
    fonts: FontSet | None = None,
) -> Image.Image:
    """One paragraph set exactly as the certificate sets it (wrapped, Arabic right-aligned
    and right to left, Latin left-aligned), as a 1-bit image: for slips and for tests."""
    try:
        paper = PaperWidth(width_dots)
    except ValueError:
        raise LayoutError(f"paper width must be 384 or 576 dots, not {width_dots}") from None
    require_raqm()
    style = _STYLES[paper]
    composer = _Composer(int(paper), style, fonts or default_fonts())
    composer.paragraph(text, getattr(style, role.value))
    placed, bottom = _stack(composer.blocks, top=style.margin - _GAP)
    image, _ = _draw(placed, int(paper), bottom + style.margin, style.margin)
    return image


def render_a4_lines(
    lines: Sequence[str],
    *,
    width_dots: int,
    role: TextRole = TextRole.VALUE,
    fonts: FontSet | None = None,
) -> Image.Image:
    """Paragraphs set as the A4 certificate sets them (300 dpi, about 10 pt; wrapped, Arabic
    right-aligned and right to left, Latin left-aligned), as one 1-bit image `width_dots`
    wide: for an address label on an A4 page."""
    if not 400 <= width_dots <= A4_WIDTH_DOTS:
        raise LayoutError(f"an A4 text block is 400 to {A4_WIDTH_DOTS} dots wide")
    require_raqm()
    composer = _Composer(width_dots, _A4_STYLE, fonts or default_fonts())
    for line in lines:
        if line.strip():
            composer.paragraph(line, getattr(_A4_STYLE, role.value))
    placed, bottom = _stack(composer.blocks, top=_A4_STYLE.margin - _GAP)
    image, _ = _draw(placed, width_dots, bottom + _A4_STYLE.margin, _A4_STYLE.margin)
    image.info["dpi"] = (A4_DPI, A4_DPI)
    return image
