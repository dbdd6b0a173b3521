"""``kubectl describe``-like plain text for a pod, service or ingress, with its events.

Plain text only (the TUI styles it). Reads raw JSON. What the account may not read (events,
endpoint slices under the spec's Role) is said plainly in its section instead of failing the
whole description; a missing object raises ApiError 404. Each kind's text (``pod_text``, ...)
is named in the kind registry (kinds.py), which imports this module at the TUI's start:
kubernetes is imported on first use.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import HTTPError

from tui.core.age import format_age, parse_timestamp
from tui.core.errors import PodbayError, from_api_exception, from_transport_error
from tui.core.events import event_sort_key
from tui.core.podstatus import pod_status
from tui.core.resources import ApiResource

if TYPE_CHECKING:  # kubernetes.client takes ~1 s to import: the TUI's first frame must not wait
    from kubernetes import client

__all__ = ["describe", "ingress_text", "pod_text", "service_text"]

Obj = dict[str, Any]
NONE = "<none>"
_SKIPPED_ANNOTATIONS = {"kubectl.kubernetes.io/last-applied-configuration"}
_ANNOTATION_MAX = 80


# -- text layout ----------------------------------------------------------------------------


@dataclass
class _Doc:
    """Lines of ``Key:  value`` aligned like kubectl's tabwriter: consecutive key/value lines
    share one value column; a plain line or a table ends the block."""

    rows: list[tuple[int, str, list[str] | None]] = field(default_factory=list)

    def kv(self, key: str, value: str | Sequence[str], indent: int = 0) -> None:
        values = [value] if isinstance(value, str) else list(value)
        self.rows.append((indent, f"{key}:", values or [NONE]))

    def line(self, text: str, indent: int = 0) -> None:
        self.rows.append((indent, text, None))

    def table(self, header: Sequence[str], rows: Iterable[Sequence[str]], indent: int = 2) -> None:
        body = [list(header), ["-" * len(h) for h in header], *(list(r) for r in rows)]
        widths = [max(len(r[i]) for r in body) for i in range(len(header))]
        for r in body:
            cells = [c.ljust(w) for c, w in zip(r[:-1], widths[:-1], strict=True)]
            self.line("  ".join([*cells, r[-1]]).rstrip(), indent)

    def render(self) -> str:
        out: list[str] = []
        i = 0
        while i < len(self.rows):
            indent, text, values = self.rows[i]
            if values is None:
                out.append(" " * indent + text)
                i += 1
                continue
            j = i
            while j < len(self.rows) and self.rows[j][2] is not None:
                j += 1
            column = max(r[0] + len(r[1]) for r in self.rows[i:j]) + 2
            for indent, key, vals in self.rows[i:j]:
                assert vals is not None
                head = " " * indent + key
                out.append((head.ljust(column) + vals[0]).rstrip())
                out.extend((" " * column + v).rstrip() for v in vals[1:])
            i = j
        return "\n".join(out) + "\n"


def _when(ts: str | None) -> str:
    """kubectl's RFC 1123 form: ``Mon, 02 Jan 2006 15:04:05 +0000``."""
    t = parse_timestamp(ts)
    return t.strftime("%a, %d %b %Y %H:%M:%S %z") if t else NONE


def _since(ts: str | None, now: dt.datetime) -> str:
    t = parse_timestamp(ts)
    return format_age((now - t).total_seconds()) if t else "<unknown>"


def _pairs(d: dict[str, Any] | None) -> list[str]:
    return [f"{k}={v}" for k, v in sorted((d or {}).items())]


def _annotations(meta: Obj) -> list[str]:
    out = []
    for k, v in sorted((meta.get("annotations") or {}).items()):
        if k in _SKIPPED_ANNOTATIONS:
            continue
        text = " ".join(str(v).split())
        if len(text) > _ANNOTATION_MAX:
            text = text[: _ANNOTATION_MAX - 3] + "..."
        out.append(f"{k}: {text}")
    return out


