"""Service operations and the list row both faces show."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tui.core.resources import SERVICE, Collection


@dataclass(frozen=True)
class ServiceSummary:
    name: str
    namespace: str
    type: str
    cluster_ip: str
    ports: list[str]  # kubectl style: 80:30080/TCP, 5432/TCP
    selector: dict[str, str]
    created: str
    port_specs: list[dict[str, Any]] = field(default_factory=list)  # port, targetPort, ...

    def to_json(self) -> dict[str, Any]:
        """The REST row without ``age``: ``clusterIP`` and ``ports`` as objects (``port``,
        ``targetPort``, ``protocol``; ``name``/``nodePort`` when set), as the seed system's
        clients read them; the kubectl-style strings are ``portsText``."""
        data = asdict(self)
        data["clusterIP"] = self.cluster_ip
        data["ports"] = data.pop("port_specs")
        data["portsText"] = self.ports
        return data


def summarize(svc: dict[str, Any]) -> ServiceSummary:
    meta, spec = svc.get("metadata") or {}, svc.get("spec") or {}
    ports, specs = [], []
    for p in spec.get("ports") or []:
        node = f":{p['nodePort']}" if p.get("nodePort") else ""
        ports.append(f"{p.get('port')}{node}/{p.get('protocol', 'TCP')}")
        one = {
            "port": p.get("port"),
            "targetPort": p.get("targetPort", p.get("port")),
            "protocol": p.get("protocol", "TCP"),
        }
        one.update({k: p[k] for k in ("name", "nodePort") if p.get(k)})
        specs.append(one)
    return ServiceSummary(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        type=str(spec.get("type", "ClusterIP")),
        cluster_ip=str(spec.get("clusterIP") or ""),
        ports=ports,
        selector=dict(spec.get("selector") or {}),
        created=str(meta.get("creationTimestamp", "")),
        port_specs=specs,
    )


class Services(Collection):
    kind = SERVICE

    def list(self, namespace: str | None = None) -> list[ServiceSummary]:
        return [summarize(s) for s in self.list_raw(namespace).get("items", [])]
