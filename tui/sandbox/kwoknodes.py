"""The kwok nodes: fake nodes whose pods kwok marks Running without running anything.

They let thousands of pods schedule on a laptop; with a real node beside them they are
tainted, so only pods that tolerate ``kwok.x-k8s.io/node`` (scale tests) land there.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tui.sandbox.components import KWOK_NODE_ANNOTATION
from tui.sandbox.kubectl import Kubectl
from tui.sandbox.progress import Progress

KWOK_TAINT_KEY = "kwok.x-k8s.io/node"  # with a real node: only pods that tolerate it land here
NAME_PREFIX = "kwok-node-"


def node_name(index: int) -> str:
    return f"{NAME_PREFIX}{index}"


def kwok_node(name: str, index: int, *, max_pods: int, tainted: bool) -> dict[str, object]:
    """A Node object kwok manages; capacity set at create time is kept by kwok."""
    capacity = {"cpu": "64", "memory": "512Gi", "pods": str(max_pods), "ephemeral-storage": "1Ti"}
    # kwok hands out pod IPs from the CIDR's own address upwards: start at .1, not .0
    spec: dict[str, object] = {"podCIDR": f"10.{240 + index}.0.1/16"}
    if tainted:
        spec["taints"] = [{"key": KWOK_TAINT_KEY, "value": "fake", "effect": "NoSchedule"}]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {KWOK_NODE_ANNOTATION: "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
                "podbay.dev/sandbox-node": "kwok",
            },
        },
        "spec": spec,
        "status": {
            "capacity": capacity,
            "allocatable": capacity,
            "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux"},
        },
    }


def ensure_kwok_nodes(
    kubectl: Kubectl, count: int, max_pods: int, *, tainted: bool, kwok_port: int
) -> None:
    """Create missing kwok nodes and (un)taint them all. Nodes kept from an earlier run point
    their kubelet endpoint at this run's kwok port (it changes on every up), or logs and exec
    on them would be refused."""
    wanted = {node_name(i): i for i in range(count)}
    existing = set(kubectl("get", "nodes", "-o", "name").split())
    missing = [name for name in wanted if f"node/{name}" not in existing]
    if missing:
        docs = [kwok_node(n, wanted[n], max_pods=max_pods, tainted=tainted) for n in missing]
        # create (not apply): a Node's status is only taken from the create request
        kubectl("create", "-f", "-", stdin=yaml.safe_dump_all(docs))
    endpoint = {"status": {"daemonEndpoints": {"kubeletEndpoint": {"Port": kwok_port}}}}
    for name in wanted:
        if name not in missing:
            kubectl(
                "patch",
                "node",
                name,
                "--subresource=status",
                "--type=merge",
                "-p",
                json.dumps(endpoint),
            )
    if tainted:
        kubectl(
            "taint", "nodes", "-l", "type=kwok", f"{KWOK_TAINT_KEY}=fake:NoSchedule", "--overwrite"
        )
    else:
        kubectl("taint", "nodes", "-l", "type=kwok", f"{KWOK_TAINT_KEY}-", check=False)


def wait_kwok_nodes_ready(kubectl: Kubectl, count: int, *, log: Path, progress: Progress) -> None:
    kubectl.wait_nodes_ready(
        lambda ready: sum(n.startswith(NAME_PREFIX) for n in ready) >= count,
        f"{count} kwok nodes",
        log=log,
        hint="check that kwok is running ('podbay sandbox status')",
        timeout=60.0,
        progress=progress,
    )


def release_kwok_leases(kubectl: Kubectl) -> None:
    """Drop node leases a previous kwok held, so the new kwok manages the nodes at once.

    kwok only manages a node whose Lease it holds; after a restart it would otherwise
    wait for the old lease (40 s) to expire, and new pods would stay Pending meanwhile.
    """
    nodes = kubectl(
        "get", "nodes", "-l", "type=kwok", "-o", "jsonpath={.items[*].metadata.name}"
    ).split()
    if nodes:
        kubectl("delete", "lease", "-n", "kube-node-lease", "--ignore-not-found", *nodes)