def _header(doc: _Doc, obj: Obj) -> Obj:
    meta: Obj = obj.get("metadata") or {}
    doc.kv("Name", str(meta.get("name", "")))
    doc.kv("Namespace", str(meta.get("namespace", "")))
    doc.kv("Labels", _pairs(meta.get("labels")))
    doc.kv("Annotations", _annotations(meta))
    return meta


# -- API access -----------------------------------------------------------------------------


def _json(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Obj:
    resp = call(*args, _preload_content=False, **kwargs)
    data: Obj = json.loads(resp.data) if resp.data else {}
    return data


def _read(api: client.ApiClient, kind: ApiResource, name: str, namespace: str) -> Obj:
    from kubernetes.client.exceptions import ApiException

    action = f"describe {kind.singular} {name} in namespace {namespace}"
    try:
        return _json(getattr(kind.api(api), kind.method("read")), name, namespace)
    except ApiException as exc:
        raise from_api_exception(exc, action) from exc
    except HTTPError as exc:
        raise from_transport_error(exc, action) from exc


def _list_or_why(
    call: Callable[..., Any], what: str, namespace: str, **kwargs: Any
) -> list[Obj] | str:
    """The items, or a plain sentence saying why they cannot be shown (never raises for the
    API: a section the account may not read must not fail the whole description)."""
    from kubernetes.client.exceptions import ApiException

    try:
        items: list[Obj] = _json(call, namespace, **kwargs).get("items") or []
        return items
    except ApiException as exc:
        if exc.status == 403:
            return f'not permitted (the account lacks "list {what}" in namespace {namespace})'
        return f"could not be listed ({from_api_exception(exc, f'list {what}').what})"
    except HTTPError as exc:
        return f"could not be listed ({from_transport_error(exc, f'list {what}').what})"


# -- events ---------------------------------------------------------------------------------


def _event_age(e: Obj, now: dt.datetime) -> str:
    """kubectl's interval: ``5m (x3 over 10m)`` for repeats, else the first occurrence."""
    series = e.get("series") or {}
    count = int(e.get("count") or 0)
    if series:
        last = _since(series.get("lastObservedTime"), now)
        return f"{last} (x{series.get('count', '?')} over {_since(e.get('eventTime'), now)})"
    if count > 1:
        last, first = _since(e.get("lastTimestamp"), now), _since(e.get("firstTimestamp"), now)
        return f"{last} (x{count} over {first})"
    return _since(e.get("firstTimestamp") or e.get("eventTime"), now)


def _event_source(e: Obj) -> str:
    src = e.get("source") or {}
    return str(src.get("component") or e.get("reportingComponent") or "")


def _events(doc: _Doc, api: client.ApiClient, meta: Obj, now: dt.datetime) -> None:
    ns = str(meta.get("namespace", ""))
    selector = f"involvedObject.name={meta.get('name', '')}"
    if meta.get("uid"):
        selector += f",involvedObject.uid={meta['uid']}"
    from kubernetes import client

    core: Any = client.CoreV1Api(api)
    events = _list_or_why(core.list_namespaced_event, "events", ns, field_selector=selector)
    if isinstance(events, str):
        doc.kv("Events", events)
        return
    if not events:
        doc.kv("Events", NONE)
        return
    doc.line("Events:")
    doc.table(
        ("Type", "Reason", "Age", "From", "Message"),
        (
            (
                str(e.get("type") or ""),
                str(e.get("reason") or ""),
                _event_age(e, now),
                _event_source(e),
                " ".join(str(e.get("message") or "").split()),
            )
            for e in sorted(events, key=event_sort_key)
        ),
    )


# -- pods -----------------------------------------------------------------------------------


def _env(c: Obj) -> list[str]:
    """Variable names and where each comes from; literal values are not shown (may be secret)."""
    out = []
    for var in c.get("env") or []:
        name = str(var.get("name", ""))
        src = var.get("valueFrom") or {}
        if ref := src.get("secretKeyRef"):
            name += f" (from secret {ref.get('name')} key {ref.get('key')})"
        elif ref := src.get("configMapKeyRef"):
            name += f" (from config map {ref.get('name')} key {ref.get('key')})"
        elif ref := src.get("fieldRef"):
            name += f" (from field {ref.get('fieldPath')})"
        elif ref := src.get("resourceFieldRef"):
            name += f" (from resource {ref.get('resource')})"
        out.append(name)
    for ref in c.get("envFrom") or []:
        prefix = f" with prefix {ref['prefix']}" if ref.get("prefix") else ""
        if cm := ref.get("configMapRef"):
            out.append(f"all keys of config map {cm.get('name')}{prefix}")
        elif sec := ref.get("secretRef"):
            out.append(f"all keys of secret {sec.get('name')}{prefix}")
    return out


def _state(doc: _Doc, label: str, state: Obj, indent: int) -> None:
    if run := state.get("running"):
        doc.kv(label, "Running", indent)
        doc.kv("Started", _when(run.get("startedAt")), indent + 2)
    elif (term := state.get("terminated")) is not None:
        doc.kv(label, "Terminated", indent)
        doc.kv("Reason", str(term.get("reason") or NONE), indent + 2)
        if term.get("message"):
            doc.kv("Message", " ".join(str(term["message"]).split()), indent + 2)
        doc.kv("Exit Code", str(term.get("exitCode", "?")), indent + 2)
        if term.get("signal"):
            doc.kv("Signal", str(term["signal"]), indent + 2)
        doc.kv("Started", _when(term.get("startedAt")), indent + 2)
        doc.kv("Finished", _when(term.get("finishedAt")), indent + 2)
    elif (wait := state.get("waiting")) is not None:
        doc.kv(label, "Waiting", indent)
        if wait.get("reason"):
            doc.kv("Reason", str(wait["reason"]), indent + 2)
        if wait.get("message"):
            doc.kv("Message", " ".join(str(wait["message"]).split()), indent + 2)


def _container(doc: _Doc, c: Obj, status: Obj | None) -> None:
    doc.line(f"{c.get('name', '')}:", 2)
    if status and status.get("containerID"):
        doc.kv("Container ID", str(status["containerID"]), 4)
    doc.kv("Image", str(c.get("image", "")), 4)
    if status and status.get("imageID"):
        doc.kv("Image ID", str(status["imageID"]), 4)
    ports = [f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in c.get("ports") or []]
    doc.kv("Ports" if len(ports) > 1 else "Port", ", ".join(ports) or NONE, 4)
    for key, label in (("command", "Command"), ("args", "Args")):
        if c.get(key):
            doc.line(f"{label}:", 4)
            for part in c[key]:
                doc.line(str(part), 6)
    if status:
        _state(doc, "State", status.get("state") or {}, 4)
        if status.get("lastState"):
            _state(doc, "Last State", status["lastState"], 4)
        doc.kv("Ready", str(bool(status.get("ready"))), 4)
        doc.kv("Restart Count", str(status.get("restartCount", 0)), 4)
    resources = c.get("resources") or {}
    for key, label in (("limits", "Limits"), ("requests", "Requests")):
        if resources.get(key):
            doc.kv(label, ", ".join(f"{k}={v}" for k, v in sorted(resources[key].items())), 4)
    _listing(doc, "Environment", _env(c), 4)
    mounts = []
    for m in c.get("volumeMounts") or []:
        mode = "ro" if m.get("readOnly") else "rw"
        sub = f',path="{m["subPath"]}"' if m.get("subPath") else ""
        mounts.append(f"{m.get('mountPath')} from {m.get('name')} ({mode}{sub})")
    _listing(doc, "Mounts", mounts, 4)


def _listing(doc: _Doc, label: str, lines: list[str], indent: int) -> None:
    """``Label:`` and its lines indented below it, or ``Label: <none>``."""
    if not lines:
        doc.kv(label, NONE, indent)
        return
    doc.line(f"{label}:", indent)
    for line in lines:
        doc.line(line, indent + 2)


def _containers(doc: _Doc, title: str, specs: list[Obj], statuses: list[Obj]) -> None:
    if not specs:
        return
    by_name = {str(s.get("name")): s for s in statuses}
    doc.line(f"{title}:")
    for c in specs:
        _container(doc, c, by_name.get(str(c.get("name"))))


def _volume(doc: _Doc, vol: Obj) -> None:
    doc.line(f"{vol.get('name', '')}:", 2)
    if (pvc := vol.get("persistentVolumeClaim")) is not None:
        doc.kv("Type", "PersistentVolumeClaim", 4)
        doc.kv("ClaimName", str(pvc.get("claimName", "")), 4)
        doc.kv("ReadOnly", str(bool(pvc.get("readOnly"))), 4)
    elif (hp := vol.get("hostPath")) is not None:
        doc.kv("Type", "HostPath", 4)
        doc.kv("Path", str(hp.get("path", "")), 4)
    elif (ed := vol.get("emptyDir")) is not None:
        doc.kv("Type", "EmptyDir", 4)
        doc.kv("Medium", str(ed.get("medium") or ""), 4)
        doc.kv("SizeLimit", str(ed.get("sizeLimit") or "<unset>"), 4)
    elif (cm := vol.get("configMap")) is not None:
        doc.kv("Type", "ConfigMap", 4)
        doc.kv("Name", str(cm.get("name", "")), 4)
    elif (sec := vol.get("secret")) is not None:
        doc.kv("Type", "Secret", 4)
        doc.kv("SecretName", str(sec.get("secretName", "")), 4)
    elif (proj := vol.get("projected")) is not None:
        doc.kv("Type", "Projected", 4)
        kinds = [next(iter(s), "?") for s in proj.get("sources") or []]
        doc.kv("Sources", ", ".join(kinds) or NONE, 4)
    else:
        doc.kv("Type", next((k for k in vol if k != "name"), "?"), 4)


def _toleration(t: Obj) -> str:
    s = str(t.get("key") or "")
    if t.get("value"):
        s += f"={t['value']}"
    if t.get("effect"):
        s += f":{t['effect']}"
    if t.get("operator") == "Exists" and not t.get("value"):
        s += " op=Exists" if s else "op=Exists"
    if t.get("tolerationSeconds") is not None:
        s += f" for {t['tolerationSeconds']}s"
    return s


def pod_text(api: client.ApiClient, pod: Obj, now: dt.datetime) -> str:
    doc = _Doc()
    meta: Obj = pod.get("metadata") or {}
    spec: Obj = pod.get("spec") or {}
    st: Obj = pod.get("status") or {}
    doc.kv("Name", str(meta.get("name", "")))
    doc.kv("Namespace", str(meta.get("namespace", "")))
    if spec.get("priority") is not None:
        doc.kv("Priority", str(spec["priority"]))
    doc.kv("Service Account", str(spec.get("serviceAccountName") or NONE))
    node = str(spec.get("nodeName") or "")
    doc.kv("Node", f"{node}/{st['hostIP']}" if node and st.get("hostIP") else node or NONE)
    doc.kv("Start Time", _when(st.get("startTime")))
    doc.kv("Labels", _pairs(meta.get("labels")))
    doc.kv("Annotations", _annotations(meta))
    status = pod_status(pod)
    if meta.get("deletionTimestamp"):
        status += f" (since {_since(meta['deletionTimestamp'], now)} ago)"
    doc.kv("Status", status)
    if st.get("reason"):
        doc.kv("Reason", str(st["reason"]))
    if st.get("message"):
        doc.kv("Message", " ".join(str(st["message"]).split()))
    doc.kv("IP", str(st.get("podIP") or NONE))
    owner = next((o for o in meta.get("ownerReferences") or [] if o.get("controller")), None)
    if owner:
        doc.kv("Controlled By", f"{owner.get('kind')}/{owner.get('name')}")
    _containers(
        doc,
        "Init Containers",
        spec.get("initContainers") or [],
        st.get("initContainerStatuses") or [],
    )
    _containers(doc, "Containers", spec.get("containers") or [], st.get("containerStatuses") or [])
    conditions = st.get("conditions") or []
    if conditions:
        doc.line("Conditions:")
        doc.table(
            ("Type", "Status"), ((str(c.get("type")), str(c.get("status"))) for c in conditions)
        )
    volumes = spec.get("volumes") or []
    if volumes:
        doc.line("Volumes:")
        for vol in volumes:
            _volume(doc, vol)
    else:
        doc.kv("Volumes", NONE)
    doc.kv("QoS Class", str(st.get("qosClass") or NONE))
    doc.kv("Node-Selectors", _pairs(spec.get("nodeSelector")))
    doc.kv("Tolerations", [_toleration(t) for t in spec.get("tolerations") or []])
    _events(doc, api, meta, now)
    return doc.render()


# -- services -------------------------------------------------------------------------------


def _endpoints(api: client.ApiClient, name: str, ns: str) -> dict[str, list[str]] | str:
    """Ready ``ip:port`` per service port name (from EndpointSlices), or why not shown."""
    from kubernetes import client

    disc: Any = client.DiscoveryV1Api(api)
    slices = _list_or_why(
        disc.list_namespaced_endpoint_slice,
        "endpointslices (discovery.k8s.io)",
        ns,
        label_selector=f"kubernetes.io/service-name={name}",
    )
    if isinstance(slices, str):
        return slices
    out: dict[str, list[str]] = {}
    for sl in slices:
        for port in sl.get("ports") or []:
            addrs = out.setdefault(str(port.get("name") or ""), [])
            for ep in sl.get("endpoints") or []:
                if (ep.get("conditions") or {}).get("ready") is False:
                    continue
                addrs.extend(f"{a}:{port.get('port')}" for a in ep.get("addresses") or [])
    return out


def _addresses(addrs: list[str]) -> str:
    if not addrs:
        return NONE
    shown = ",".join(addrs[:3])
    return shown + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else "")


