"""Request models shared by the TUI wizard and the REST API: validated once, here.

Field names follow the spec's JSON (camelCase, e.g. ``mountPath``); Python code may use
snake_case. Unknown fields are rejected so a typo is an error, not a silently ignored key.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from tui.core import validation as v
from tui.core.settings import Resources, Settings

MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGER = "podbay"
DEFAULT_CONTAINER = "runner"

DnsLabel = Annotated[str, AfterValidator(lambda s: v.dns_label(s, "namespace"))]
PodName = Annotated[str, AfterValidator(lambda s: v.dns_subdomain(s, "pod name"))]
Labels = Annotated[dict[str, str], AfterValidator(v.labels)]
Image = Annotated[str, AfterValidator(v.image_ref)]
Port = Annotated[int, AfterValidator(v.port_number)]
AbsPath = Annotated[str, AfterValidator(v.absolute_path), Field(description="an absolute path")]
TargetPort = Annotated[int | str, AfterValidator(v.target_port)]


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )


def _relative_path(value: str) -> str:
    if value.startswith("/") or ".." in value.split("/"):
        raise ValueError(f"{value!r} must be a relative path without '..'")
    return value


class PvcMount(_Model):
    claim_name: Annotated[str, AfterValidator(lambda s: v.dns_subdomain(s, "claim name"))]
    mount_path: AbsPath
    sub_path: Annotated[str, AfterValidator(_relative_path)] | None = None
    read_only: bool = False


Quantity = Annotated[str, AfterValidator(v.quantity)]


class ResourceOverrides(_Model):
    cpu_request: Quantity | None = None
    memory_request: Quantity | None = None
    cpu_limit: Quantity | None = None
    memory_limit: Quantity | None = None

    def merged(self, defaults: Resources) -> Resources:
        values = defaults.model_dump()
        values.update({k: val for k, val in self.model_dump().items() if val is not None})
        return Resources.model_validate(values)


class PodRequest(_Model):
    """The spec's ``POST /api/kubernetes/pods`` body, plus PVCs, resources, TTL."""

    name: PodName
    namespace: DnsLabel | None = None
    image: Image
    command: list[str] | None = None
    args: list[str] | None = None
    working_dir: AbsPath | None = None
    env: dict[Annotated[str, AfterValidator(v.env_name)], str] = Field(default_factory=dict)
    labels: Labels = Field(default_factory=dict)
    mount_path: AbsPath | None = None
    host_path: AbsPath | None = None
    pvc_mounts: list[PvcMount] = Field(default_factory=list)
    resources: ResourceOverrides | None = None
    ttl_seconds: int | None = Field(default=None, ge=1, le=7 * 24 * 3600)
    container_name: Annotated[str, AfterValidator(lambda s: v.dns_label(s, "container name"))] = (
        DEFAULT_CONTAINER
    )
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] | None = None
    restart_policy: Literal["Never", "OnFailure", "Always"] = "Never"

    @model_validator(mode="after")
    def _paired_mount(self) -> PodRequest:
        if bool(self.mount_path) != bool(self.host_path):
            raise ValueError("mountPath and hostPath go together: give both or neither")
        if self.mount_path and self.mount_path in {m.mount_path for m in self.pvc_mounts}:
            raise ValueError(f"mountPath {self.mount_path} is used twice")
        return self

    def to_manifest(self, settings: Settings) -> dict[str, Any]:
        """The Pod object; every pod podbay creates carries the managed-by label."""
        res = (self.resources or ResourceOverrides()).merged(settings.default_resources)
        requests = {"cpu": res.cpu_request, "memory": res.memory_request}
        limits = {k: q for k, q in (("cpu", res.cpu_limit), ("memory", res.memory_limit)) if q}
        container: dict[str, Any] = {
            "name": self.container_name,
            "image": self.image,
            "resources": {"requests": requests, **({"limits": limits} if limits else {})},
        }
        for key, value in (
            ("command", self.command),
            ("args", self.args),
            ("workingDir", self.working_dir),
            ("imagePullPolicy", self.image_pull_policy),
        ):
            if value:
                container[key] = value
        if self.env:
            container["env"] = [{"name": k, "value": val} for k, val in self.env.items()]
        volumes: list[dict[str, Any]] = []
        mounts: list[dict[str, Any]] = []
        if self.host_path and self.mount_path:
            volumes.append({"name": "workspace", "hostPath": {"path": self.host_path}})
            mounts.append({"name": "workspace", "mountPath": self.mount_path})
        for i, pvc in enumerate(self.pvc_mounts):
            name = f"pvc-{i}"
            volumes.append({"name": name, "persistentVolumeClaim": {"claimName": pvc.claim_name}})
            mount: dict[str, Any] = {"name": name, "mountPath": pvc.mount_path}
            if pvc.sub_path:
                mount["subPath"] = pvc.sub_path
            if pvc.read_only:
                mount["readOnly"] = True
            mounts.append(mount)
        if mounts:
            container["volumeMounts"] = mounts
        spec: dict[str, Any] = {"restartPolicy": self.restart_policy, "containers": [container]}
        if volumes:
            spec["volumes"] = volumes
        ttl = self.ttl_seconds or settings.default_ttl_seconds
        if ttl:
            spec["activeDeadlineSeconds"] = ttl
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace or settings.namespace,
                "labels": {**self.labels, MANAGED_BY: MANAGER},
            },
            "spec": spec,
        }


