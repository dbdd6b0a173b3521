"""The sandbox is a real Kubernetes: scheduling, logs (follow), exec, RBAC, through the API.

Pods here go to kwok nodes (the scale nodes); tests/sandbox/test_real_node.py covers the
kubelet + containerd node."""

from __future__ import annotations

import json
import threading
import time

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.conftest import Namespace, api_client
from tests.kube_helpers import exec_outcome, exec_stream, pod_manifest, tty_size_seen, wait_pod
from tui.sandbox.cluster import Sandbox

pytestmark = pytest.mark.cluster


def test_pod_is_scheduled_and_reaches_running(namespace: Namespace) -> None:
    namespace.core.create_namespaced_pod(namespace.name, pod_manifest("runs", kwok=True))
    pod = wait_pod(namespace.core, namespace.name, "runs", ("Running",))
    assert pod.spec.node_name.startswith("kwok-node-")
    assert pod.status.pod_ip.startswith("10.24")
    assert all(cs.ready for cs in pod.status.container_statuses)


def test_logs_are_served_and_follow_sees_lines_written_later(
    namespace: Namespace, sandbox: Sandbox
) -> None:
    core = namespace.core
    core.create_namespaced_pod(namespace.name, pod_manifest("logger", kwok=True))
    wait_pod(core, namespace.name, "logger", ("Running",))
    assert "kwok node" in core.read_namespaced_pod_log("logger", namespace.name)

    # A client of its own: the follow stream holds its connection until it ends.
    follower = api_client(sandbox.kubeconfig("admin"))
    resp = client.CoreV1Api(follower).read_namespaced_pod_log(
        "logger", namespace.name, follow=True, _preload_content=False, _request_timeout=(5, 15)
    )
    marker = f"written-after-open-{time.time_ns()}"
    seen: list[str] = []

    def reader() -> None:
        text = ""
        try:
            for chunk in resp.stream(amt=1024):
                text += chunk.decode()
                if marker in text:
                    break
        except Exception:  # read timeout: the marker never came
            pass
        seen.append(text)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    time.sleep(0.5)  # the stream is open before the line is written
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())
    with sandbox.layout.kwok_logs.open("a") as log:
        log.write(f"{stamp} stdout F {marker}\n")
    thread.join(timeout=20)
    resp.release_conn()
    follower.close()
    assert seen and marker in seen[0]


def test_exec_returns_output_and_reports_nonzero_exit(namespace: Namespace) -> None:
    namespace.core.create_namespaced_pod(namespace.name, pod_manifest("execd", kwok=True))
    wait_pod(namespace.core, namespace.name, "execd", ("Running",))
    assert (
        exec_stream(namespace.core, namespace.name, "execd", ["sh", "-c", "echo hello-from-exec"])
        == "hello-from-exec\n"
    )

    out, err, status = exec_outcome(
        namespace.core, namespace.name, "execd", ["sh", "-c", "echo out; echo err >&2; exit 3"]
    )
    assert (out, err) == ("out\n", "err\n")
    # kwok wraps the command's exit error, so the status is a Failure naming the code;
    # the real node (kubelet + containerd) returns a proper NonZeroExitCode status.
    assert status["status"] == "Failure"
    assert "exit status 3" in status["message"]


def test_exec_tty_resize_reaches_the_process(namespace: Namespace) -> None:
    namespace.core.create_namespaced_pod(namespace.name, pod_manifest("tty", kwok=True))
    wait_pod(namespace.core, namespace.name, "tty", ("Running",))
    out = tty_size_seen(namespace.core, namespace.name, "tty", 101, 37)
    assert "37 101" in out


def test_restricted_account_can_work_in_its_namespace_only(
    namespace: Namespace, sandbox: Sandbox
) -> None:
    core = client.CoreV1Api(namespace.restricted())
    core.create_namespaced_pod(namespace.name, pod_manifest("mine", kwok=True))
    assert [p.metadata.name for p in core.list_namespaced_pod(namespace.name).items] == ["mine"]

    with pytest.raises(ApiException) as secrets:
        core.list_namespaced_secret(namespace.name)
    assert secrets.value.status == 403
    assert 'cannot list resource "secrets"' in json.loads(secrets.value.body)["message"]

    with pytest.raises(ApiException) as other:
        core.list_namespaced_pod("default")
    assert other.value.status == 403
    assert 'in the namespace "default"' in json.loads(other.value.body)["message"]


def test_sandbox_restricted_kubeconfig_is_bound_to_the_spec_role(sandbox: Sandbox) -> None:
    api = api_client(sandbox.kubeconfig("restricted"))
    try:
        core = client.CoreV1Api(api)
        core.list_namespaced_pod("opencode-manager")  # allowed
        review = client.AuthorizationV1Api(api).create_self_subject_access_review(
            {
                "spec": {
                    "resourceAttributes": {
                        "namespace": "opencode-manager",
                        "verb": "watch",
                        "resource": "pods",
                    }
                }
            }
        )
        assert review.status.allowed is False  # the spec's Role grants no watch
        with pytest.raises(ApiException) as exc:
            core.list_namespaced_pod("kube-system")
        assert exc.value.status == 403
    finally:
        api.close()


def test_kubeconfig_without_ca_needs_the_extra_ca_file(sandbox: Sandbox) -> None:
    import yaml
    from kubernetes import config as kconfig

    path = sandbox.kubeconfig("admin", with_ca=False)
    doc = yaml.safe_load(path.read_text())
    assert "certificate-authority-data" not in doc["clusters"][0]["cluster"]

    cfg = client.Configuration()
    kconfig.load_kube_config(config_file=str(path), client_configuration=cfg)
    bare = client.ApiClient(cfg)
    with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
        client.VersionApi(bare).get_code(_request_timeout=5)
    bare.close()

    cfg.ssl_ca_cert = str(sandbox.ca)
    trusted = client.ApiClient(cfg)
    assert client.VersionApi(trusted).get_code().git_version == "v1.34.4"
    trusted.close()
