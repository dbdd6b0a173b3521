"""PUT /config cannot widen what a REST client may do, and a file that is not a kubeconfig
is refused when set and explained (never a 500) when found later. No cluster needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.server.local_client import rest_client
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import make_app

API = "/api/kubernetes"

POLICY: dict[str, Any] = {
    "kubeconfigPath": "/tmp/other.kubeconfig",
    "context": "prod-admin",
    "inCluster": True,
    "extraCaFile": "/etc/ssl/certs/ca-certificates.crt",
    "allowHostPath": True,
    "hostPathPrefixes": ["/"],
    "namespaceAllowList": [],
    "protectSelector": "app=nothing",
}


def _bench(tmp_path: Path, **settings: Any) -> tuple[Workbench, Path]:
    path = tmp_path / "settings.yaml"
    kubeconfig = tmp_path / "none"
    base = Settings(kubeconfig=str(kubeconfig), namespace_allow_list=["dev"], **settings)
    path.write_text(yaml.safe_dump(base.model_dump(mode="json")))
    return Workbench(base, path), path


@pytest.mark.parametrize("key", sorted(POLICY))
def test_policy_and_credential_keys_are_read_only_over_rest(tmp_path: Path, key: str) -> None:
    wb, path = _bench(tmp_path)
    before = path.read_bytes()
    with rest_client(make_app(wb)) as client:
        r = client.put(f"{API}/config", json={"enabled": True, key: POLICY[key]})
        assert r.status_code == 403, r.text
        body = r.json()
        assert body["forbidden"] == [key] and key in body["error"]
        assert "--allow-rest-policy" in body["fix"]
        assert path.read_bytes() == before  # nothing saved, not even 'enabled'
        assert client.get(f"{API}/config").json()[key] != POLICY[key]
    wb.close()


def test_the_same_value_and_ordinary_keys_are_accepted(tmp_path: Path) -> None:
    wb, path = _bench(tmp_path)
    with rest_client(make_app(wb)) as client:
        echo = client.get(f"{API}/config").json()
        same = {k: echo[k] for k in POLICY}
        r = client.put(f"{API}/config", json={**same, "namespace": "dev", "enabled": False})
        assert r.status_code == 200, r.text
        assert r.json()["config"] == {
            "enabled": False,
            "namespace": "dev",
            "kubeconfigPath": str(tmp_path / "none"),
        }
        assert yaml.safe_load(path.read_text())["namespace"] == "dev"
    wb.close()


def test_the_opt_in_flag_lets_rest_change_policy(tmp_path: Path) -> None:
    wb, path = _bench(tmp_path)
    with rest_client(make_app(wb, rest_policy=True)) as client:
        r = client.put(f"{API}/config", json={"allowHostPath": True, "hostPathPrefixes": ["/srv"]})
        assert r.status_code == 200, r.text
        saved = yaml.safe_load(path.read_text())
        assert saved["allow_host_path"] is True and saved["host_path_prefixes"] == ["/srv"]
        relative = client.put(f"{API}/config", json={"hostPathPrefixes": ["srv"]})
        assert relative.status_code == 422 and "absolute" in relative.json()["error"]
    wb.close()


def test_a_file_that_is_no_kubeconfig_is_refused_and_nothing_breaks(tmp_path: Path) -> None:
    wb, path = _bench(tmp_path)
    before = path.read_bytes()
    hostname = tmp_path / "hostname"
    hostname.write_text("buildbox\n")
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n- b\n")
    no_context = tmp_path / "empty.kubeconfig"
    no_context.write_text("apiVersion: v1\nkind: Config\nclusters: []\n")
    wrong_section = tmp_path / "wrong.kubeconfig"
    wrong_section.write_text("contexts: {name: x}\n")
    cases = {
        hostname: "holds a YAML str",
        listy: "holds a YAML list",
        no_context: "defines no context",
        wrong_section: "'contexts' must be a list",
        tmp_path / "absent": "does not exist",
    }
    with rest_client(make_app(wb, rest_policy=True)) as client:
        for file, reason in cases.items():
            r = client.put(f"{API}/config", json={"kubeconfigPath": str(file)})
            assert r.status_code == 422, r.text
            assert str(file) in r.json()["error"] and reason in r.json()["error"], r.json()
            assert r.json()["problems"][0]["field"] == "kubeconfigPath"
        assert path.read_bytes() == before
        assert client.get(f"{API}/config").status_code == 200
    wb.close()


def test_a_broken_kubeconfig_found_later_is_a_503_with_the_fix(tmp_path: Path) -> None:
    """Saved by hand (or before this check existed): every route still answers."""
    hostname = tmp_path / "hostname"
    hostname.write_text("buildbox\n")
    wb = Workbench(Settings(kubeconfig=str(hostname)), tmp_path / "settings.yaml")
    with rest_client(make_app(wb)) as client:
        config = client.get(f"{API}/config")
        assert config.status_code == 200
        assert config.json()["connection"]["connected"] is False
        assert "not a kubeconfig" in config.json()["connection"]["error"]
        for method, path in (("GET", "/pods"), ("GET", "/services"), ("POST", "/cleanup")):
            r = client.request(method, f"{API}{path}")
            assert r.status_code == 503, (path, r.text)
            assert f"{hostname} is not a kubeconfig" in r.json()["error"]
            assert "kubeconfig" in r.json()["fix"]
            assert r.json()["diagnosis"]["checks"][0]["status"] == "fail"
        test = client.post(f"{API}/test-connection", json={})
        assert test.status_code == 200 and test.json()["connected"] is False
        assert isinstance(test.json()["error"], str) and "not a kubeconfig" in test.json()["error"]
    wb.close()