class ServicePort(_Model):
    name: Annotated[str, AfterValidator(v.port_name)] | None = None
    port: Port
    target_port: TargetPort | None = None
    protocol: Literal["TCP", "UDP", "SCTP"] = "TCP"
    node_port: Annotated[int, Field(ge=30000, le=32767)] | None = None


class ServiceRequest(_Model):
    name: Annotated[str, AfterValidator(v.service_name)]
    namespace: DnsLabel | None = None
    selector: Labels
    ports: list[ServicePort] = Field(min_length=1)
    type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    labels: Labels = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> ServiceRequest:
        if not self.selector:
            raise ValueError('selector must name at least one label, e.g. {"app": "web"}')
        if len(self.ports) > 1 and any(not p.name for p in self.ports):
            raise ValueError("with more than one port, every port needs a name")
        if self.type == "ClusterIP" and any(p.node_port for p in self.ports):
            raise ValueError("nodePort is only allowed for NodePort and LoadBalancer services")
        return self

    def to_manifest(self, settings: Settings) -> dict[str, Any]:
        ports = []
        for p in self.ports:
            entry: dict[str, Any] = {"port": p.port, "protocol": p.protocol}
            entry["targetPort"] = p.target_port if p.target_port is not None else p.port
            if p.name:
                entry["name"] = p.name
            if p.node_port:
                entry["nodePort"] = p.node_port
            ports.append(entry)
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace or settings.namespace,
                "labels": {**self.labels, MANAGED_BY: MANAGER},
            },
            "spec": {"type": self.type, "selector": self.selector, "ports": ports},
        }


class BackendPort(_Model):
    number: Port | None = None
    name: Annotated[str, AfterValidator(v.port_name)] | None = None

    @model_validator(mode="after")
    def _one(self) -> BackendPort:
        if (self.number is None) == (self.name is None):
            raise ValueError("give exactly one of port.number or port.name")
        return self


class BackendService(_Model):
    name: Annotated[str, AfterValidator(v.service_name)]
    port: BackendPort


class Backend(_Model):
    service: BackendService


class IngressPath(_Model):
    path: AbsPath = "/"
    path_type: Literal["Prefix", "Exact", "ImplementationSpecific"] = "Prefix"
    backend: Backend


class IngressHttp(_Model):
    paths: list[IngressPath] = Field(min_length=1)


class IngressRule(_Model):
    host: Annotated[str, AfterValidator(v.host_name)] | None = None
    http: IngressHttp


class IngressTls(_Model):
    hosts: list[Annotated[str, AfterValidator(v.host_name)]] = Field(default_factory=list)
    secret_name: (
        Annotated[str, AfterValidator(lambda s: v.dns_subdomain(s, "secret name"))] | None
    ) = None


WEBSOCKET_ANNOTATIONS = {
    "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
    "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
    "nginx.ingress.kubernetes.io/proxy-http-version": "1.1",
    "nginx.ingress.kubernetes.io/proxy-buffering": "off",
    "nginx.ingress.kubernetes.io/connection-proxy-header": "keep-alive",
    "nginx.ingress.kubernetes.io/upgrade-proxy-header": "websocket",
}


def _annotations(values: dict[str, str]) -> dict[str, str]:
    for key in values:
        v.label_key(key)
    return values


class IngressRequest(_Model):
    name: Annotated[str, AfterValidator(lambda s: v.dns_subdomain(s, "ingress name"))]
    namespace: DnsLabel | None = None
    rules: list[IngressRule] = Field(min_length=1)
    tls: list[IngressTls] = Field(default_factory=list)
    ingress_class_name: Annotated[str, AfterValidator(v.dns_subdomain)] | None = None
    annotations: Annotated[dict[str, str], AfterValidator(_annotations)] = Field(
        default_factory=dict
    )
    websocket: bool = Field(default=False, description="add the spec's WebSocket annotations")
    labels: Labels = Field(default_factory=dict)

    def to_manifest(self, settings: Settings) -> dict[str, Any]:
        annotations = {**(WEBSOCKET_ANNOTATIONS if self.websocket else {}), **self.annotations}
        spec: dict[str, Any] = {
            "rules": [r.model_dump(by_alias=True, exclude_none=True) for r in self.rules]
        }
        if self.tls:
            spec["tls"] = [t.model_dump(by_alias=True, exclude_none=True) for t in self.tls]
        if self.ingress_class_name:
            spec["ingressClassName"] = self.ingress_class_name
        metadata: dict[str, Any] = {
            "name": self.name,
            "namespace": self.namespace or settings.namespace,
            "labels": {**self.labels, MANAGED_BY: MANAGER},
        }
        if annotations:
            metadata["annotations"] = annotations
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": metadata,
            "spec": spec,
        }
