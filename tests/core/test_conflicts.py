"""Two 409s, two causes: a name that is taken (pick another name) and a delete whose UID
precondition found another object under the name (it was replaced: reload and choose)."""

from __future__ import annotations

import pytest

from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest
from tui.core.errors import ApiError
from tui.core.pods import Pods
from tui.core.settings import Settings

pytestmark = pytest.mark.cluster


def test_a_taken_name_and_a_replaced_object_say_different_things(namespace: Namespace) -> None:
    ns = namespace.name
    pods = Pods(namespace.admin, Settings(namespace=ns))
    manifest = pod_manifest("web", kwok=True)
    pods.create_manifest(manifest)
    with pytest.raises(ApiError) as taken:
        pods.create_manifest(pod_manifest("web", kwok=True))
    assert taken.value.status == 409
    assert f"cannot create pod web in namespace {ns}" in taken.value.what
    assert "already exists" in taken.value.what
    assert "pick another name" in taken.value.fix

    chosen_uid = "the-uid-of-a-web-that-was-deleted"
    with pytest.raises(ApiError) as replaced:
        pods.delete("web", ns, uid=chosen_uid)
    assert replaced.value.status == 409
    assert f"cannot delete pod web in namespace {ns}" in replaced.value.what
    assert "replaced since it was chosen" in replaced.value.what
    assert "pick another name" not in replaced.value.fix
    assert "reload the list" in replaced.value.fix
    assert pods.get("web", ns)["metadata"]["name"] == "web"  # the new one was left alone
