"""The browser's parts that need no cluster: the command parser, what an account may do, a
resource's YAML, how a container ended, and help generated from the bindings."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tui.app.command_line import COMMANDS, Command, parse_command
from tui.app.keys import binding_lines
from tui.app.logviewer import LogViewer
from tui.app.resource_table import ResourceTable
from tui.core.actionaccess import access_needed, action_enabled
from tui.core.containerend import ContainerEnd, container_end
from tui.core.resourceyaml import resource_yaml


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("po", Command("show", "pods")),
        ("svc", Command("show", "services")),
        ("ingresses", Command("show", "ingresses")),
        ("ns", Command("namespace")),
        ("ns  team-a ", Command("namespace", "team-a")),
        ("context prod", Command("context", "prod")),
        ("cleanup failed", Command("cleanup", "failed")),
        ("help", Command("help")),
        ("q!", Command("quit")),
        ("nodes", None),
        ("", None),
    ],
)
def test_parse_command(line: str, command: Command | None) -> None:
    assert parse_command(line) == command


def test_every_verb_has_help() -> None:
    assert all(spec.usage.startswith(":") and spec.summary for spec in COMMANDS)


def test_actions_follow_the_access_review() -> None:
    denied = {"delete pods": "add a rule", "get pods/log": "add another"}
    assert access_needed("delete", "services") == "delete services"
    assert access_needed("shell", "pods") == "create pods/exec"
    assert access_needed("describe", "pods") is None
    assert not action_enabled("delete", "pods", denied)
    assert action_enabled("delete", "services", denied)
    assert not action_enabled("logs", "pods", denied)
    assert not action_enabled("shell", "services", {})  # a pod action on another list
    assert action_enabled("shell", "pods", denied)


def test_resource_yaml_puts_kind_first_and_drops_managed_fields() -> None:
    obj: dict[str, Any] = {
        "metadata": {"name": "web", "managedFields": [{"manager": "kubectl"}]},
        "spec": {"containers": [{"name": "runner"}]},
    }
    text = resource_yaml(obj, api_version="v1", kind="Pod")
    assert text.splitlines()[:2] == ["apiVersion: v1", "kind: Pod"]
    assert yaml.safe_load(text)["metadata"] == {"name": "web"}
    assert "managedFields" in obj["metadata"]  # the cache's object is not changed


def _pod(state: dict[str, Any], last: dict[str, Any] | None = None) -> dict[str, Any]:
    status = {"name": "runner", "state": state, "lastState": last or {}}
    return {"status": {"containerStatuses": [{"name": "other", "state": {}}, status]}}


def test_container_end() -> None:
    oom = {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}
    assert container_end(_pod(oom), "runner").summary == "exited with code 137 (OOMKilled)"
    done = {"terminated": {"exitCode": 0, "reason": "Completed"}}
    assert container_end(_pod(done), "runner").summary == "exited with code 0"
    running = container_end(_pod({"running": {}}, done), "runner")
    assert running == ContainerEnd("running") and running.summary == ""
    previous = container_end(_pod({"running": {}}, oom), "runner", previous=True)
    assert previous == ContainerEnd("terminated", 137, "OOMKilled")
    assert container_end(_pod(oom), "sidecar") == ContainerEnd("unknown")
    assert container_end({}, "runner") == ContainerEnd("unknown")


def test_help_lines_come_from_the_bindings() -> None:
    moving = binding_lines(ResourceTable.BINDINGS)
    assert ("↑, k", "Up") in moving and ("space", "Mark") in moving
    assert len(moving) == len(ResourceTable.BINDINGS)
    windows = binding_lines(LogViewer.BINDINGS, shown=False)
    assert windows[0] == ("0", "Everything") and windows[-1] == ("5", "Last 1h")
    shown = [keys for keys, _ in binding_lines(LogViewer.BINDINGS, shown=True)]
    assert "0" not in shown and "/" in shown and "escape, q" in shown
    assert ("pgup, ctrl+b", "Page up") in moving
