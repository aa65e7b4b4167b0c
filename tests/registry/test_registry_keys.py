"""Keys and the trust list: files, rotation, retirement, compromise cut-off, publication."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from sanad.cli import main
from tests.support.registry import Kiosk, LiveServer, Registry, login
from tests.support.servers import wait_for
from verifier.documents import DocumentType
from verifier.trust import SignerStatus, load_trust_list
from verifier.verify import Status, verify


def sanad(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _issue(kiosk: Kiosk, registry: Registry, n: int, who: int = 0) -> str:
    citizen = registry.citizens()[who]
    session = login(kiosk.client, citizen)
    return kiosk.client.issue(
        session,
        document_type=DocumentType.INDIVIDUAL_EXTRACT,
        subject=citizen["national_id"],
        payment_reference=f"PAY-KEY-{n}",
    ).qr_text


def test_private_keys_are_owner_only_in_the_data_directory(registry: Registry) -> None:
    keys = list(registry.data.keys_dir.rglob("*.jwk"))
    assert len(keys) >= 2
    for path in keys:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert '"d"' in path.read_text()
    assert stat.S_IMODE(registry.data.keys_dir.stat().st_mode) == 0o700
    assert '"d"' not in registry.data.root_public_key_path.read_text()


def test_trust_list_is_served_with_etag_and_cache_control(
    server: LiveServer, registry: Registry
) -> None:
    r = httpx.get(f"{server.url}/api/v1/trust-list")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/cose"
    assert "max-age" in r.headers["cache-control"]
    etag = r.headers["etag"]
    trust = load_trust_list(r.content, [registry.root()])
    assert trust.sequence == int(r.headers["x-sanad-trust-list-sequence"])
    again = httpx.get(f"{server.url}/api/v1/trust-list", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    assert trust.places, "the place table names the codes documents use"


def test_rotation_keeps_old_documents_valid(
    kiosk: Kiosk, registry: Registry, tmp_path: Path
) -> None:
    old_doc = _issue(kiosk, registry, 1)
    code, out = sanad(
        "registry", "keys", "rotate", "--data", str(registry.data.root), "--window-days", "30"
    )
    assert code == 0, out
    new_doc = _issue(kiosk, registry, 2)
    exported = tmp_path / "tl.cose"
    code, out = sanad(
        "registry", "trust-list", "--data", str(registry.data.root), "--out", str(exported)
    )
    assert code == 0, out
    trust = load_trust_list(exported.read_bytes(), [registry.root()])
    statuses = sorted(s.status for s in trust.signers)
    assert statuses == [SignerStatus.ACTIVE, SignerStatus.RETIRED]
    assert verify(old_doc, trust).status is Status.VALID
    assert verify(new_doc, trust).status is Status.VALID
    old_v, new_v = verify(old_doc, trust), verify(new_doc, trust)
    assert old_v.signer is not None and new_v.signer is not None
    assert old_v.signer.kid != new_v.signer.kid
    served = kiosk.client.trust_list().data
    assert served == exported.read_bytes()


def test_compromised_signer_is_cut_off_from_the_stated_moment(
    kiosk: Kiosk, registry: Registry
) -> None:
    before = _issue(kiosk, registry, 10)
    # Issue times are whole seconds of the wall clock the server and the `sanad` CLI share:
    # the cut is the first whole second after `before` was issued (waited for, not slept).
    issued = dt.datetime.now(dt.UTC).replace(microsecond=0)  # `before`'s issue time or later

    def next_second() -> dt.datetime | None:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        return now if now > issued else None

    cut = wait_for(next_second, 3, "the next whole second")
    after = _issue(kiosk, registry, 11, who=1)
    trust = registry.trust()
    kid = next(s.kid for s in trust.signers if s.status is SignerStatus.ACTIVE).hex()
    code, out = sanad(
        "registry",
        "keys",
        "revoke",
        kid,
        "--data",
        str(registry.data.root),
        "--from",
        cut.isoformat(),
    )
    assert code == 0, out
    assert "replacement signer" in out
    replacement = _issue(kiosk, registry, 12, who=2)
    data = kiosk.client.trust_list().data
    assert data is not None
    trust = load_trust_list(data, [registry.root()])
    assert verify(before, trust).status is Status.VALID
    assert verify(after, trust).status is Status.SIGNER_REVOKED
    assert verify(replacement, trust).status is Status.VALID


def test_retired_signer_stays_listed_and_no_signer_means_503(
    server: LiveServer, kiosk: Kiosk, registry: Registry
) -> None:
    trust = registry.trust()
    kid = trust.signers[0].kid.hex()
    code, out = sanad("registry", "keys", "retire", kid, "--data", str(registry.data.root))
    assert code == 0, out
    citizen = registry.citizens()[0]
    session = login(kiosk.client, citizen)
    from registry.errors import ServiceUnavailable

    with pytest.raises(ServiceUnavailable) as err:
        kiosk.client.issue(
            session,
            document_type=DocumentType.BIRTH_CERTIFICATE,
            subject=citizen["national_id"],
            payment_reference="PAY-NOSIGNER",
        )
    assert err.value.code.value == "no_signer"
    assert any(s.kid.hex() == kid for s in registry.trust().signers)
    code, out = sanad("registry", "keys", "create-signer", "--data", str(registry.data.root))
    assert code == 0, out
    kiosk.client.issue(
        session,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=citizen["national_id"],
        payment_reference="PAY-NOSIGNER",
    )


def test_key_commands_report_errors_with_exit_code_2(registry: Registry, tmp_path: Path) -> None:
    code, out = sanad("registry", "keys", "retire", "ffff", "--data", str(registry.data.root))
    assert code == 2 and "no single signer" in out
    code, out = sanad(
        "registry",
        "keys",
        "revoke",
        "ffff",
        "--data",
        str(registry.data.root),
        "--from",
        "yesterday",
    )
    assert code == 2
    code, out = sanad("registry", "keys", "list", "--data", str(tmp_path / "missing"))
    assert code == 2 and "does not exist" in out
    code, out = sanad("registry", "keys", "create-root", "--data", str(registry.data.root))
    assert code == 2 and "exists already" in out
    code, out = sanad("registry", "keys", "list", "--data", str(registry.data.root))
    assert code == 0 and "(current)" in out
