"""The kind registry: everything podbay knows about a kind it lists, in one table that every
face reads. Per kind: its API address and operations (the collection), the names a person
may type, the create request, the summary both faces show, the list's columns and rows, what
the REST face's watch cache keeps, and its describe text.

The API address (``Pod``, ``pods``, ``v1``) is the collection's (``resources.POD``), because
the collections call the apiserver with it and this table refers to the collections.
Rows and columns are plain data (no Textual): a face lays them out; the ``tone`` of a row is
a word (``ok``, ``warn``, ``bad``, ``done``) the face gives a colour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from tui.core import validation
from tui.core.age import format_age, parse_timestamp
from tui.core.describe import ingress_text, pod_text, service_text
from tui.core.ingresses import Ingresses, IngressSummary
from tui.core.ingresses import summarize as summarize_ingress
from tui.core.models import IngressRequest, PodRequest, ServiceRequest
from tui.core.pods import Pods, PodSummary, pod_row
from tui.core.pods import summarize as summarize_pod
from tui.core.resources import ApiResource, Collection, Request
from tui.core.services import Services, ServiceSummary
from tui.core.services import summarize as summarize_service

if TYPE_CHECKING:
    from kubernetes import client

Obj = dict[str, Any]
AGE = "AGE"


class Summary(Protocol):
    """What every kind's summary has (PodSummary, ServiceSummary, IngressSummary)."""

    @property
    def name(self) -> str: ...

    @property
    def namespace(self) -> str: ...

    @property
    def created(self) -> str: ...  # RFC 3339

    def to_json(self) -> dict[str, Any]: ...  # the REST row without ``age``


S = TypeVar("S", bound=Summary)


@dataclass(frozen=True)
class Column(Generic[S]):
    """One column of a list: its title and its cell from the kind's summary. The sizes are
    hints in character cells for a text face; ``priority`` as in Kubernetes' Table columns
    (higher is dropped first when the width runs out)."""

    title: str
    cell: Callable[[S], str]
    width: int = 0  # 0: as wide as the content (up to ``cap``)
    cap: int = 40
    flex: bool = False  # takes the width left over
    priority: int = 0
    numeric: bool = False


def _age_cell(summary: Any) -> str:
    return ""  # time moves: a face computes the age when it draws (ListRow.age)


#: The AGE column of every list.
AGE_COLUMN: Column[Any] = Column(AGE, _age_cell, width=7)


@dataclass(slots=True)
class ListRow:
    """One object as a list shows it: built from the watch cache's raw JSON, laid out by a
    face. The AGE cell is empty: :meth:`age` says it at the time of drawing."""

    key: str  # the object's UID
    name: str
    cells: tuple[str, ...]  # one per column
    created: float  # epoch seconds (0: unknown)
    tone: str = ""  # ok | warn | bad | done | "" (how healthy it looks)
    labels: dict[str, str] = field(default_factory=dict)

    def age(self, now: float) -> str:
        return format_age(now - self.created) if self.created else "<unknown>"


def _no_tone(summary: Any) -> str:
    return ""


