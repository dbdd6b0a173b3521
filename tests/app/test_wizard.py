"""The creation wizard on the sandbox: `n` opens a form for the kind on screen, fields are
checked as typed with the REST API's model, ctrl+y previews the YAML and dry-runs it,
ctrl+o hands the YAML to $EDITOR, ctrl+s creates (a pod then shows its progress)."""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, Switch

from tests.app.helpers import browser, browser_app, names, until
from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, wait_pod
from tui.app.dialogs import TextViewer
from tui.app.wizard.form import CreateForm
from tui.app.wizard.ingress_form import IngressForm
from tui.app.wizard.pod_form import PodForm
from tui.app.wizard.service_form import ServiceForm

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]


def _form(app: Any) -> CreateForm:
    screen = app.screen
    assert isinstance(screen, CreateForm), screen
    return screen


async def _type(pilot: Pilot[Any], key: str, value: str) -> None:
    form = _form(pilot.app)
    form.query_one(f"#f-{key}", Input).value = value
    await pilot.pause()


def _problem(app: Any, key: str) -> str:
    widget = _form(app).query_one(f"#p-{key}", Static)
    return str(widget.render()) if widget.has_class("shown") else ""


def _status(app: Any) -> str:
    return str(_form(app).query_one("#form-status", Static).render())


async def _open_pod_form(pilot: Pilot[Any], project: Path) -> PodForm:
    app = pilot.app
    await until(pilot, lambda: browser(app).lives.get("pods") is not None, "the pod list")
    app.push_screen(
        PodForm(app.workbench, browser(app).namespace, taken=set(names(app)), project=project)
    )
    await until(
        pilot,
        lambda: isinstance(app.screen, PodForm) and bool(app.screen.query("#f-name")),
        "the pod form",
    )
    form = app.screen
    assert isinstance(form, PodForm)
    return form


async def test_n_opens_the_form_of_the_kind_on_screen(namespace: Namespace) -> None:
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: browser(app).lives.get("pods") is not None, "live")
        for key, form in (("1", PodForm), ("2", ServiceForm), ("3", IngressForm)):
            await pilot.press(key, "n")
            await until(pilot, lambda form=form: isinstance(app.screen, form), form.__name__)
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, CreateForm), "cancelled")


async def test_pod_form_checks_as_you_type_and_proposes_an_unused_name(
    namespace: Namespace, tmp_path: Path
) -> None:
    project = tmp_path / "web-app"
    project.mkdir()
    namespace.core.create_namespaced_pod(namespace.name, pod_manifest("web-app-1", kwok=True))
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "web-app-1" in names(app), "the existing pod")
        form = await _open_pod_form(pilot, project)
        assert form.query_one("#f-name", Input).value == "web-app-2"
        await _type(pilot, "name", "Bad_Name")
        assert "not a valid pod name" in _problem(app, "name")
        await _type(pilot, "name", "good-name")
        assert _problem(app, "name") == ""
        await _type(pilot, "image", "podbay.local/debian:12")
        await _type(pilot, "command", "sh -c 'echo unclosed")
        assert "no closing quotation" in _problem(app, "command")
        await _type(pilot, "command", "sh -c 'echo hi'")
        await _type(pilot, "env", "JUSTKEY")
        assert "'JUSTKEY' is not KEY=VALUE" in _problem(app, "env")
        await _type(pilot, "env", "GREETING=hi")
        await _type(pilot, "cpu-request", "lots")
        assert "not a Kubernetes quantity" in _problem(app, "cpu-request")
        await _type(pilot, "cpu-request", "")
        await _type(pilot, "pvc-mount", "/data")
        assert "claimName" in _problem(app, "pvc") or "required" in _problem(app, "pvc")
        await _type(pilot, "pvc-mount", "")
        assert form.request() is not None


