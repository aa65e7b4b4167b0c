"""`sanad verify`: exit codes, the three inputs, JSON output, and the development fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from sanad.cli import main as sanad
from verifier.qr import make_qr


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("fx")
    result = CliRunner().invoke(sanad, ["verify", "dev-fixtures", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _check(fixtures: dict, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        sanad,
        [
            "verify",
            "check",
            *args,
            "--trust-list",
            fixtures["trust_list"],
            "--root-key",
            fixtures["root_key"],
        ],
        input=input,
    )
    return result.exit_code, result.output


def test_dev_fixtures_make_every_type_and_all_verify(fixtures: dict) -> None:
    assert len(fixtures["samples"]) == 7
    for path in fixtures["samples"].values():
        code, out = _check(fixtures, "--stdin", "--json", input=Path(path).read_text())
        assert code == 0, out
        assert json.loads(out)["valid"] is True


def test_human_output_names_the_fields(fixtures: dict) -> None:
    text = Path(fixtures["samples"]["birth_certificate"]).read_text().strip()
    code, out = _check(fixtures, text)
    assert code == 0
    assert "VALID" in out and "Abdullah Mohammad Abdulrahman Al-Shawabkeh" in out
    assert "Prince Hamza Hospital" in out  # a place code named by the trust list


def test_image_input_decodes_the_qr(fixtures: dict, tmp_path: Path) -> None:
    text = Path(fixtures["samples"]["death_certificate"]).read_text().strip()
    img = make_qr(text).make_image().get_image().resize((800, 800), Image.Resampling.NEAREST)
    photo = tmp_path / "photo.png"
    img.convert("L").save(photo)
    code, out = _check(fixtures, "--image", str(photo), "--json")
    assert code == 0, out
    assert json.loads(out)["document"]["type"] == "death_certificate"


def test_invalid_document_exits_1_with_the_reason(fixtures: dict) -> None:
    code, out = _check(fixtures, "SN1D:NOT*BASE45")
    assert code == 1
    assert "NOT VALID" in out and "damaged" in out
    code, out = _check(fixtures, "SN1D:NOT*BASE45", "--json")
    assert json.loads(out)["malformation"] == "base45"


@pytest.mark.parametrize(
    "args",
    [[], ["A", "--stdin"], ["--image", "/nonexistent.png"], ["X", "--at", "yesterday"]],
    ids=["no input", "two inputs", "missing image", "bad time"],
)
def test_usage_and_io_errors_exit_2(fixtures: dict, args: list[str]) -> None:
    code, out = _check(fixtures, *args, input="")
    assert code == 2
    assert "Traceback" not in out


def test_unverifiable_trust_list_exits_2(fixtures: dict, tmp_path: Path) -> None:
    bad = tmp_path / "tl.cose"
    bad.write_bytes(b"\xd2garbage")
    result = CliRunner().invoke(
        sanad,
        ["verify", "check", "X", "--trust-list", str(bad), "--root-key", fixtures["root_key"]],
    )
    assert result.exit_code == 2
    assert "refused" in result.output


def test_installed_entry_point_runs(fixtures: dict) -> None:
    text = Path(fixtures["samples"]["non_employment"]).read_text()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sanad",
            "verify",
            "check",
            "--stdin",
            "--json",
            "--trust-list",
            fixtures["trust_list"],
            "--root-key",
            fixtures["root_key"],
        ],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["document"]["type"] == "non_employment"
