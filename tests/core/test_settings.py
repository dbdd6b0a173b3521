from __future__ import annotations

from pathlib import Path

import pytest

from tui.core import settings as settings_mod
from tui.core.settings import Settings, SettingsError, load, save, with_overrides


def test_missing_file_gives_spec_defaults(tmp_path: Path) -> None:
    s = load(tmp_path / "none.yaml")
    assert s.namespace == "opencode-manager"
    assert s.protect_selector == "app=opencode-manager"
    assert s.allow_host_path is False


def test_round_trip_and_backup(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    save(Settings(namespace="one"), path)
    save(Settings(namespace="two", allow_host_path=True), path)
    assert load(path).namespace == "two"
    assert load(path).allow_host_path is True
    assert load(path.with_name("settings.yaml.bak")).namespace == "one"
    assert not list(tmp_path.glob(".*.tmp"))


def test_bad_value_names_the_key_and_keeps_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    original = "namespace: Bad_Name\ndefault_resources:\n  cpu_request: lots\n"
    path.write_text(original)
    with pytest.raises(SettingsError) as exc:
        load(path)
    assert "namespace: 'Bad_Name' is not a valid namespace name" in exc.value.what
    assert "default_resources.cpu_request: 'lots' is not a Kubernetes quantity" in exc.value.what
    assert "left as it is" in exc.value.fix
    assert path.read_text() == original


def test_unknown_key_and_broken_yaml_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("namespce: typo\n")
    with pytest.raises(SettingsError, match="namespce: unknown setting"):
        load(path)
    path.write_text("namespace: [unclosed\n")
    with pytest.raises(SettingsError, match="not valid YAML at line"):
        load(path)


def test_env_then_cli_override(tmp_path: Path) -> None:
    base = Settings(namespace="from-file")
    env = {"PODBAY_NAMESPACE": "from-env", "NODE_EXTRA_CA_CERTS": "/ca.pem"}
    s = with_overrides(base, env)
    assert (s.namespace, s.extra_ca_file) == ("from-env", "/ca.pem")
    s = with_overrides(base, env, namespace="from-cli", context=None)
    assert s.namespace == "from-cli"
    with pytest.raises(SettingsError, match="the command line or environment"):
        with_overrides(base, {}, namespace="NOPE")


def test_settings_path_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PODBAY_CONFIG", str(tmp_path / "x.yaml"))
    assert settings_mod.settings_path() == tmp_path / "x.yaml"
    monkeypatch.delenv("PODBAY_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert settings_mod.settings_path() == tmp_path / "podbay" / "settings.yaml"


def test_namespace_allow_list() -> None:
    assert Settings().namespace_allowed("anything")
    s = Settings(namespace_allow_list=["a", "b"])
    assert s.namespace_allowed("a") and not s.namespace_allowed("c")