def service_text(api: client.ApiClient, svc: Obj, now: dt.datetime) -> str:
    doc = _Doc()
    meta = _header(doc, svc)
    spec: Obj = svc.get("spec") or {}
    svc_type = str(spec.get("type") or "ClusterIP")
    doc.kv("Selector", ",".join(_pairs(spec.get("selector"))) or NONE)
    doc.kv("Type", svc_type)
    if svc_type == "ExternalName":
        doc.kv("External Name", str(spec.get("externalName") or ""))
    else:
        doc.kv("IP", str(spec.get("clusterIP") or NONE))
    if spec.get("externalIPs"):
        doc.kv("External IPs", ",".join(spec["externalIPs"]))
    lb = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if lb:
        doc.kv("LoadBalancer Ingress", ", ".join(str(x.get("ip") or x.get("hostname")) for x in lb))
    endpoints = _endpoints(api, str(meta.get("name", "")), str(meta.get("namespace", "")))
    for p in spec.get("ports") or []:
        proto = p.get("protocol", "TCP")
        pname = str(p.get("name") or "")
        doc.kv("Port", f"{pname or '<unset>'}  {p.get('port')}/{proto}")
        target = p.get("targetPort", p.get("port"))
        doc.kv("TargetPort", f"{target}/{proto}")
        if p.get("nodePort"):
            doc.kv("NodePort", f"{pname or '<unset>'}  {p['nodePort']}/{proto}")
        if not isinstance(endpoints, str):
            doc.kv("Endpoints", _addresses(endpoints.get(pname, [])))
    if not spec.get("ports"):
        doc.kv("Port", NONE)
    if isinstance(endpoints, str):
        doc.kv("Endpoints", endpoints)
    doc.kv("Session Affinity", str(spec.get("sessionAffinity") or "None"))
    _events(doc, api, meta, now)
    return doc.render()


