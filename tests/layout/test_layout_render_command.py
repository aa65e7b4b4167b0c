"""`sanad kiosk render`: renders only what verifies; exit codes 0, 1 and 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from layout_support import decode_qr_texts
from PIL import Image

from hardware.layout.receipt import A4_WIDTH_DOTS
from hardware.layout.render_command import render_command
from verifier.fixtures import DevFixtures, make_dev_fixtures
from verifier.keys import SigningKey, save_public_key


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> DevFixtures:
    return make_dev_fixtures(tmp_path_factory.mktemp("dev"))


def _run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(render_command, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("width", ["384", "576"])
def test_a_valid_document_renders_to_png(dev: DevFixtures, tmp_path: Path, width: str) -> None:
    out = tmp_path / "family.png"
    sample = dev.samples["family_extract"]
    code, stdout, _ = _run(
        sample, "--trust-list", dev.trust_list, "--root-key", dev.root_key,
        "--width", width, "--out", out,
    )  # fmt: skip
    assert code == 0
    assert "VALID" in stdout
    with Image.open(out) as png:
        assert png.width == int(width)
        assert decode_qr_texts(png) == [sample.read_text().strip()]


def test_pdf_output_and_json_summary(dev: DevFixtures, tmp_path: Path) -> None:
    out = tmp_path / "birth.pdf"
    code, stdout, _ = _run(
        dev.samples["birth_certificate"], "--trust-list", dev.trust_list,
        "--root-key", dev.root_key, "--width", "384", "--out", out, "--json",
    )  # fmt: skip
    assert code == 0
    summary = json.loads(stdout)
    assert summary["rendered"] is True
    assert summary["width_dots"] == A4_WIDTH_DOTS  # a PDF is laid out for A4, whatever --width
    assert summary["qr"]["module_dots"] >= 4
    assert out.read_bytes().startswith(b"%PDF-")


def test_a_tampered_document_is_not_rendered(dev: DevFixtures, tmp_path: Path) -> None:
    text = dev.samples["death_certificate"].read_text().strip()
    i = len(text) // 2
    tampered = tmp_path / "tampered.txt"
    tampered.write_text(text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1 :])
    out = tmp_path / "out.png"
    code, _, stderr = _run(
        tampered, "--trust-list", dev.trust_list, "--root-key", dev.root_key, "--out", out
    )
    assert code == 1
    assert "NOT VALID" in stderr
    assert not out.exists()


def test_a_trust_list_from_another_root_is_refused(dev: DevFixtures, tmp_path: Path) -> None:
    other = tmp_path / "other-root.jwk"
    save_public_key(SigningKey.generate().public, other)
    out = tmp_path / "out.png"
    code, _, stderr = _run(
        dev.samples["birth_certificate"], "--trust-list", dev.trust_list, "--root-key", other,
        "--out", out,
    )  # fmt: skip
    assert code == 2
    assert "trust list" in stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("missing-text", "cannot read"),
        ("bad-suffix", ".png or .pdf"),
        ("missing-key", "cannot read key file"),
    ],
)
def test_usage_and_io_errors_exit_2(
    dev: DevFixtures, tmp_path: Path, change: str, message: str
) -> None:
    text = dev.samples["birth_certificate"] if change != "missing-text" else tmp_path / "nope.txt"
    key = dev.root_key if change != "missing-key" else tmp_path / "nope.jwk"
    out = tmp_path / ("out.gif" if change == "bad-suffix" else "out.png")
    code, _, stderr = _run(text, "--trust-list", dev.trust_list, "--root-key", key, "--out", out)
    assert code == 2
    assert message in stderr
    assert "Traceback" not in stderr


def test_an_unknown_width_is_a_usage_error(dev: DevFixtures, tmp_path: Path) -> None:
    code, _, stderr = _run(
        dev.samples["birth_certificate"], "--trust-list", dev.trust_list,
        "--root-key", dev.root_key, "--width", "500", "--out", tmp_path / "x.png",
    )  # fmt: skip
    assert code == 2
    assert "500" in stderr


def test_help_opens_with_one_sentence_and_lists_exit_codes() -> None:
    result = CliRunner().invoke(render_command, ["--help"])
    assert result.exit_code == 0
    assert "Render a signed document as the kiosk prints it" in result.stdout
    assert "Exit codes: 0 rendered, 1" in result.stdout
