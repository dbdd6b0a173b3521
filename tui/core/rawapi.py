"""Reads of a collection through the API client's public request methods, without the
generated API classes: importing ``CoreV1Api`` builds ~250 pydantic model classes (0.6-0.7 s
here) and each call validates its arguments, all before the first byte of a list is asked
for. Lists and watches, the TUI's start-up path, go through here; rarer calls keep the
generated classes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubernetes import client

JSON = "application/json"


def collection_path(api_version: str, namespace: str, plural: str) -> str:
    """``/api/v1/namespaces/ns/pods`` or ``/apis/networking.k8s.io/v1/namespaces/ns/ingresses``."""
    root = "/api" if "/" not in api_version else "/apis"
    return f"{root}/{api_version}/namespaces/{namespace}/{plural}"


def get(
    api_client: client.ApiClient,
    path: str,
    query: dict[str, str | int | bool],
    *,
    timeout: Any = None,
) -> Any:
    """GET ``path`` with ``query``; the raw urllib3 response (read it, or stream it), or the
    kubernetes client's ApiException for a non-2xx answer, as the generated methods raise."""
    from kubernetes.client.exceptions import ApiException

    params = [(k, str(v).lower() if isinstance(v, bool) else str(v)) for k, v in query.items()]
    request = api_client.param_serialize(
        method="GET",
        resource_path=path,
        query_params=params,
        header_params={"Accept": JSON},
        auth_settings=["BearerToken"],
    )
    answer = api_client.call_api(*request, _request_timeout=timeout)
    if not 200 <= answer.status <= 299:
        answer.read()
        raise ApiException.from_response(http_resp=answer, body=None, data=None)
    return answer.response
