"""The creation forms' text fields and the wizard's drafts (no cluster)."""

from __future__ import annotations

import pytest

from tui.core import drafts, formtext


def test_words_split_as_a_shell_would_without_running_one() -> None:
    assert formtext.split_words("sh -c 'npm test && echo $HOME'") == [
        "sh",
        "-c",
        "npm test && echo $HOME",
    ]
    assert formtext.split_words("") == []
    with pytest.raises(ValueError, match="command: no closing quotation; close the quote"):
        formtext.split_words("echo 'oops")
    words = ["a b", "c'd", "$x"]
    assert formtext.split_words(formtext.join_words(words)) == words


def test_pairs_and_their_errors() -> None:
    assert formtext.pairs('NODE_ENV=test "GREETING=hello world" EMPTY=', "env") == {
        "NODE_ENV": "test",
        "GREETING": "hello world",
        "EMPTY": "",
    }
    assert formtext.pairs("app=web,tier=db team=x", "labels", commas=True) == {
        "app": "web",
        "tier": "db",
        "team": "x",
    }
    assert formtext.pairs("A=1,2", "env") == {"A": "1,2"}  # env values may hold commas
    with pytest.raises(ValueError, match="env: 'JUSTKEY' is not KEY=VALUE"):
        formtext.pairs("JUSTKEY", "env")
    with pytest.raises(ValueError, match="'A' is given twice"):
        formtext.pairs("A=1 A=2", "env")
    values = {"GREETING": "hello world", "Q": "it's"}
    assert formtext.pairs(formtext.join_pairs(values), "env") == values


def test_ports() -> None:
    assert formtext.ports("http=80:8080, metrics=9090:metrics/tcp 53/UDP") == [
        {"port": 80, "name": "http", "targetPort": 8080},
        {"port": 9090, "name": "metrics", "targetPort": "metrics", "protocol": "TCP"},
        {"port": 53, "protocol": "UDP"},
    ]
    with pytest.raises(ValueError, match="'http:80' is not"):
        formtext.ports("http:80")
    values = [{"port": 80, "name": "http", "targetPort": 8080}, {"port": 53, "protocol": "UDP"}]
    assert formtext.ports(formtext.join_ports(values)) == values


def test_names_proposed_from_the_project_and_unused() -> None:
    assert drafts.slug("My_Project (copy)") == "my-project-copy"
    assert drafts.slug("___") == "pod" and drafts.slug("-9lives") == "9lives"
    assert drafts.propose_name("web", {"web-1", "web-2", "web-4"}) == "web-3"
    assert drafts.propose_name("web", set()) == "web-1"


POD_YAML = """\
apiVersion: v1
kind: Pod
metadata:
  name: edited
  labels: {app: web}
spec:
  tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]
  containers:
  - name: runner
    image: podbay.local/debian:12
    env: [{name: GREETING, value: hi}]
"""


def test_edited_yaml_keeps_what_the_forms_lack_and_is_checked_by_the_same_rules() -> None:
    doc = drafts.read_yaml("pods", POD_YAML)
    assert doc["spec"]["tolerations"][0]["operator"] == "Exists"
    bad = (
        POD_YAML.replace("name: edited", "name: Edited_Pod")
        .replace("image: podbay.local/debian:12", "image: 'NOT AN IMAGE'")
        .replace("name: GREETING", "name: 1BAD")
    )
    with pytest.raises(drafts.DraftError) as exc:
        drafts.read_yaml("pods", bad)
    fields = [p["field"] for p in exc.value.problems]
    assert fields == ["metadata.name", "spec.containers.0.image", "spec.containers.0.env.0.name"]
    with pytest.raises(drafts.DraftError, match="line 4, column 1: not valid YAML"):
        drafts.read_yaml("pods", "kind: Pod\nmetadata:\n  name: [unclosed\n")
    with pytest.raises(drafts.DraftError, match="this wizard creates a Service"):
        drafts.read_yaml("services", POD_YAML)
    with pytest.raises(drafts.DraftError, match="must be one YAML mapping"):
        drafts.read_yaml("pods", "- a\n")
