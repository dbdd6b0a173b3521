from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tui.core import settings as settings_mod
from tui.core.settings import Settings, SettingsError, load, save, with_overrides
from tui.core.workbench import Workbench


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


def _session(path: Path, **cli: str) -> Workbench:
    """A workbench as ``podbay --serve`` builds it: the file plus CLI overrides."""
    settings = with_overrides(load(path), {}, **cli)
    return Workbench(settings, path, overrides=settings_mod.override_values({}, **cli))


def test_configure_saves_changes_on_the_file_and_keeps_session_overrides(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    save(Settings(namespace="from-file", protect_selector="keep=me"), path)
    wb = _session(path, namespace="from-cli", kubeconfig="/session/kubeconfig")

    wb.configure({"allow_host_path": True})
    on_file = load(path)
    assert (on_file.allow_host_path, on_file.namespace, on_file.kubeconfig) == (
        True,
        "from-file",
        None,
    )  # the session's namespace and kubeconfig were not written
    assert (wb.settings.allow_host_path, wb.settings.namespace, wb.settings.kubeconfig) == (
        True,
        "from-cli",
        "/session/kubeconfig",
    )  # ...and are still in effect

    save(load(path).model_copy(update={"protect_selector": "edited=elsewhere"}), path)
    wb.configure({"namespace": "chosen"})  # the body names an overridden key: it wins
    on_file = load(path)
    assert (on_file.namespace, on_file.protect_selector) == ("chosen", "edited=elsewhere")
    assert (wb.settings.namespace, wb.settings.protect_selector) == ("chosen", "edited=elsewhere")
    assert wb.session_overrides == {"kubeconfig": "/session/kubeconfig"}


def test_configure_refuses_invalid_changes_and_leaves_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    save(Settings(namespace="from-file"), path)
    before = path.read_text()
    wb = _session(path, namespace="from-cli")
    with pytest.raises(ValidationError, match="namespace"):
        wb.configure({"namespace": "Not Valid"})
    assert path.read_text() == before and wb.settings.namespace == "from-cli"
    path.write_text("namespce: typo\n")
    with pytest.raises(SettingsError, match="namespce: unknown setting"):
        wb.configure({"allow_host_path": True})
    assert path.read_text() == "namespce: typo\n" and wb.settings.allow_host_path is False


def test_update_settings_persists_only_what_changed(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    wb = _session(path, namespace="from-cli")
    wb.update_settings(wb.settings.model_copy(update={"default_ttl_seconds": 600}))
    assert load(path).namespace == "opencode-manager" and load(path).default_ttl_seconds == 600
    assert wb.settings.namespace == "from-cli"


def test_settings_given_without_overrides_are_session_only_where_they_differ_from_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.yaml"
    save(Settings(namespace="same", protect_selector="keep=me"), path)
    wb = Workbench(Settings(namespace="same", kubeconfig="/embedded"), path)
    assert wb.session_overrides == {
        "kubeconfig": "/embedded",
        "protect_selector": "app=opencode-manager",
    }
    wb.configure({"allow_host_path": True})
    assert load(path).kubeconfig is None and load(path).protect_selector == "keep=me"
    assert (wb.settings.kubeconfig, wb.settings.allow_host_path) == ("/embedded", True)
