"""Ingress operations and the list row both faces show."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tui.core.resources import INGRESS, Collection


@dataclass(frozen=True)
class IngressSummary:
    name: str
    namespace: str
    ingress_class: str
    hosts: list[str]
    address: str
    tls: bool
    created: str

    def to_json(self) -> dict[str, Any]:
        """The REST row without ``age``; ``ingressClass`` is ``ingress_class`` in the
        API's camelCase (both are sent)."""
        data = asdict(self)
        data["ingressClass"] = self.ingress_class
        return data


def summarize(ing: dict[str, Any]) -> IngressSummary:
    meta, spec = ing.get("metadata") or {}, ing.get("spec") or {}
    lb = ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return IngressSummary(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        ingress_class=str(spec.get("ingressClassName") or ""),
        hosts=[str(r.get("host") or "*") for r in spec.get("rules") or []],
        address=", ".join(str(x.get("ip") or x.get("hostname") or "") for x in lb),
        tls=bool(spec.get("tls")),
        created=str(meta.get("creationTimestamp", "")),
    )


class Ingresses(Collection):
    kind = INGRESS

    def list(self, namespace: str | None = None) -> list[IngressSummary]:
        return [summarize(i) for i in self.list_raw(namespace).get("items", [])]
