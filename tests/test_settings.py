"""Settings: every variable documented in config/env.example; environment read only when asked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lrs.settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "env.example"


def test_settings_every_field_is_documented_in_env_example() -> None:
    documented = set(re.findall(r"^#?\s*(LRS_[A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), flags=re.M))
    expected = {f"LRS_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "undocumented settings"
    assert documented - expected == set(), "documented settings that do not exist"


def test_settings_read_lrs_variables_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LRS_IDLE_GAP_SECONDS", "60")
    monkeypatch.setenv("LRS_CORS_ORIGINS", '["https://a.example"]')
    monkeypatch.setenv("LRS_DEFAULT_API_SECRET", "s3cret")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.idle_gap_seconds == 60
    assert settings.cors_origins == ["https://a.example"]
    assert settings.default_api_secret is not None
    assert "s3cret" not in repr(settings)


def test_settings_are_not_built_at_import_time() -> None:
    import lrs.app
    import lrs.settings

    for module in (lrs.app, lrs.settings):
        assert not any(isinstance(v, Settings) for v in vars(module).values())