async def test_pod_form_completes_a_claim_of_the_namespace(
    namespace: Namespace, tmp_path: Path
) -> None:
    namespace.core.create_namespaced_persistent_volume_claim(
        namespace.name,
        {
            "metadata": {"name": "shared-data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    )
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await _open_pod_form(pilot, tmp_path)
        await until(pilot, lambda: form.claims_listed, "the claims")
        assert "shared-data" in str(form.query_one("#h-pvc", Static).render())
        form.query_one("#f-pvc", Input).focus()
        await pilot.pause(0.3)  # a key typed at once would go to the field focused before
        await pilot.press("s", "h")
        await until(pilot, lambda: bool(form.query_one("#f-pvc", Input)._suggestion), "hint")
        await pilot.press("right")
        assert form.text("pvc") == "shared-data"


async def test_pod_form_offers_an_image_a_node_holds_first(
    real_node: Namespace, tmp_path: Path
) -> None:
    """.nvmrc says 18 and the sandbox's real node holds podbay.local/node:18: the form
    picks it (no pull) and says why; the published node:18 tags follow."""
    project = tmp_path / "shop"
    project.mkdir()
    (project / ".nvmrc").write_text("18\n")
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await _open_pod_form(pilot, project)
        assert isinstance(form, PodForm)
        await until(pilot, lambda: bool(form.suggestions), "the suggestions", 30)
        image = form.query_one("#f-image", Input)
        assert image.value == "podbay.local/node:18"
        assert form.suggestions[0]["onNode"] is True
        assert ".nvmrc:1  18" in str(form.query_one("#reasons", Static).render())
        assert any(str(s["image"]).startswith("node:18.") for s in form.suggestions[1:])


async def test_pod_preview_dry_run_and_create_reach_running(
    real_node: Namespace, tmp_path: Path
) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_pod_form(pilot, project)
        await _type(pilot, "name", "made-here")
        await _type(pilot, "image", "podbay.local/debian:12")
        await _type(pilot, "command", "sh -c 'echo \"$GREETING from the wizard\"; sleep 600'")
        await _type(pilot, "env", "'GREETING=hello there'")
        await _type(pilot, "labels", "team=qa, kind=wizard")
        # the apiserver refuses what the model allows: a request above its limit
        await _type(pilot, "cpu-request", "2")
        await _type(pilot, "cpu-limit", "1")
        await pilot.press("ctrl+y")
        await until(pilot, lambda: isinstance(app.screen, TextViewer), "the YAML preview")
        viewer = app.screen
        assert isinstance(viewer, TextViewer)
        text = str(viewer.body)
        assert "image: podbay.local/debian:12" in text and '- echo "$GREETING' in text
        assert "value: hello there" in text and "app.kubernetes.io/managed-by: podbay" in text
        await pilot.press("escape")
        await until(pilot, lambda: "refused" in _status(app), "the dry run's refusal", 30)
        assert "must be less than or equal to cpu limit" in _status(app)
        await _type(pilot, "cpu-request", "")
        await _type(pilot, "cpu-limit", "")
        await pilot.press("ctrl+y", "escape")
        await until(pilot, lambda: "dry run passed" in _status(app), "the dry run", 30)
        assert real_node.core.list_namespaced_pod(real_node.name).items == []  # nothing stored
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(app.screen).__name__ == "PodProgress", "progress", 30)
        await until(pilot, lambda: "Running" in _screen_text(app), "Running", 90)
    pod = real_node.core.read_namespaced_pod("made-here", real_node.name)
    assert pod.metadata.labels == {
        "team": "qa",
        "kind": "wizard",
        "app.kubernetes.io/managed-by": "podbay",
    }
    assert pod.spec.containers[0].command == [
        "sh",
        "-c",
        'echo "$GREETING from the wizard"; sleep 600',
    ]


def _screen_text(app: Any) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def test_an_image_no_node_has_reaches_its_explanation(
    real_node: Namespace, tmp_path: Path
) -> None:
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_pod_form(pilot, tmp_path)
        await _type(pilot, "name", "no-such-image")
        await _type(pilot, "image", "podbay.local/nope:1")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(app.screen).__name__ == "PodProgress", "progress", 30)
        await until(
            pilot,
            lambda: "ErrImagePull" in _screen_text(app) or "ImagePullBackOff" in _screen_text(app),
            "the pull failure",
            90,
        )


async def test_edited_yaml_is_checked_then_created(
    real_node: Namespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$EDITOR gets the YAML; what it saves is read back with the same rules (and may add
    what the form has no field for)."""
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "text = p.read_text().replace('labels:\\n', 'labels:\\n    edited: \"yes\"\\n', 1)\n"
        "p.write_text(text + 'status: {}\\n')\n"
    )
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_pod_form(pilot, tmp_path)
        await _type(pilot, "name", "edited-pod")
        await _type(pilot, "image", "podbay.local/debian:12")
        await _type(pilot, "command", "sleep 600")
        await pilot.press("ctrl+o")
        await until(pilot, lambda: "using the edited YAML" in _status(app), "the edit")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(app.screen).__name__ == "PodProgress", "progress", 30)
    wait_pod(real_node.core, real_node.name, "edited-pod", ("Running",))
    labels = real_node.core.read_namespaced_pod("edited-pod", real_node.name).metadata.labels
    assert labels["edited"] == "yes" and labels["app.kubernetes.io/managed-by"] == "podbay"

    broken = tmp_path / "broken.py"
    broken.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('image: podbay.local/debian:12', 'image: BAD IMAGE'))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {broken}")
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_pod_form(pilot, tmp_path)
        await _type(pilot, "image", "podbay.local/debian:12")
        await pilot.press("ctrl+o")
        await until(pilot, lambda: "cannot be created" in _status(app), "the refusal")
        assert "spec.containers.0.image" in _status(app)


async def test_service_and_ingress_forms_pick_from_the_namespace(real_node: Namespace) -> None:
    ns = real_node.name
    real_node.core.create_namespaced_pod(
        ns, pod_manifest("api-0", kwok=True, labels={"app": "api", "pod-template-hash": "abc"})
    )
    app = browser_app(real_node.sandbox.kubeconfig("admin"), ns)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: "api-0" in names(app), "the pod")
        await pilot.press("2", "n")
        await until(pilot, lambda: isinstance(app.screen, ServiceForm), "the service form")
        form = _form(app)
        select = form.query_one("#f-pod", Select)
        await until(pilot, lambda: select._options.__len__() > 1, "the pods")
        select.value = "api-0"
        await pilot.pause()
        assert form.query_one("#f-selector", Input).value == "app=api"  # not the hash
        await _type(pilot, "name", "api")
        await _type(pilot, "ports", "http=80:8080 metrics")
        assert "'metrics' is not" in _problem(app, "ports")
        await _type(pilot, "ports", "http=80:8080, metrics=9090")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, CreateForm), "created", 30)
        svc = client.CoreV1Api(real_node.admin).read_namespaced_service("api", ns)
        assert svc.spec.selector == {"app": "api"}
        assert [(p.name, p.port) for p in svc.spec.ports] == [("http", 80), ("metrics", 9090)]

        await pilot.press("3", "n")
        await until(pilot, lambda: isinstance(app.screen, IngressForm), "the ingress form")
        form = _form(app)
        service = form.query_one("#f-service", Select)
        await until(pilot, lambda: service._options.__len__() > 1, "the services")
        service.value = "api"
        await pilot.pause()
        assert form.query_one("#f-port", Input).value == "80"
        await _type(pilot, "name", "api")
        await _type(pilot, "host", "Not A Host")
        assert _problem(app, "host")
        await _type(pilot, "host", "api.example.com")
        form.query_one("#f-websocket", Switch).value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, CreateForm), "created", 30)
    ing = client.NetworkingV1Api(real_node.admin).read_namespaced_ingress("api", ns)
    assert ing.spec.rules[0].host == "api.example.com"
    assert ing.spec.rules[0].http.paths[0].backend.service.port.number == 80
    annotations = ing.metadata.annotations
    assert annotations["nginx.ingress.kubernetes.io/upgrade-proxy-header"] == "websocket"
