"""The access review: which of the permissions podbay uses the account holds in a namespace.

One SelfSubjectAccessReview per permission, asked concurrently (the TUI reviews at connect
time, so ~20 sequential round trips would be felt). The result answers ``allowed(verb,
resource)`` for feature gating and, for every permission not granted, says why it matters and
the Role rule that grants it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

__all__ = ["ACCESS", "Access", "AccessReview", "Verdict", "review"]


@dataclass(frozen=True)
class Access:
    """One permission podbay uses; ``optional`` ones degrade a feature instead of failing."""

    verb: str
    resource: str
    group: str = ""
    subresource: str = ""
    optional: str = ""  # what podbay does without it

    @property
    def label(self) -> str:
        res = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        return f"{self.verb} {res}" + (f" ({self.group})" if self.group else "")

    def rule(self) -> str:
        res = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        return f'- apiGroups: ["{self.group}"]  resources: ["{res}"]  verbs: ["{self.verb}"]'


ACCESS: tuple[Access, ...] = (
    *(Access(v, "pods") for v in ("get", "list", "create", "delete")),
    Access("watch", "pods", optional="lists refresh by polling instead of live updates"),
    Access("get", "pods", subresource="log"),
    Access("create", "pods", subresource="exec"),
    Access("get", "pods", subresource="exec", optional="only needed by clusters before 1.30"),
    *(Access(v, "services") for v in ("get", "list", "create", "delete")),
    *(Access(v, "ingresses", "networking.k8s.io") for v in ("get", "list", "create", "delete")),
    Access("list", "persistentvolumeclaims", optional="PVC mounts cannot be listed or checked"),
    Access("list", "events", optional="describe shows no events"),
)

Status = Literal["ok", "fail", "warn"]


@dataclass(frozen=True)
class Verdict:
    """The server's answer for one permission: ``allowed`` is None when it could not be asked."""

    access: Access
    namespace: str
    allowed: bool | None
    error: str = ""  # why the server could not be asked
    user: str = ""  # who the fix should be granted to, when known

    @property
    def status(self) -> Status:
        """ok = granted; fail = a required permission is missing; warn = degraded/unknown."""
        if self.allowed:
            return "ok"
        if self.allowed is None or self.access.optional:
            return "warn"
        return "fail"

    @property
    def reason(self) -> str:
        """What the answer means for podbay, in words."""
        if self.allowed:
            return f"in namespace {self.namespace}"
        if self.allowed is None:
            return f"could not ask the server: {self.error}"
        if self.access.optional:
            return f"not granted in {self.namespace}: {self.access.optional}"
        return f"not granted in namespace {self.namespace}"

    @property
    def fix(self) -> str:
        """The Role rule to add ("" when granted or unknown)."""
        if self.allowed or self.allowed is None:
            return ""
        if self.access.optional:
            return f"to enable, add to the Role: {self.access.rule()}"
        return f"add to the Role bound to {self.user or 'this account'}: {self.access.rule()}"


@dataclass(frozen=True)
class AccessReview:
    namespace: str
    verdicts: tuple[Verdict, ...]

    def verdict(
        self, verb: str, resource: str, subresource: str = "", group: str | None = None
    ) -> Verdict | None:
        for v in self.verdicts:
            a = v.access
            if (a.verb, a.resource, a.subresource) == (verb, resource, subresource) and (
                group is None or a.group == group
            ):
                return v
        return None

    def allowed(
        self, verb: str, resource: str, subresource: str = "", group: str | None = None
    ) -> bool | None:
        """True/False as the server said; None when unknown (not asked, or asking failed)."""
        v = self.verdict(verb, resource, subresource, group)
        return v.allowed if v else None

    def denied(self) -> list[Verdict]:
        """Permissions the server said are not granted, each with ``reason`` and ``fix``."""
        return [v for v in self.verdicts if v.allowed is False]

    def unknown(self) -> list[Verdict]:
        """Permissions the server could not be asked about (``reason`` says why)."""
        return [v for v in self.verdicts if v.allowed is None]

    @property
    def usable(self) -> bool:
        """No required permission is denied (optional ones only degrade features)."""
        return all(v.status != "fail" for v in self.verdicts)


def _ask(api: client.ApiClient, namespace: str, need: Access, timeout: float, user: str) -> Verdict:
    body = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {
                "namespace": namespace,
                "verb": need.verb,
                "resource": need.resource,
                "group": need.group,
                **({"subresource": need.subresource} if need.subresource else {}),
            }
        },
    }
    authz: Any = client.AuthorizationV1Api(api)
    try:
        resp = authz.create_self_subject_access_review(
            body, _request_timeout=timeout, _preload_content=False
        )
        doc = json.loads(resp.data)
    except (ApiException, HTTPError, ValueError) as exc:
        return Verdict(need, namespace, None, error=str(exc).strip(), user=user)
    return Verdict(need, namespace, bool((doc.get("status") or {}).get("allowed")), user=user)


def review(
    api: client.ApiClient,
    namespace: str,
    *,
    timeout: float = 5.0,
    user: str = "",
    entries: Iterable[Access] = ACCESS,
    workers: int = 8,
) -> AccessReview:
    """Ask the server about every entry (concurrently); verdicts keep the entries' order.

    ``user`` only names the account in the fixes. Never raises for API failures: an entry
    that could not be asked has ``allowed is None`` and says why.
    """
    needs = tuple(entries)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(needs)))) as pool:
        verdicts = tuple(pool.map(lambda n: _ask(api, namespace, n, timeout, user), needs))
    return AccessReview(namespace, verdicts)