@dataclass(frozen=True)
class Kind(Generic[S]):
    """One kind podbay lists (``:pods``, ``:svc``, ``:ing``), for every face."""

    collection: type[Collection]  # list/get/create/delete; ``collection.kind`` is the address
    title: str  # Pods: the tab
    command: str  # the word the ``:`` prompt offers and completes first
    short_names: tuple[str, ...]  # kubectl's short names
    request: type[Request]  # what a create takes (the REST body; the wizard form builds one)
    name_rule: Callable[[str], str]  # a new object's name (ValueError saying why not)
    summarize: Callable[[Obj], S]  # the summary both faces show
    columns: tuple[Column[S], ...]  # the list, kubectl's columns
    cache_row: Callable[[Obj], Any]  # what the REST face's watch cache keeps per object
    describe: Callable[[client.ApiClient, Obj, dt.datetime], str]  # kubectl describe's text
    tone: Callable[[S], str] = _no_tone  # ok | warn | bad | done | ""

    @property
    def api(self) -> ApiResource:
        return self.collection.kind

    @property
    def plural(self) -> str:
        return self.api.plural

    @property
    def singular(self) -> str:
        return self.api.singular

    @property
    def kind(self) -> str:
        return self.api.kind

    @property
    def api_version(self) -> str:
        return self.api.api_version

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a person may type for the kind (as kubectl accepts them)."""
        return (*self.short_names, self.singular, self.plural)

    def list_row(self, obj: Obj) -> ListRow:
        summary = self.summarize(obj)
        meta = obj.get("metadata") or {}
        created = parse_timestamp(summary.created)
        return ListRow(
            key=str(meta.get("uid", summary.name)),
            name=summary.name,
            cells=tuple([c.cell(summary) for c in self.columns]),
            created=created.timestamp() if created else 0.0,
            tone=self.tone(summary),
            labels=dict(meta.get("labels") or {}),
        )


# ---- pods ------------------------------------------------------------------------------
_BAD = (
    "Error",
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "Failed",
    "OOMKilled",
    "Evicted",
    "CreateContainerConfigError",
    "InvalidImageName",
    "Unknown",
)


def pod_tone(pod: PodSummary) -> str:
    """Running with every container ready is ok; a failure is bad; the rest is on its way."""
    status = pod.status
    if status == "Running":
        ready, _, total = pod.ready.partition("/")
        return "ok" if ready == total else "warn"
    if status == "Completed":
        return "done"
    if status in _BAD or status.startswith(
        ("Init:Error", "Init:CrashLoop", "Signal:", "ExitCode:")
    ):
        return "bad"
    return "warn"


def _pod_image(pod: PodSummary) -> str:
    more = len(pod.images) - 1
    return (pod.images[0] if pod.images else "") + (f" +{more}" if more > 0 else "")


PODS: Kind[PodSummary] = Kind(
    collection=Pods,
    title="Pods",
    command="pods",
    short_names=("po",),
    request=PodRequest,
    name_rule=validation.dns_subdomain,
    summarize=summarize_pod,
    columns=(
        Column("NAME", lambda p: p.name, flex=True, cap=60),
        Column("READY", lambda p: p.ready, width=5),
        Column("STATUS", lambda p: p.status, cap=26),
        Column("RESTARTS", lambda p: str(p.restarts), width=8, numeric=True, priority=1),
        AGE_COLUMN,
        Column("NODE", lambda p: p.node or "<none>", cap=24, priority=2),
        Column("IMAGE", _pod_image, cap=40, priority=3),
    ),
    cache_row=pod_row,  # the summary and its JSON, serialised once per change
    describe=pod_text,
    tone=pod_tone,
)


# ---- services --------------------------------------------------------------------------
def _selector(svc: ServiceSummary) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(svc.selector.items())) or "<none>"


SERVICES: Kind[ServiceSummary] = Kind(
    collection=Services,
    title="Services",
    command="svc",
    short_names=("svc",),
    request=ServiceRequest,
    name_rule=validation.service_name,
    summarize=summarize_service,
    columns=(
        Column("NAME", lambda s: s.name, flex=True, cap=60),
        Column("TYPE", lambda s: s.type, cap=12),
        Column("CLUSTER-IP", lambda s: s.cluster_ip or "<none>", cap=16),
        Column("PORTS", lambda s: ",".join(s.ports), cap=30),
        Column("SELECTOR", _selector, cap=40, priority=2),
        AGE_COLUMN,
    ),
    cache_row=summarize_service,
    describe=service_text,
)


# ---- ingresses -------------------------------------------------------------------------
INGRESSES: Kind[IngressSummary] = Kind(
    collection=Ingresses,
    title="Ingresses",
    command="ing",
    short_names=("ing",),
    request=IngressRequest,
    name_rule=validation.dns_subdomain,
    summarize=summarize_ingress,
    columns=(
        Column("NAME", lambda i: i.name, flex=True, cap=60),
        Column("CLASS", lambda i: i.ingress_class or "<none>", cap=16),
        Column("HOSTS", lambda i: ",".join(i.hosts) or "*", cap=40),
        Column("ADDRESS", lambda i: i.address, cap=20, priority=2),
        Column("PORTS", lambda i: "80, 443" if i.tls else "80", width=7),
        AGE_COLUMN,
    ),
    cache_row=summarize_ingress,
    describe=ingress_text,
)


AnyKind = Kind[Any]  # one of KINDS, whichever

#: Every kind by its plural, in the order the browser shows them (keys 1, 2, 3).
KINDS: dict[str, AnyKind] = {k.plural: k for k in (PODS, SERVICES, INGRESSES)}


def kind_for(word: str) -> AnyKind | None:
    """The kind ``word`` names (``po``, ``pod``, ``pods``, ...), or None."""
    return next((k for k in KINDS.values() if word in k.names), None)
