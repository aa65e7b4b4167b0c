"""Every file and stream `sanad verify check` reads is bounded, and every failure is exit 2 with
one line saying what is wrong: through the real `sanad` executable, in a subprocess."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from image_bombs import jpeg_scan_bomb
from service_support import Material

SANAD = str(Path(sys.executable).parent / "sanad")


def sanad(*args: str, stdin: bytes | None = None, timeout: float = 30) -> tuple[int, str, str]:
    started = time.monotonic()
    p = subprocess.run(
        [SANAD, "verify", "check", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    assert time.monotonic() - started < timeout
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    assert "Traceback" not in out + err
    return p.returncode, out, err


def trust(material: Material) -> list[str]:
    return [
        "--trust-list",
        str(material.trust_list_path),
        "--root-key",
        str(material.root_key_path),
    ]


def test_a_trust_list_that_never_ends_is_refused(material: Material) -> None:
    code, _, err = sanad(
        material.birth, "--trust-list", "/dev/zero", "--root-key", str(material.root_key_path)
    )
    assert code == 2
    assert "larger than" in err and "/dev/zero" in err


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b"[" * 200_000 + b"]" * 200_000, "key file"),
        (b'{"kty": "OKP", "crv": "Ed25519", "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", ""),
        (b"\xff\xfe not text", "not a JSON key file"),
        (b"{}", "not an Ed25519 JWK"),
    ],
    ids=["nested array", "nested value", "not utf-8", "not a key"],
)
def test_bad_root_key_files_exit_2_with_a_message(
    material: Material, tmp_path: Path, content: bytes, expect: str
) -> None:
    key = tmp_path / "root.jwk"
    key.write_bytes(content)
    code, _, err = sanad(
        material.birth, "--trust-list", str(material.trust_list_path), "--root-key", str(key)
    )
    assert code == 2
    assert err.startswith("error: ")
    assert expect in err
    assert str(key) in err


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_root_key_that_never_ends_is_refused(material: Material, device: str) -> None:
    code, _, err = sanad(
        material.birth, "--trust-list", str(material.trust_list_path), "--root-key", device
    )
    assert code == 2
    assert device in err


def test_a_directory_as_trust_list_exits_2(material: Material, tmp_path: Path) -> None:
    code, _, err = sanad(
        material.birth, "--trust-list", str(tmp_path), "--root-key", str(material.root_key_path)
    )
    assert code == 2
    assert err.startswith("error: ")


def test_stdin_is_bounded_and_must_be_text(material: Material) -> None:
    code, _, err = sanad("--stdin", *trust(material), stdin=b"A" * 100_000)
    assert code == 2
    assert "more than 8192 bytes" in err
    code, _, err = sanad("--stdin", *trust(material), stdin=b"SN1D:\xff\xfe")
    assert code == 2
    assert "not text" in err
    code, out, _ = sanad("--stdin", *trust(material), stdin=material.birth.encode() + b"\n")
    assert code == 0, out


def test_images_are_bounded(material: Material, tmp_path: Path) -> None:
    code, _, err = sanad("--image", "/dev/zero", *trust(material))
    assert code == 2
    assert "larger than" in err
    bomb = tmp_path / "bomb.jpg"
    bomb.write_bytes(jpeg_scan_bomb())
    started = time.monotonic()
    code, _, err = sanad("--image", str(bomb), *trust(material))
    assert code == 2
    assert "scans" in err
    assert time.monotonic() - started < 10
    missing = tmp_path / "missing.png"
    code, _, err = sanad("--image", str(missing), *trust(material))
    assert code == 2
    assert "missing.png" in err


def test_text_typed_with_caps_lock_is_read_as_printed(material: Material) -> None:
    code, out, _ = sanad(material.birth.lower(), *trust(material))
    assert code == 0, out
    assert "VALID" in out


def test_lower_case_that_does_not_read_names_caps_lock(material: Material) -> None:
    code, out, _ = sanad("sn1d:not base45 at all", *trust(material))
    assert code == 1
    assert "Caps Lock is off" in out
