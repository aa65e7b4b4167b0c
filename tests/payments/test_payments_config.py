"""The `[payments]` settings: defaults, file and environment, and the owner-only secret files
made at set-up."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from registry.config import DataDir, load_settings
from registry.errors import ConfigError
from registry.payments import setup


def test_defaults_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = DataDir(tmp_path)
    data.ensure()
    assert load_settings(data).payments.base_url == "http://127.0.0.1:8790"
    data.config_path.write_text(
        '[payments]\nbase_url = "https://momo.example/collection"\npoll_interval_seconds = 30\n',
        encoding="utf-8",
    )
    cfg = load_settings(data).payments
    assert (cfg.base_url, cfg.poll_interval_seconds) == ("https://momo.example/collection", 30)
    monkeypatch.setenv("SANAD_REGISTRY_PAYMENTS__POLL_INTERVAL_SECONDS", "5")
    monkeypatch.setenv("SANAD_REGISTRY_PAYMENTS__CALLBACK_SECRET", "e" * 40)
    cfg = load_settings(data).payments
    assert cfg.poll_interval_seconds == 5
    assert setup.callback_secret(data, cfg) == b"e" * 40
    assert setup.callback_url(cfg) == "http://127.0.0.1:8700/api/v1/payments/callback"
    monkeypatch.setenv("SANAD_REGISTRY_PAYMENTS__BASE_URL", "ftp://nowhere")
    with pytest.raises(ConfigError, match=r"\[payments\] base_url"):
        load_settings(data)


def test_secret_files_are_made_owner_only_and_checked(tmp_path: Path) -> None:
    data = DataDir(tmp_path)
    data.ensure()
    cfg = load_settings(data).payments
    made = setup.ensure_secrets(data, cfg)
    assert len(made) == 2
    for path in made:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert setup.ensure_secrets(data, cfg) == []  # never replaced
    key = setup.api_key(data, cfg)
    assert len(key) == 64 and setup.callback_secret(data, cfg) != key.encode()
    os.chmod(made[1], 0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        setup.callback_secret(data, cfg)


def test_a_secret_file_outside_the_data_directory_is_refused(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "d")
    data.ensure()
    data.config_path.write_text('[payments]\napi_key_file = "../key"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="inside the data directory"):
        setup.api_key(data, load_settings(data).payments)
