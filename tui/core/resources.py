"""Namespaced collections (pods, services, ingresses) behind one small, policy-checked
surface: raw-JSON list/get, create from a manifest, delete. Errors become ApiError."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from urllib3.exceptions import HTTPError

from tui.core import rawapi
from tui.core.errors import ApiError, PodbayError, from_api_exception, from_transport_error
from tui.core.models import MANAGED_BY, MANAGER
from tui.core.settings import Settings

if TYPE_CHECKING:
    from kubernetes import client


class PolicyError(PodbayError):
    """A request the settings do not allow (hostPath, namespace allow-list)."""

    status = 403


def allowed_namespace(settings: Settings, namespace: str | None) -> str:
    """``namespace`` (or the configured one), or PolicyError when the allow-list refuses it.
    Needs no connection, so a caller can check before any blocking work."""
    ns = namespace or settings.namespace
    if not settings.namespace_allowed(ns):
        allowed = ", ".join(settings.namespace_allow_list)
        raise PolicyError(
            f"namespace {ns!r} is not in podbay's allow-list (setting namespace_allow_list: "
            f"{allowed})",
            f"use one of {allowed}, or add {ns} to namespace_allow_list in Settings "
            "(namespaceAllowList in the REST config)",
        )
    return ns


class Request(Protocol):
    """What a create takes: a validated request model (core/models.py)."""

    namespace: str | None

    def to_manifest(self, settings: Settings) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ApiResource:
    """What the apiserver calls a kind and which client class serves it. The rest of what
    podbay knows about a kind (names to type, columns, rows, describe) is in kinds.py."""

    kind: str  # Pod
    singular: str  # pod
    plural: str  # pods: the URL path segment, and the name of the list
    api_version: str  # group/version as a manifest's apiVersion: v1, networking.k8s.io/v1
    api_class: str  # in kubernetes.client; resolved on use (importing it takes ~1 s)

    def api(self, api_client: client.ApiClient) -> Any:
        from kubernetes import client

        return getattr(client, self.api_class)(api_client)

    def method(self, verb: str) -> str:
        return f"{verb}_namespaced_{self.singular}"

    def path(self, namespace: str) -> str:
        """The collection's URL path in ``namespace``."""
        return rawapi.collection_path(self.api_version, namespace, self.plural)


POD = ApiResource("Pod", "pod", "pods", "v1", "CoreV1Api")
SERVICE = ApiResource("Service", "service", "services", "v1", "CoreV1Api")
INGRESS = ApiResource("Ingress", "ingress", "ingresses", "networking.k8s.io/v1", "NetworkingV1Api")


