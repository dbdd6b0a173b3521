"""New ingress: host, path and path type, a backend service and port picked from the
namespace, class, TLS secret, and the preset for WebSocket backends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.text import Text
from textual import work
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch

from tui.app.wizard.form import CreateForm
from tui.core import drafts
from tui.core.models import IngressRequest
from tui.core.workbench import Workbench


class IngressForm(CreateForm):
    plural = "ingresses"
    model = IngressRequest
    title_text = "New ingress"

    class Services(Message):
        def __init__(self, ports: dict[str, list[str]]) -> None:
            super().__init__()
            self.ports = ports

    def __init__(self, workbench: Workbench, namespace: str, *, taken: set[str]) -> None:
        super().__init__(workbench, namespace)
        self.taken = taken
        self.service_ports: dict[str, list[str]] = {}

    def compose_rows(self) -> Iterator[Widget]:
        name = drafts.propose_name("ing", self.taken)
        yield from self.row("name", "Name", Input(name, id="f-name", compact=True))
        yield from self.row(
            "host", "Host", Input("", id="f-host", compact=True), "empty: every host"
        )
        yield from self.row("path", "Path", Input("/", id="f-path", compact=True))
        yield from self.row(
            "path-type",
            "Path type",
            Select[str](
                [(t, t) for t in ("Prefix", "Exact", "ImplementationSpecific")],
                value="Prefix",
                allow_blank=False,
                id="f-path-type",
                compact=True,
            ),
        )
        yield from self.row(
            "service",
            "Service",
            Select[str]([], prompt="(services in this namespace)", id="f-service", compact=True),
        )
        yield from self.row(
            "port", "Port", Input("", id="f-port", compact=True), "a number or a port name"
        )
        yield from self.row("class", "Class", Input("", id="f-class", compact=True))
        yield from self.row(
            "tls", "TLS secret", Input("", id="f-tls", compact=True), "serves the host over TLS"
        )
        with Horizontal(classes="row", id="r-websocket"):
            yield Label("WebSocket")
            yield Switch(False, id="f-websocket")
        yield Static(
            Text("long timeouts, HTTP/1.1 and upgrade headers (the spec's terminal preset)"),
            classes="hint",
        )
        yield Static("", classes="problem", id="p-websocket")

    def on_mount(self) -> None:
        super().on_mount()
        self.list_services()

    @work(thread=True, exclusive=True, group="services")
    def list_services(self) -> None:
        try:
            rows = self.wb.services.list(self.namespace)
        except Exception:  # no cluster or no permission
            rows = []
        self.post_message(self.Services({r.name: r.ports for r in rows}))

    def on_ingress_form_services(self, message: Services) -> None:
        self.service_ports = message.ports
        self.query_one("#f-service", Select).set_options([(n, n) for n in sorted(message.ports)])

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "f-service" and isinstance(event.value, str):
            ports = self.service_ports.get(event.value, [])
            if ports and not self.text("port"):
                self.query_one("#f-port", Input).value = ports[0].split("/")[0].split(":")[0]
            self.query_one("#h-port", Static).update(Text("ports: " + (", ".join(ports) or "none")))
        self.revalidate()

    def body(self) -> dict[str, Any]:
        port_text = self.text("port")
        port: dict[str, Any] = (
            {"number": int(port_text)} if port_text.isdigit() else {"name": port_text or None}
        )
        rule: dict[str, Any] = {
            "http": {
                "paths": [
                    {
                        "path": self.text("path") or "/",
                        "pathType": self.choice("path-type") or "Prefix",
                        "backend": {
                            "service": {"name": self.choice("service") or "", "port": port}
                        },
                    }
                ]
            }
        }
        if self.text("host"):
            rule["host"] = self.text("host")
        body: dict[str, Any] = {
            "name": self.text("name"),
            "rules": [rule],
            "websocket": self.switch("websocket"),
        }
        if self.text("class"):
            body["ingressClassName"] = self.text("class")
        if self.text("tls"):
            hosts = [self.text("host")] if self.text("host") else []
            body["tls"] = [{"hosts": hosts, "secretName": self.text("tls")}]
        return body

    def row_for(self, field: str) -> str:
        parts = field.split(".")
        if parts[0] == "rules":
            if "host" in parts:
                return "host"
            if "port" in parts:
                return "port"
            if "name" in parts or "service" in parts:
                return "service"
            if "pathType" in parts:
                return "path-type"
            return "path"
        return {"tls": "tls", "ingressClassName": "class"}.get(parts[0], parts[0])
