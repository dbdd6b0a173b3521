"""New service: the selector proposed from a chosen pod's labels, a type, named ports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual import work
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Select

from tui.app.wizard.form import CreateForm, FieldError
from tui.core import drafts, formtext
from tui.core.models import MANAGED_BY, ServiceRequest
from tui.core.workbench import Workbench

# Labels a controller stamps on pods: a selector on them would pick one generation only.
NOT_FOR_SELECTORS = {MANAGED_BY, "pod-template-hash", "controller-revision-hash"}


class ServiceForm(CreateForm):
    plural = "services"
    model = ServiceRequest
    title_text = "New service"

    class Pods(Message):
        def __init__(self, labels: dict[str, dict[str, str]]) -> None:
            super().__init__()
            self.labels = labels

    def __init__(self, workbench: Workbench, namespace: str, *, taken: set[str]) -> None:
        super().__init__(workbench, namespace)
        self.taken = taken
        self.pod_labels: dict[str, dict[str, str]] = {}

    def compose_rows(self) -> Iterator[Widget]:
        name = drafts.propose_name("svc", self.taken)
        yield from self.row("name", "Name", Input(name, id="f-name", compact=True))
        yield from self.row(
            "pod",
            "From pod",
            Select[str]([], prompt="(pick a pod: its labels become the selector)", id="f-pod",
                        compact=True),
        )  # fmt: skip
        yield from self.row(
            "selector", "Selector", Input("", id="f-selector", compact=True), "key=value, …"
        )
        yield from self.row(
            "type",
            "Type",
            Select[str](
                [(t, t) for t in ("ClusterIP", "NodePort", "LoadBalancer")],
                value="ClusterIP",
                allow_blank=False,
                id="f-type",
                compact=True,
            ),
        )
        yield from self.row(
            "ports", "Ports", Input("", id="f-ports", compact=True),
            "[name=]port[:targetPort][/UDP], …  e.g. http=80:8080, metrics=9090",
        )  # fmt: skip

    def on_mount(self) -> None:
        super().on_mount()
        self.list_pods()

    @work(thread=True, exclusive=True, group="pods")
    def list_pods(self) -> None:
        try:
            rows = self.wb.pods.list(self.namespace)
        except Exception:  # no cluster or no permission: the selector stays free text
            rows = []
        self.post_message(self.Pods({r.name: r.labels for r in rows}))

    def on_service_form_pods(self, message: Pods) -> None:
        self.pod_labels = message.labels
        self.query_one("#f-pod", Select).set_options([(n, n) for n in sorted(message.labels)])

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "f-pod" and isinstance(event.value, str):
            labels = self.pod_labels.get(event.value, {})
            chosen = {k: v for k, v in labels.items() if k not in NOT_FOR_SELECTORS}
            self.query_one("#f-selector", Input).value = formtext.join_pairs(chosen)
        self.revalidate()

    def body(self) -> dict[str, Any]:
        try:
            selector = formtext.pairs(self.text("selector"), "selector", commas=True)
        except ValueError as exc:
            raise FieldError("selector", str(exc)) from exc
        try:
            ports = formtext.ports(self.text("ports"))
        except ValueError as exc:
            raise FieldError("ports", str(exc)) from exc
        return {
            "name": self.text("name"),
            "selector": selector,
            "ports": ports,
            "type": self.choice("type") or "ClusterIP",
        }

    def row_for(self, field: str) -> str:
        head = field.split(".", 1)[0]
        return {"(body)": "ports"}.get(head, head)
