"""`sanad kiosk render`: lay out a signed document as the kiosk would print it, after it verifies.

For people who print elsewhere, and for checking a layout: the QR text is verified against a
root-signed trust list first, and nothing is rendered unless it is VALID. The output is a PNG
(the receipt dot for dot, --width wide) or a PDF (the document laid out for A4 at 300 dpi),
chosen by --out's suffix.
The authority's names and the verification address printed on it are the trust list's.

`render_command` is a click command; the kiosk's `cli.group` registers it as `render`.
`render_file` is the same as a function returning the exit code.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
from pathlib import Path

import click

from hardware.layout.errors import LayoutError
from hardware.layout.export import pdf_a4, preview_png
from hardware.layout.receipt import LangOrder, Masthead, PaperWidth, render_a4, render_verdict
from verifier.errors import KeyFileError, TrustListError
from verifier.keys import load_public_key
from verifier.presentation import REASONS
from verifier.trust import load_trust_list
from verifier.verify import verify

__all__ = ["ExitCode", "render_command", "render_file"]

log = logging.getLogger(__name__)

_MAX_QR_TEXT = 8192
_EPILOG = (
    "Exit codes: 0 rendered, 1 the document is not valid (nothing rendered), 2 usage or I/O error."
)


class ExitCode(enum.IntEnum):
    OK = 0
    INVALID = 1
    USAGE = 2


class _OutputFormat(enum.Enum):
    PNG = ".png"
    PDF = ".pdf"


def _error(message: str) -> ExitCode:
    click.echo(f"error: {message}", err=True)
    return ExitCode.USAGE


def render_file(
    qr_text_path: Path,
    trust_list_path: Path,
    root_key_path: Path,
    width: int,
    out_path: Path,
    *,
    lang_order: LangOrder = LangOrder.AR_FIRST,
    at: dt.datetime | None = None,
    as_json: bool = False,
) -> ExitCode:
    """Verify the QR text in a file and, if VALID, write its layout to out_path (.png/.pdf)."""
    try:
        fmt = _OutputFormat(out_path.suffix.lower())
    except ValueError:
        return _error(f"--out must end in .png or .pdf, not {out_path.name!r}")
    try:
        paper = PaperWidth(width)
    except ValueError:
        return _error(f"--width must be 384 (58 mm) or 576 (80 mm), not {width}")
    try:
        root = load_public_key(root_key_path)
    except KeyFileError as exc:
        return _error(str(exc))
    try:
        trust_bytes = trust_list_path.read_bytes()
        with qr_text_path.open("rb") as f:
            raw = f.read(_MAX_QR_TEXT + 1)
    except OSError as exc:
        return _error(f"cannot read {exc.filename}: {exc.strerror}")
    if len(raw) > _MAX_QR_TEXT:
        return _error(f"{qr_text_path} is longer than any QR text ({_MAX_QR_TEXT} bytes)")
    try:
        qr_text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        qr_text = raw.decode("utf-8", errors="replace").strip()  # verify() names the fault
    try:
        trust = load_trust_list(trust_bytes, [root])
    except TrustListError as exc:
        return _error(f"trust list {trust_list_path} refused: {exc}")

    verdict = verify(qr_text, trust, at)
    if not verdict.valid:
        ar, en = REASONS[verdict.status.value]
        if as_json:
            click.echo(
                json.dumps({"rendered": False, "verdict": verdict.to_json()}, ensure_ascii=False)
            )
        else:
            click.echo(f"NOT VALID: {verdict.reason}\n{en}\n{ar}", err=True)
        return ExitCode.INVALID
    try:
        masthead = Masthead.from_trust_list(trust)
        if fmt is _OutputFormat.PNG:
            receipt = render_verdict(
                verdict, qr_text, width_dots=paper, masthead=masthead, lang_order=lang_order
            )
            data = preview_png(receipt)
        else:  # laid out anew for the page, not the receipt enlarged
            assert verdict.claims is not None
            receipt = render_a4(verdict.claims, qr_text, masthead=masthead, lang_order=lang_order)
            data = pdf_a4(receipt)
    except LayoutError as exc:
        return _error(str(exc))
    try:
        out_path.write_bytes(data)
    except OSError as exc:
        return _error(f"cannot write {out_path}: {exc.strerror}")
    log.info("rendered document %s to %s", verdict.serial_hash, fmt.name)
    summary = {
        "rendered": True,
        "out": str(out_path),
        "width_dots": receipt.width_dots,
        "height_dots": receipt.height_dots,
        "height_mm": round(receipt.height_mm, 1),
        "qr": {
            "version": receipt.qr.version,
            "ecc": receipt.qr.ecc.value,
            "module_dots": receipt.qr.module_dots,
        },
    }
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(
            f"VALID: wrote {out_path} ({receipt.width_dots} dots wide, "
            f"{receipt.height_mm:.0f} mm long)"
        )
    return ExitCode.OK


@click.command(name="render", epilog=_EPILOG)
@click.argument("qr_text_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--trust-list",
    "trust_list",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The root-signed trust list (COSE file).",
)
@click.option(
    "--root-key",
    "root_key",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The authority's root public key (JWK file) that signs the trust list.",
)
@click.option(
    "--width",
    type=click.Choice(["384", "576"]),
    default="576",
    show_default=True,
    help="Printable dots: 384 for 58 mm paper, 576 for 80 mm.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file: .png (the receipt) or .pdf (laid out for A4).",
)
@click.option(
    "--lang-order",
    type=click.Choice([o.value for o in LangOrder]),
    default=LangOrder.AR_FIRST.value,
    show_default=True,
    help="Which language comes first in titles and values.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
def render_command(
    qr_text_file: Path,
    trust_list: Path,
    root_key: Path,
    width: str,
    out: Path,
    lang_order: str,
    as_json: bool,
) -> None:
    """Render a signed document as the kiosk prints it, only if it verifies."""
    code = render_file(
        qr_text_file,
        trust_list,
        root_key,
        int(width),
        out,
        lang_order=LangOrder(lang_order),
        as_json=as_json,
    )
    raise SystemExit(int(code))
