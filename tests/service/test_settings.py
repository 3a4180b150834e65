from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.review import ReviewPolicy
from nlp.labels import DEFAULT_GRADE_COLOURS
from service.errors import ServiceConfigError
from service.settings import (
    Settings,
    check_servable,
    describe_settings,
    load_settings,
)

KEY = "k" * 20


def test_load_settings_defaults_match_review_policy_and_colours() -> None:
    settings = load_settings()
    assert settings.review.to_policy() == ReviewPolicy()
    assert settings.grade_colours == dict(DEFAULT_GRADE_COLOURS)
    assert settings.auth.enabled is True
    assert settings.admin.enabled is False


def test_load_settings_reads_nested_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_LIMITS__MAX_BATCH_RECORDS", "17")
    monkeypatch.setenv("TRIAGE_AUTH__API_KEYS", json.dumps({"desk-9": KEY}))
    monkeypatch.setenv(
        "TRIAGE_GRADE_COLOURS", json.dumps({"general": "蓝", "complex": "橙", "difficult": "紫"})
    )
    settings = load_settings()
    assert settings.limits.max_batch_records == 17
    assert settings.auth.api_keys["desk-9"].get_secret_value() == KEY
    assert settings.grade_colours["complex"] == "橙"


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_load_settings_reads_config_file_below_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    path = tmp_path / f"settings{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps({"limits": {"max_text_chars": 50, "max_batch_records": 5}}))
    else:
        path.write_text("[limits]\nmax_text_chars = 50\nmax_batch_records = 5\n")
    monkeypatch.setenv("TRIAGE_LIMITS__MAX_BATCH_RECORDS", "9")
    settings = load_settings(path)
    assert settings.limits.max_text_chars == 50
    assert settings.limits.max_batch_records == 9


def test_load_settings_config_file_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"server": {"port": 9123}}))
    monkeypatch.setenv("TRIAGE_CONFIG_FILE", str(path))
    assert load_settings().server.port == 9123


def test_load_settings_overrides_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_SERVER__PORT", "9000")
    monkeypatch.setenv("TRIAGE_SERVER__HOST", "0.0.0.0")
    settings = load_settings(overrides={"server": {"port": 9001}})
    assert (settings.server.host, settings.server.port) == ("0.0.0.0", 9001)


def test_load_settings_missing_config_file_fails(tmp_path: Path) -> None:
    with pytest.raises(ServiceConfigError) as caught:
        load_settings(tmp_path / "absent.toml")
    assert caught.value.code == "CONFIG_FILE_NOT_FOUND"


@pytest.mark.parametrize(
    ("name", "content"), [("bad.json", "{nope"), ("bad.toml", "x = "), ("list.json", "[1]")]
)
def test_load_settings_malformed_config_file_fails(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ServiceConfigError) as caught:
        load_settings(path)
    assert caught.value.code == "CONFIG_FILE_INVALID"


def test_load_settings_unknown_setting_in_file_fails(tmp_path: Path) -> None:
    path = tmp_path / "typo.json"
    path.write_text(json.dumps({"limits": {"max_body_byte": 10}}))
    with pytest.raises(ServiceConfigError) as caught:
        load_settings(path)
    assert caught.value.code == "SETTINGS_INVALID"
    assert "max_body_byte" in caught.value.message


def test_load_settings_weak_key_fails_without_showing_it() -> None:
    weak = "short-secret"
    with pytest.raises(ServiceConfigError) as caught:
        load_settings(overrides={"auth": {"api_keys": {"desk-1": weak}}})
    assert caught.value.code == "SETTINGS_INVALID"
    assert weak not in caught.value.message


def test_load_settings_shared_key_fails() -> None:
    with pytest.raises(ServiceConfigError):
        load_settings(overrides={"auth": {"api_keys": {"a": KEY, "b": KEY}}})


def test_load_settings_bad_operator_id_fails() -> None:
    with pytest.raises(ServiceConfigError):
        load_settings(overrides={"auth": {"api_keys": {"desk 1/张": KEY}}})


@pytest.mark.parametrize(
    "admin",
    [
        {"enabled": True},
        {"enabled": True, "api_key": "too-short"},
        {"enabled": True, "api_key": KEY},  # same as an operator's key
    ],
)
def test_load_settings_admin_needs_own_strong_key(admin: dict[str, object]) -> None:
    with pytest.raises(ServiceConfigError):
        load_settings(overrides={"auth": {"api_keys": {"desk-1": KEY}}, "admin": admin})


@pytest.mark.parametrize(
    "overrides",
    [
        {"grade_colours": {"general": "绿"}},
        {"grade_colours": {"general": "绿", "complex": "黄", "difficult": " "}},
        {"review": {"min_type_confidence": 1.5}},
        {"limits": {"max_body_bytes": 10}},
        {"limits": {"request_timeout_s": 0}},
        {"server": {"workers": 0}},
        {"log_level": "LOUD"},
    ],
)
def test_load_settings_rejects_invalid_values(overrides: dict[str, object]) -> None:
    with pytest.raises(ServiceConfigError) as caught:
        load_settings(overrides=overrides)
    assert caught.value.code == "SETTINGS_INVALID"


def test_check_servable_refuses_auth_without_keys() -> None:
    with pytest.raises(ServiceConfigError) as caught:
        check_servable(load_settings())
    assert caught.value.code == "AUTH_NO_KEYS"


def test_check_servable_accepts_auth_off_without_keys() -> None:
    check_servable(load_settings(overrides={"auth": {"enabled": False}}))


def test_settings_every_field_has_help_text() -> None:
    docs = describe_settings()
    assert docs
    assert all(doc.description for doc in docs)
    assert len({doc.env for doc in docs}) == len(docs)


def test_settings_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(ValueError):
        settings.log_level = "DEBUG"
    assert isinstance(settings, Settings)
