from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from kubernetes import client

from tui import __version__
from tui.cli import _open_workbench, _parser, _session_settings, main
from tui.core import settings as settings_mod
from tui.sandbox import cluster
from tui.sandbox.cluster import Sandbox


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"podbay {__version__}"


def test_help_lists_the_sandbox_without_importing_heavy_modules() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from tui.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    main(['--help'])\n"
        "assert 'sandbox' in out.getvalue()\n"
        "heavy = [m for m in ('kubernetes', 'textual', 'cryptography') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_invalid_sandbox_name_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "status", "--name", "Bad_Name"]) == 2
    assert "sandbox name 'Bad_Name' is not valid" in capsys.readouterr().err


# ---- --sandbox takes the sandbox's context (issue 9) -------------------------------------
def _kubeconfig(path: Path, context: str) -> Path:
    """A one-context kubeconfig (nothing connects to it here)."""
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": context, "context": {"cluster": "c", "user": "u"}}],
        "current-context": context,
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def _saved_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A settings file whose context belongs to another kubeconfig (what a test once saved
    into the user's own file)."""
    path = tmp_path / "settings.yaml"
    path.write_text("context: elsewhere\nkubeconfig: /somewhere/else.kubeconfig\n")
    monkeypatch.setenv("PODBAY_CONFIG", str(path))


def test_sandbox_sets_its_context_over_a_saved_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _saved_elsewhere(tmp_path, monkeypatch)
    kubeconfig = _kubeconfig(tmp_path / "admin.kubeconfig", "admin@podbay-x")

    def session(*argv: str) -> settings_mod.Settings:
        cli = _session_settings(
            _parser().parse_args(argv), kubeconfig if "--sandbox" in argv else None
        )
        return settings_mod.with_overrides(settings_mod.load(), **cli)

    s = session("--sandbox")
    assert (s.kubeconfig, s.context) == (str(kubeconfig), "admin@podbay-x")
    assert session("--sandbox", "--context", "mine").context == "mine"  # asked for explicitly
    assert session().context == "elsewhere"  # without --sandbox the file's choice stands


@pytest.mark.cluster
def test_podbay_sandbox_connects_despite_a_context_saved_for_another_kubeconfig(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a saved ``context: elsewhere`` the session used to fail with "Expected object
    with name elsewhere"."""
    _saved_elsewhere(tmp_path, monkeypatch)
    wb = _open_workbench(_parser().parse_args(["--sandbox", sandbox.name]))
    assert not isinstance(wb, int)
    try:
        context = yaml.safe_load(sandbox.kubeconfig("admin").read_text())["current-context"]
        assert wb.settings.context == context and wb.connection.context == context
        assert client.VersionApi(wb.api).get_code().git_version
        assert "context" in wb.session_overrides  # for this session only: never saved
    finally:
        wb.close()
    assert "elsewhere" in (tmp_path / "settings.yaml").read_text()


# ---- unexpected errors: what failed and where the traceback is ----------------------------
def _broken_settings_load(monkeypatch: pytest.MonkeyPatch) -> None:
    def load(path: Path | None = None) -> settings_mod.Settings:
        raise KeyError("key")

    monkeypatch.setattr(settings_mod, "load", load)


@pytest.mark.parametrize("argv", [[], ["--serve"]], ids=["tui", "serve"])
def test_an_unexpected_error_names_the_step_and_the_traceback_file(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    _broken_settings_load(monkeypatch)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "unexpected error while reading the settings" in err
    assert "KeyError: 'key'" in err
    assert "Traceback" not in err
    log = tmp_path / "state" / "podbay" / "tui.log"
    assert f"the traceback is in {log}" in err
    text = log.read_text()
    assert "reading the settings" in text and "Traceback" in text and "KeyError: 'key'" in text


def test_an_unexpected_error_in_a_sandbox_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))

    def list_sandboxes() -> list[str]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cluster, "list_sandboxes", list_sandboxes)
    assert main(["sandbox", "list"]) == 1
    err = capsys.readouterr().err
    assert "unexpected error while running 'podbay sandbox list': RuntimeError: disk on fire" in err
    assert "Traceback" not in err and (tmp_path / "podbay" / "tui.log").is_file()


def test_without_a_writable_bug_log_the_traceback_is_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "file"))  # not a directory
    _broken_settings_load(monkeypatch)
    assert main([]) == 1
    err = capsys.readouterr().err
    assert "could not write the bug log" in err
    assert "Traceback" in err and "KeyError: 'key'" in err


def test_expected_errors_keep_their_own_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("namespace: [unclosed\n")
    monkeypatch.setenv("PODBAY_CONFIG", str(path))
    assert main([]) == 2
    err = capsys.readouterr().err
    assert f"podbay: {path} is not valid YAML" in err and "what to do:" in err
    assert "unexpected" not in err
    assert main(["--sandbox", "Bad_Name"]) == 2
    err = capsys.readouterr().err
    assert "sandbox name 'Bad_Name' is not valid" in err and "unexpected" not in err


def test_the_request_timeout_comes_from_the_file_the_environment_or_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("request_timeout_seconds: 10\n")
    monkeypatch.setenv("PODBAY_CONFIG", str(path))
    assert settings_mod.Settings().request_timeout_seconds == 30  # kubectl users know 30 s
    assert settings_mod.load().request_timeout_seconds == 10
    env = {"PODBAY_REQUEST_TIMEOUT": "7"}
    assert settings_mod.with_overrides(settings_mod.load(), env).request_timeout_seconds == 7
    cli = _session_settings(_parser().parse_args(["--request-timeout", "2.5"]))
    assert (
        settings_mod.with_overrides(settings_mod.load(), env, **cli).request_timeout_seconds == 2.5
    )
    with pytest.raises(settings_mod.SettingsError, match="request_timeout_seconds"):
        settings_mod.with_overrides(settings_mod.load(), {"PODBAY_REQUEST_TIMEOUT": "0"})
