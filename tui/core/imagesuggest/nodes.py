"""Images already on the cluster's nodes (``node.status.images``).

Where the account may list nodes, suggestions whose image a node holds are marked
``onNode``; a ``podbay.local/<runtime>:<tag>`` image (the sandbox's own, built from Debian
packages; no registry has it) that satisfies a suggestion's requirement is offered first,
e.g. ``.nvmrc`` ``18`` → ``podbay.local/node:18``. Listing never raises: without the
permission, without a cluster, or on any error the answer is None and nothing is marked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from tui.core.imagesuggest.catalog import catalog
from tui.core.imagesuggest.report import Suggestion
from tui.core.imagesuggest.tags import IMAGE_RUNTIME, RUNTIMES, parse_ref
from tui.core.imagesuggest.versions import line_allows

if TYPE_CHECKING:
    from kubernetes import client

    from tui.core.workbench import Workbench

SANDBOX_REGISTRY = "podbay.local/"
TIMEOUT = 3.0  # seconds for the one list call: an unreachable cluster must not hold a face


def list_node_images(api: client.ApiClient, *, timeout: float = TIMEOUT) -> frozenset[str] | None:
    """Every image name the nodes report; None when the nodes cannot be listed (403 for
    the spec's Role, no cluster, a timeout)."""
    try:
        from tui.core import rawapi  # not CoreV1Api: its import alone takes ~0.7 s

        resp = rawapi.get(api, "/api/v1/nodes", {}, timeout=timeout)
        doc = json.loads(resp.data) if resp.data else {}
        return frozenset(
            str(name)
            for node in doc.get("items") or []
            for image in (node.get("status") or {}).get("images") or []
            for name in image.get("names") or []
        )
    except Exception:  # any failure means "unknown", never an error
        return None


def workbench_node_images(wb: Workbench, *, timeout: float = TIMEOUT) -> frozenset[str] | None:
    """The node images through the workbench's connection; None when it cannot connect
    (no kubeconfig, ``enabled: false``, unreachable) or may not list nodes."""
    try:
        api = wb.api
    except Exception:  # a face must never fail because of the marks
        return None
    return list_node_images(api, timeout=timeout)


def _normalised(names: Iterable[str]) -> set[str]:
    out = set()
    for name in names:
        ref = parse_ref(name)
        if ref is None:
            continue
        if ref.digest:
            out.add(f"{ref.repository}@{ref.digest}")
        if ref.tag:
            out.add(f"{ref.repository}:{ref.tag}")
    return out


def on_node(image: str, names: set[str]) -> bool:
    ref = parse_ref(image)
    if ref is None:
        return False
    if ref.digest:
        return f"{ref.repository}@{ref.digest}" in names
    return f"{ref.repository}:{ref.tag}" in names


def mark(suggestions: list[Suggestion], node_images: Iterable[str]) -> list[Suggestion]:
    """``suggestions`` with ``on_node`` set, led by the sandbox images that satisfy them."""
    names = _normalised(node_images)
    for s in suggestions:
        s.on_node = on_node(s.image, names)
    local = _sandbox_images(names)
    first: list[Suggestion] = []
    taken: set[tuple[str, str]] = set()
    for s in suggestions:
        if not s.primary or s.sandbox_image or (s.directory, s.runtime) in taken:
            continue
        for tag in local.get(s.runtime, []):
            if _satisfies(s, tag):
                taken.add((s.directory, s.runtime))
                first.append(_sandbox_suggestion(s, tag))
                break
    return first + suggestions


def _sandbox_images(names: set[str]) -> dict[str, list[str]]:
    """runtime → tags of ``podbay.local/<image>:<tag>`` found on the nodes, newest first."""
    out: dict[str, list[str]] = {}
    for name in names:
        if not name.startswith(SANDBOX_REGISTRY) or "@" in name:
            continue
        repo, _, tag = name[len(SANDBOX_REGISTRY) :].partition(":")
        runtime = IMAGE_RUNTIME.get(repo)
        if runtime is not None and re.fullmatch(r"\d+(\.\d+){0,2}", tag):
            out.setdefault(runtime, []).append(tag)
    for tags in out.values():
        tags.sort(key=lambda t: tuple(int(p) for p in t.split(".")), reverse=True)
    return out


def _satisfies(s: Suggestion, tag: str) -> bool:
    if not s.requirements:
        return False
    prefix = tuple(int(p) for p in tag.split("."))
    cat = catalog(RUNTIMES[s.runtime].image)
    return all(line_allows(req, prefix, cat) for req in s.requirements)


def _sandbox_suggestion(s: Suggestion, tag: str) -> Suggestion:
    image = f"{SANDBOX_REGISTRY}{RUNTIMES[s.runtime].image}:{tag}"
    local = Suggestion(
        image,
        s.runtime,
        tag,
        False,
        list(s.reasons),
        s.directory,
        s.strength,
        s.derived_from,
        list(s.agreeing),
        list(s.disagreeing),
        [
            f"the sandbox's own image (Debian's {s.runtime} {tag}.x packages, already on a "
            f"node: no pull); {s.image} is the published image for the same requirement"
        ],
        on_node=True,
        sandbox_image=True,
        requirements=s.requirements,
    )
    return local