class Collection:
    """One kind of namespaced object for one API client under the given settings."""

    kind: ApiResource

    def __init__(self, api: client.ApiClient, settings: Settings) -> None:
        self.api_client = api
        self.settings = settings

    @functools.cached_property
    def client(self) -> Any:
        """The generated API class, built on first use: lists and watches (the start-up
        path) do without it (rawapi). Any: calls pass plain dicts and read raw JSON
        (_preload_content=False), which the client's model-typed signatures do not describe."""
        return self.kind.api(self.api_client)

    def _get(self, action: str, path: str, **query: str | int | bool) -> dict[str, Any]:
        """A read through :mod:`rawapi`, with the errors :meth:`_call` gives."""
        from kubernetes.client.exceptions import ApiException

        try:
            resp = rawapi.get(self.api_client, path, query)
            data: dict[str, Any] = json.loads(resp.data) if resp.data else {}
            return data
        except ApiException as exc:
            raise from_api_exception(exc, action) from exc
        except HTTPError as exc:  # no answer: 504 when it timed out, else 503
            raise from_transport_error(exc, action) from exc

    def namespace(self, namespace: str | None) -> str:
        return allowed_namespace(self.settings, namespace)

    def _call(self, verb: str, action: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from kubernetes.client.exceptions import ApiException

        try:
            resp = getattr(self.client, self.kind.method(verb))(
                *args, _preload_content=False, **kwargs
            )
            data: dict[str, Any] = json.loads(resp.data) if resp.data else {}
            return data
        except ApiException as exc:
            raise from_api_exception(exc, action) from exc
        except HTTPError as exc:  # no answer: 504 when it timed out, else 503
            raise from_transport_error(exc, action) from exc

    def list_raw(self, namespace: str | None = None, label_selector: str = "") -> dict[str, Any]:
        """The list as plain JSON: model objects are ~8x slower to build at 5,000 items."""
        ns = self.namespace(namespace)
        query = {"labelSelector": label_selector} if label_selector else {}
        return self._get(f"list {self.kind.plural} in namespace {ns}", self.kind.path(ns), **query)

    def list_pages(
        self, namespace: str | None = None, *, first: int = 500, then: int = 5000
    ) -> Iterator[dict[str, Any]]:
        """The list in pages (``limit`` + ``continue``), all of one snapshot: a small first
        page a face can draw at once, then larger ones. The last page's resourceVersion is
        the snapshot's, to watch from. An expired continue token is an ApiError 410."""
        ns = self.namespace(namespace)
        action = f"list {self.kind.plural} in namespace {ns}"
        limit, token = first, ""
        while True:
            extra = {"continue": token} if token else {}
            page = self._get(action, self.kind.path(ns), limit=limit, **extra)
            yield page
            token = str(page.get("metadata", {}).get("continue") or "")
            if not token:
                return
            limit = then

    def get(self, name: str, namespace: str | None = None) -> dict[str, Any]:
        ns = self.namespace(namespace)
        return self._call("read", f"get {self.kind.singular} {name} in namespace {ns}", name, ns)

    def manifest(self, request: Request) -> dict[str, Any]:
        """Exactly what :meth:`create` sends for ``request`` (the wizard's YAML preview),
        with the namespace and the policy checked."""
        manifest = request.to_manifest(self.settings)
        manifest["metadata"]["namespace"] = self.namespace(request.namespace)
        self.check_policy(manifest)
        return manifest

    def check_policy(self, manifest: dict[str, Any]) -> None:
        """PolicyError when the settings forbid something in ``manifest`` (beyond the
        namespace, which every call checks). Kinds with such rules override this."""

    def create(self, request: Request, *, dry_run: bool = False) -> dict[str, Any]:
        return self.create_manifest(self.manifest(request), dry_run=dry_run)

    def create_manifest(self, manifest: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Create from a manifest (a request's, or YAML a person edited): the namespace and
        policy are checked here too, and the managed-by label is always set, so cleanup
        knows the object as podbay's. ``dry_run``: the apiserver validates and admits it
        (admission webhooks included) but stores nothing."""
        metadata = manifest.setdefault("metadata", {})
        ns = self.namespace(metadata.get("namespace"))
        metadata["namespace"] = ns
        metadata["labels"] = {**(metadata.get("labels") or {}), MANAGED_BY: MANAGER}
        self.check_policy(manifest)
        name = metadata.get("name", "")
        extra = {"dry_run": "All"} if dry_run else {}
        return self._call(
            "create", f"create {self.kind.singular} {name} in namespace {ns}", ns, manifest, **extra
        )

    def delete(
        self,
        name: str,
        namespace: str | None = None,
        grace_seconds: int | None = None,
        *,
        uid: str | None = None,
    ) -> None:
        """Delete ``name``; with ``uid`` only that very object (409 if it was replaced)."""
        ns = self.namespace(namespace)
        body = {"preconditions": {"uid": uid}} if uid else None
        action = f"delete {self.kind.singular} {name} in namespace {ns}"
        try:
            self._call("delete", action, name, ns, grace_period_seconds=grace_seconds, body=body)
        except ApiError as exc:
            if uid and exc.status == 409:  # the UID precondition: not the object chosen
                raise ApiError(
                    409,
                    f"cannot {action}: it was replaced since it was chosen (another "
                    f"{self.kind.singular} has its name now)",
                    f"the new {self.kind.singular} was left alone; reload the list and choose "
                    "again if it should go",
                    exc.reason,
                ) from exc
            raise
