"""GET/PUT /config and POST /test-connection: the settings over REST.

A REST client must not widen what it may do: the policy and credential keys (which
cluster and account, which CAs, which namespaces, hostPath, what cleanup spares) belong to
whoever starts the server — the settings file, the command line, the TUI's settings
screen. Over REST they are read-only unless the server was started with
``--allow-rest-policy``; sending the value they already have is not a change.

Both answers carry the seed system's shapes next to podbay's flat keys: GET /config has
``config`` and ``connection`` objects, test-connection has ``connected`` and ``error``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from tui.core.diagnosis import diagnose
from tui.core.errors import PodbayError
from tui.core.kubeconfigfile import KubeconfigError
from tui.core.settings import Settings, SettingsError
from tui.core.workbench import Workbench
from tui.server import errors
from tui.server.routes.common import API, CamelBody
from tui.server.state import RestPolicyDep, WorkbenchDep

router = APIRouter(prefix=API, tags=["config"])

POLICY_KEYS = (
    "kubeconfig",
    "context",
    "in_cluster",
    "extra_ca_file",
    "allow_host_path",
    "host_path_prefixes",
    "namespace_allow_list",
    "protect_selector",
)


class ConfigUpdate(CamelBody):
    """PUT /config: any subset of the settings, in the spec's camelCase. The policy and
    credential keys change only on a server started with --allow-rest-policy."""

    enabled: bool | None = None
    namespace: str | None = None
    kubeconfig_path: str | None = None
    context: str | None = None
    in_cluster: bool | None = None
    extra_ca_file: str | None = None
    allow_host_path: bool | None = None
    host_path_prefixes: list[str] | None = None
    namespace_allow_list: list[str] | None = None
    protect_selector: str | None = None
    default_ttl_seconds: int | None = None


class ConnectionTest(CamelBody):
    """POST /test-connection: optionally the namespace whose access is reviewed."""

    namespace: str | None = None


def camel(key: str) -> str:
    return "kubeconfigPath" if key == "kubeconfig" else to_camel(key)


def config_json(wb: Workbench) -> dict[str, Any]:
    s = wb.settings
    out: dict[str, Any] = {
        "enabled": s.enabled,
        "namespace": s.namespace,
        "kubeconfigPath": s.kubeconfig,
        "context": s.context,
        "inCluster": s.in_cluster,
        "extraCaFile": s.extra_ca_file,
        "allowHostPath": s.allow_host_path,
        "hostPathPrefixes": s.host_path_prefixes,
        "namespaceAllowList": s.namespace_allow_list,
        "protectSelector": s.protect_selector,
        "defaultTtlSeconds": s.default_ttl_seconds,
        # set by the command line or environment for this run only (never saved)
        "sessionOverrides": sorted(camel(k) for k in wb.session_overrides),
    }
    seed_config = {"enabled": s.enabled, "namespace": s.namespace, "kubeconfigPath": s.kubeconfig}
    try:
        if wb.current_connection is None and wb.connecting:  # never wait for another's
            raise PodbayError(  # connect: a credential plugin may take its time
                "connecting to the cluster (reading the kubeconfig, running its credential "
                "plugin if it has one)",
                "ask again in a moment",
            )
        conn = wb.connection
        out.update(connected=True, server=conn.server, error=None)
        connection: dict[str, Any] = {"connected": True, "namespace": s.namespace}
    except PodbayError as exc:
        out.update(connected=False, server=None, error=exc.what, fix=exc.fix)
        connection = {"connected": False}
        if s.enabled:
            connection["error"] = f"{exc.what}. {exc.fix}" if exc.fix else exc.what
    out.update(config=seed_config, connection=connection)
    return out


@router.get("/config")
def get_config(wb: WorkbenchDep) -> dict[str, Any]:
    return config_json(wb)


@router.put("/config", response_model=None)
def put_config(
    wb: WorkbenchDep, rest_policy: RestPolicyDep, update: ConfigUpdate
) -> dict[str, Any] | JSONResponse:
    changes = update.model_dump(exclude_unset=True)
    if "kubeconfig_path" in changes:
        changes["kubeconfig"] = changes.pop("kubeconfig_path")
    current = wb.settings.model_dump()
    widened = [k for k in POLICY_KEYS if k in changes and changes[k] != current.get(k)]
    if widened and not rest_policy:
        names = ", ".join(camel(k) for k in widened)
        return errors.error_body(
            403,
            f"PUT /config may not change {names}: policy and credential settings belong "
            "to whoever starts the server",
            "change them in the settings file, in podbay's Settings screen or on the "
            "command line; or start podbay --serve with --allow-rest-policy",
            forbidden=[camel(k) for k in widened],
        )
    try:  # saved on top of the file; session overrides of other keys stay in effect
        wb.configure(changes)
    except ValidationError as exc:
        return errors.invalid(exc)
    except KubeconfigError as exc:
        return errors.error_body(
            422,
            f"kubeconfigPath: {exc.what}",
            exc.fix,
            problems=[{"field": "kubeconfigPath", "reason": exc.what}],
        )
    except SettingsError as exc:  # the file cannot be read or written: not the body's fault
        return errors.error_body(409, exc.what, exc.fix)
    return {"success": True, **config_json(wb)}


@router.post("/test-connection", response_model=None)
async def test_connection(
    wb: WorkbenchDep,
    request: Annotated[ConnectionTest | None, Body()] = None,
) -> dict[str, Any] | JSONResponse:
    """200 whatever the cluster says: ``connected`` (boolean) and, when false, ``error``
    (a string) tell how it went; ``checks`` has every step with its fix."""
    settings = wb.settings
    if request is not None and request.namespace:
        try:
            settings = Settings.model_validate(
                {**settings.model_dump(), "namespace": request.namespace}
            )
        except ValidationError as exc:
            return errors.invalid(exc)
    diag = await run_in_threadpool(diagnose, settings)
    out: dict[str, Any] = {"success": diag.ok, "connected": diag.ok, **diag.to_json()}
    failed = next((c for c in diag.checks if c.status == "fail"), None)
    if failed is not None:
        fix = f" {failed.fix}" if failed.fix else ""
        out["error"] = f"{failed.name}: {failed.detail}.{fix}"
    return out
