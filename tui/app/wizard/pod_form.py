"""New pod: a proposed name, an image picked from the project's version files, command and
args split as a shell would, env, labels, a PVC or (when allowed) a hostPath, resources,
restart policy and TTL; then the progress view follows it to Running."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from tui.app.wizard.form import CreateForm, FieldError
from tui.core import drafts, formtext
from tui.core.errors import PodbayError
from tui.core.models import PodRequest
from tui.core.workbench import Workbench

ROWS = {  # the model's field (first part) -> the row that shows its problem
    "image": "image",
    "command": "command",
    "args": "args",
    "workingDir": "workdir",
    "env": "env",
    "labels": "labels",
    "mountPath": "hostpath",
    "hostPath": "hostpath",
    "pvcMounts": "pvc",
    "ttlSeconds": "ttl",
    "restartPolicy": "restart",
    "(body)": "hostpath",
}
RESOURCE_ROWS = {
    "cpuRequest": "cpu-request",
    "memoryRequest": "memory-request",
    "cpuLimit": "cpu-limit",
    "memoryLimit": "memory-limit",
}


class PodForm(CreateForm):
    plural = "pods"
    model = PodRequest
    title_text = "New pod"

    class Suggested(Message):
        def __init__(self, project: str, report: dict[str, Any] | None, error: str) -> None:
            super().__init__()
            self.project = project
            self.report = report
            self.error = error

    class Claims(Message):
        def __init__(self, names: list[str] | None) -> None:
            super().__init__()
            self.names = names

    def __init__(
        self,
        workbench: Workbench,
        namespace: str,
        *,
        taken: Iterable[str] = (),
        project: Path | None = None,
    ) -> None:
        super().__init__(workbench, namespace)
        self.project = project or Path.cwd()
        self.taken = set(taken)
        self.suggestions: list[dict[str, Any]] = []
        self.node_images: frozenset[str] | None = None  # listed once per form, off the UI
        self.nodes_listed = False
        self.claims_listed = False  # the claims hint has its answer (tests wait for it)

    def compose_rows(self) -> Iterator[Widget]:
        s = self.wb.settings
        res = s.default_resources
        name = drafts.propose_name(drafts.slug(self.project.name), self.taken)
        yield from self.row("name", "Name", Input(name, id="f-name", compact=True))
        yield from self.row(
            "project",
            "Project",
            Input(str(self.project), id="f-project", compact=True),
            "a directory whose version files (.nvmrc, go.mod, pyproject.toml, …) suggest images",
        )
        yield from self.row(
            "suggestion",
            "Suggested",
            Select[str]([], prompt="(reading the project…)", id="f-suggestion", compact=True),
        )
        yield Static("", classes="hint", id="reasons")
        yield from self.row("image", "Image", Input("", id="f-image", compact=True))
        yield from self.row(
            "command", "Command", Input("", id="f-command", compact=True),
            "as a shell would split it (never run through one): sh -c 'npm test'",
        )  # fmt: skip
        yield from self.row("args", "Args", Input("", id="f-args", compact=True))
        yield from self.row("workdir", "Working dir", Input("", id="f-workdir", compact=True))
        yield from self.row(
            "env", "Env", Input("", id="f-env", compact=True),
            "KEY=VALUE …; quote an entry with spaces",
        )  # fmt: skip
        yield from self.row(
            "labels", "Labels", Input("", id="f-labels", compact=True), "key=value, …"
        )
        yield from self.row(
            "pvc", "PVC", Input("", id="f-pvc", compact=True), "a claim in this namespace"
        )
        yield from self.row(
            "pvc-mount", "PVC mount path", Input("", id="f-pvc-mount", compact=True)
        )
        yield from self.row(
            "pvc-subpath", "PVC subPath", Input("", id="f-pvc-subpath", compact=True)
        )
        if s.allow_host_path:
            prefixes = ", ".join(s.host_path_prefixes) or "none set: Settings"
            yield from self.row(
                "hostpath", "hostPath", Input("", id="f-hostpath", compact=True),
                f"host directory under: {prefixes}",
            )  # fmt: skip
            yield from self.row(
                "host-mount", "hostPath mount", Input("", id="f-host-mount", compact=True)
            )
        for key, label, default in (
            ("cpu-request", "CPU request", res.cpu_request),
            ("memory-request", "Memory request", res.memory_request),
            ("cpu-limit", "CPU limit", res.cpu_limit or "none"),
            ("memory-limit", "Memory limit", res.memory_limit or "none"),
        ):
            yield from self.row(
                key, label, Input("", placeholder=f"default {default}", id=f"f-{key}", compact=True)
            )
        yield from self.row(
            "restart",
            "Restart policy",
            Select[str](
                [(p, p) for p in ("Never", "OnFailure", "Always")],
                value="Never",
                allow_blank=False,
                id="f-restart",
                compact=True,
            ),
        )
        ttl = s.default_ttl_seconds
        yield from self.row(
            "ttl", "TTL (s)",
            Input("", placeholder=f"default {ttl}" if ttl else "none", id="f-ttl", compact=True),
            "activeDeadlineSeconds: the pod is stopped after this long",
        )  # fmt: skip

    def on_mount(self) -> None:
        super().on_mount()
        self.read_project(str(self.project))
        self.list_claims()

    # ---- the project's suggestions ---------------------------------------------------------
    @work(thread=True, exclusive=True, group="suggest")
    def read_project(self, project: str) -> None:
        """Suggestions for ``project``; images a node already holds are marked and come
        first (they start without a pull; the sandbox's own images are among them)."""
        from tui.core.imagesuggest import suggest_images, workbench_node_images

        if not self.nodes_listed:
            self.node_images = workbench_node_images(self.wb)
            self.nodes_listed = True
        try:
            report = suggest_images(
                Path(project).expanduser(), node_images=self.node_images
            ).to_json()
            self.post_message(self.Suggested(project, report, ""))
        except PodbayError as exc:
            self.post_message(self.Suggested(project, None, f"{exc.what}"))
        except OSError as exc:
            self.post_message(self.Suggested(project, None, f"cannot read {project}: {exc}"))

    def on_pod_form_suggested(self, message: Suggested) -> None:
        if message.project != self.text("project"):
            return  # the field moved on
        select = self.query_one("#f-suggestion", Select)
        if message.report is None:
            self.suggestions = []
            select.set_options([])
            self.query_one("#reasons", Static).update(Text(message.error, "red"))
            return
        self.suggestions = list(message.report.get("suggestions") or [])
        options = [(self._label(s), str(i)) for i, s in enumerate(self.suggestions)]
        select.set_options(options)
        if not options:
            self.query_one("#reasons", Static).update(
                Text("no version files found: type an image with an exact tag", "dim")
            )
            return
        select.value = "0"
        if not self.text("image"):
            self._use(0)

    @staticmethod
    def _label(s: dict[str, Any]) -> str:
        marks = ("" if s.get("exact") else "  (derived: pin it)") + (
            "  on a node" if s.get("onNode") else ""
        )
        where = f"  [{s['directory']}]" if s.get("directory") not in (None, "", ".") else ""
        return f"{s.get('image')}{where}{marks}"

    def _use(self, index: int) -> None:
        s = self.suggestions[index]
        self.query_one("#f-image", Input).value = str(s.get("image", ""))
        lines = [
            f"{r.get('file')}{':' + str(r['line']) if r.get('line') else ''}  {r.get('text')}"
            for r in s.get("reasons") or []
        ]
        lines += [f"! {w}" for w in s.get("warnings") or []]
        self.query_one("#reasons", Static).update(Text("\n".join(lines), "dim"))

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "f-suggestion" and isinstance(event.value, str):
            index = int(event.value)
            if index < len(self.suggestions):
                self._use(index)
        self.revalidate()

    def on_input_changed(self, event: Input.Changed) -> None:
        super().on_input_changed(event)
        if event.input.id == "f-project":
            self.set_timer(0.3, lambda: self._reread(event.value.strip()))

    def _reread(self, project: str) -> None:
        if project == self.text("project") and project:
            self.read_project(project)

    # ---- claims ----------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="claims")
    def list_claims(self) -> None:
        from kubernetes import client

        try:
            core = client.CoreV1Api(self.wb.api)
            items = core.list_namespaced_persistent_volume_claim(self.namespace).items
            self.post_message(
                self.Claims(sorted(str(c.metadata.name) for c in items if c.metadata))
            )
        except Exception:  # no permission or no cluster: the field stays free text
            self.post_message(self.Claims(None))

    def on_pod_form_claims(self, message: Claims) -> None:
        self.claims_listed = True
        hint = self.query_one("#h-pvc", Static)
        if message.names is None:
            hint.update(Text("a claim in this namespace (the account may not list them)"))
        elif message.names:
            hint.update(
                Text("claims here (type to complete, → accepts): " + ", ".join(message.names))
            )
            self.query_one("#f-pvc", Input).suggester = SuggestFromList(message.names)
        else:
            hint.update(Text("no claims in this namespace"))

    # ---- the request -----------------------------------------------------------------------
    def body(self) -> dict[str, Any]:
        def words(key: str) -> list[str] | None:
            try:
                return formtext.split_words(self.text(key), key) or None
            except ValueError as exc:
                raise FieldError(key, str(exc)) from exc

        def mapping(key: str, *, commas: bool = False) -> dict[str, str]:
            try:
                return formtext.pairs(self.text(key), key, commas=commas)
            except ValueError as exc:
                raise FieldError(key, str(exc)) from exc

        body: dict[str, Any] = {
            "name": self.text("name"),
            "image": self.text("image"),
            "command": words("command"),
            "args": words("args"),
            "env": mapping("env"),
            "labels": mapping("labels", commas=True),
            "restartPolicy": self.choice("restart") or "Never",
        }
        if self.text("workdir"):
            body["workingDir"] = self.text("workdir")
        if self.text("pvc") or self.text("pvc-mount"):
            mount: dict[str, Any] = {
                "claimName": self.text("pvc"),
                "mountPath": self.text("pvc-mount"),
            }
            if self.text("pvc-subpath"):
                mount["subPath"] = self.text("pvc-subpath")
            body["pvcMounts"] = [mount]
        if self.query("#f-hostpath") and (self.text("hostpath") or self.text("host-mount")):
            body["hostPath"] = self.text("hostpath")
            body["mountPath"] = self.text("host-mount")
        resources = {
            field: self.text(row) for field, row in RESOURCE_ROWS.items() if self.text(row)
        }
        if resources:
            body["resources"] = resources
        if self.text("ttl"):
            if not self.text("ttl").isdigit():
                raise FieldError("ttl", "ttl: a number of seconds")
            body["ttlSeconds"] = int(self.text("ttl"))
        return body

    def row_for(self, field: str) -> str:
        head, _, rest = field.partition(".")
        if head == "resources":
            return RESOURCE_ROWS.get(rest, "cpu-request")
        if head == "pvcMounts":
            return "pvc-mount" if rest.endswith("mountPath") else "pvc"
        if head in ("mountPath", "hostPath", "(body)") and not self.query("#f-hostpath"):
            return "pvc-mount"
        return ROWS.get(head, head)

    def created(self, name: str) -> None:
        from tui.app.pod_progress import PodProgress

        self.notify(f"created pod {name}")
        self.dismiss(name)
        self.app.push_screen(PodProgress(self.wb, self.namespace, name))