# -- ingresses ------------------------------------------------------------------------------


def _backend(b: Obj | None) -> str:
    if not b:
        return NONE
    if svc := b.get("service"):
        port = svc.get("port") or {}
        return f"{svc.get('name')}:{port.get('number') or port.get('name') or '?'}"
    if res := b.get("resource"):
        return f"{res.get('kind')}/{res.get('name')}"
    return "?"


def ingress_text(api: client.ApiClient, ing: Obj, now: dt.datetime) -> str:
    doc = _Doc()
    meta: Obj = ing.get("metadata") or {}
    spec: Obj = ing.get("spec") or {}
    doc.kv("Name", str(meta.get("name", "")))
    doc.kv("Namespace", str(meta.get("namespace", "")))
    doc.kv("Labels", _pairs(meta.get("labels")))
    lb = ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    doc.kv("Address", ",".join(str(x.get("ip") or x.get("hostname") or "") for x in lb))
    doc.kv("Ingress Class", str(spec.get("ingressClassName") or NONE))
    doc.kv("Default backend", _backend(spec.get("defaultBackend")))
    tls = spec.get("tls") or []
    if tls:
        doc.line("TLS:")
        for t in tls:
            hosts = ",".join(t.get("hosts") or []) or "*"
            if t.get("secretName"):
                doc.line(f"{t['secretName']} terminates {hosts}", 2)
            else:
                doc.line(f"SNI routes {hosts}", 2)
    rules = spec.get("rules") or []
    if rules:
        doc.line("Rules:")
        rows: list[tuple[str, str, str, str]] = []
        for r in rules:
            host = str(r.get("host") or "*")
            paths = (r.get("http") or {}).get("paths") or []
            if not paths:
                rows.append((host, "", "", _backend(spec.get("defaultBackend"))))
            for i, p in enumerate(paths):
                rows.append(
                    (
                        host if i == 0 else "",
                        str(p.get("path") or "/"),
                        str(p.get("pathType") or ""),
                        _backend(p.get("backend")),
                    )
                )
        doc.table(("Host", "Path", "Path Type", "Backend"), rows)
    else:
        doc.kv("Rules", NONE)
    doc.kv("Annotations", _annotations(meta))
    _events(doc, api, meta, now)
    return doc.render()


# -- entry points ---------------------------------------------------------------------------


def describe(api: client.ApiClient, kind: str, name: str, namespace: str) -> str:
    """kubectl-describe-like text for a pod, service or ingress (kind as kubectl spells it:
    any name of the kind registry's, in any case).

    Raises ApiError (404 for a missing object, 403 when it may not be read) or PodbayError
    for a kind podbay does not describe.
    """
    from tui.core.kinds import KINDS, kind_for  # the registry imports this module

    found = kind_for(kind.lower())
    if found is None:
        plurals = [k.plural for k in KINDS.values()]
        singulars = [k.singular for k in KINDS.values()]
        raise PodbayError(
            f"cannot describe {kind!r}: podbay describes {_spoken(plurals, 'and')}",
            f"use kind {_spoken(singulars, 'or')}",
            status=422,  # the caller's mistake
        )

    obj = _read(api, found.api, name, namespace)
    return found.describe(api, obj, dt.datetime.now(dt.UTC))


def _spoken(words: list[str], last: str) -> str:
    """``a, b and c``."""
    return f"{', '.join(words[:-1])} {last} {words[-1]}" if len(words) > 1 else "".join(words)
