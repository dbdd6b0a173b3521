"""The namespaces a face offers to switch to: the allow-list when one is set, else the
cluster's. A failure is a PodbayError saying what failed, never a silent fallback."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import HTTPError

from tui.core.errors import ApiError, PodbayError, from_api_exception, from_transport_error

if TYPE_CHECKING:  # kubernetes takes ~1 s to import: on first use only
    from kubernetes import client

    from tui.core.workbench import Workbench

__all__ = ["list_namespaces", "namespace_choices"]

LIST_NAMESPACES = "list namespaces"


def list_namespaces(api: client.ApiClient) -> list[str]:
    """The cluster's namespaces, sorted. Raises PodbayError: 403 when the account may not
    list them (namespaces are cluster-wide, so a namespaced Role never grants it), 503 when
    the cluster cannot be reached, and for an answer that is not a namespace list."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    core: Any = client.CoreV1Api(api)
    try:
        resp = core.list_namespace(_preload_content=False)
        items = json.loads(resp.data)["items"]
        return sorted(str(item["metadata"]["name"]) for item in items)
    except ApiException as exc:
        error = from_api_exception(exc, LIST_NAMESPACES)
        if error.status == 403:
            raise ApiError(
                403,
                error.what,
                "namespaces are cluster-wide: a ClusterRole with verb list on namespaces grants "
                "it; or set namespace_allow_list in Settings to offer those namespaces",
                error.reason,
            ) from exc
        raise error from exc
    except HTTPError as exc:
        raise from_transport_error(exc, LIST_NAMESPACES) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise PodbayError(
            f"cannot {LIST_NAMESPACES}: the apiserver's answer is not a namespace list ({exc})",
            "retry; if it persists, check the apiserver",
            status=502,  # the apiserver, or what stands in front of it, answered nonsense
        ) from exc


def namespace_choices(workbench: Workbench) -> list[str]:
    """What a namespace picker offers: the allow-list when the settings have one (no API
    call: only those may be used anyway), else the cluster's namespaces.

    Connects on first use (may block); raises PodbayError as :func:`list_namespaces` does, or
    when no connection can be made.
    """
    allowed = list(workbench.settings.namespace_allow_list)
    return allowed or list_namespaces(workbench.api)
