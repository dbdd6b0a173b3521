"""Command line: ``podbay`` (TUI), ``podbay --serve`` (REST), ``podbay sandbox …``.

Imports are deferred to the chosen command so ``--help`` and ``--version`` start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tui import __version__

if TYPE_CHECKING:  # imported lazily at run time: --help must stay light
    from tui.core.workbench import Workbench


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="podbay",
        description="A keyboard-driven Kubernetes workbench for ephemeral test pods.",
        epilog="Try it without a cluster: 'podbay sandbox up' then 'podbay --sandbox'.",
    )
    p.add_argument("--version", action="version", version=f"podbay {__version__}")
    p.add_argument("--kubeconfig", metavar="PATH", help="kubeconfig file (default: settings)")
    p.add_argument("--context", metavar="NAME", help="kubeconfig context to use")
    p.add_argument("-n", "--namespace", metavar="NS", help="namespace to work in")
    p.add_argument(
        "--sandbox",
        nargs="?",
        const="default",
        metavar="NAME",
        help="use the local sandbox cluster (starting it if needed)",
    )
    p.add_argument("--serve", action="store_true", help="run the headless REST API instead")
    p.add_argument("--host", default="127.0.0.1", help="REST bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=5003, help="REST port (default 5003)")
    p.add_argument(
        "--token",
        default=os.environ.get("PODBAY_TOKEN"),
        help="bearer token for REST clients ($PODBAY_TOKEN; required off loopback)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sb = sub.add_parser("sandbox", help="a real local Kubernetes for trying podbay and tests")
    sbs = sb.add_subparsers(dest="action", metavar="ACTION", required=True)

    def with_name(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--name", default="default", help="sandbox instance (default: default)")
        return sp

    up = with_name(sbs.add_parser("up", help="build (first time) and start the sandbox"))
    up.add_argument("--nodes", type=int, default=2, help="kwok nodes (default 2)")
    up.add_argument(
        "--real-node",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the kubelet + containerd node (default: on when this machine can run it)",
    )
    up.add_argument("-q", "--quiet", action="store_true", help="print only the kubeconfig path")
    bld = sbs.add_parser("build", help="build (or find cached) binaries and images; start nothing")
    bld.add_argument("--real-node", action=argparse.BooleanOptionalAction, default=None)
    down = with_name(sbs.add_parser("down", help="stop every sandbox process"))
    down.add_argument("--purge", action="store_true", help="also delete its data and certificates")
    st = with_name(sbs.add_parser("status", help="what is running (exit 0 only when ready)"))
    st.add_argument("--json", action="store_true", help="machine-readable output")
    kc = with_name(sbs.add_parser("kubeconfig", help="print the path of a sandbox kubeconfig"))
    kc.add_argument("--user", choices=("admin", "restricted"), default="admin")
    kc.add_argument(
        "--no-ca", action="store_true", help="the variant without CA data (extra-CA testing)"
    )
    kctl = with_name(sbs.add_parser("kubectl", help="run the sandbox's kubectl as admin"))
    kctl.add_argument("args", nargs=argparse.REMAINDER)
    sbs.add_parser("list", help="list sandbox instances on this machine")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "sandbox":
        return _sandbox(args)
    if args.serve:
        return _serve(args)
    return _workbench(args)


def _open_workbench(args: argparse.Namespace) -> Workbench | int:
    """The engine for this session: the settings file plus the command line's overrides
    (``--sandbox`` starts the sandbox and uses its admin kubeconfig). An exit code on error."""
    from tui.core import settings as settings_mod
    from tui.core.errors import PodbayError
    from tui.core.workbench import Workbench

    try:
        kubeconfig = args.kubeconfig
        if args.sandbox is not None:
            from tui.sandbox.cluster import Sandbox

            sandbox = Sandbox(args.sandbox)
            sandbox.up()
            kubeconfig = str(sandbox.kubeconfig("admin"))
        path = settings_mod.settings_path()
        base = settings_mod.load(path)
        cli = {"kubeconfig": kubeconfig, "context": args.context, "namespace": args.namespace}
        settings = settings_mod.with_overrides(base, **cli)
        overrides = settings_mod.override_values(**cli)  # session-only: saving keeps them out
    except PodbayError as exc:
        print(f"podbay: {exc.what}\n  what to do: {exc.fix}", file=sys.stderr)
        return 2
    except Exception as exc:  # SandboxError and friends carry their own explanation
        print(f"podbay: {exc}", file=sys.stderr)
        return 1
    return Workbench(settings, path, overrides=overrides)


def _serve(args: argparse.Namespace) -> int:
    wb = _open_workbench(args)
    if isinstance(wb, int):
        return wb
    from tui.server.run import serve

    return serve(wb, args.host, args.port, args.token)


def _workbench(args: argparse.Namespace) -> int:
    """The TUI, on the configured cluster or (``--sandbox``) on the local sandbox."""
    wb = _open_workbench(args)
    if isinstance(wb, int):
        return wb
    from tui.app.app import make_app

    make_app(wb).run()
    return 0


def _print_usage(sandbox: object) -> None:
    from tui.sandbox.cluster import Sandbox

    assert isinstance(sandbox, Sandbox)
    flag = "" if sandbox.name == "default" else f" --name {sandbox.name}"
    print(
        f"""
The sandbox {sandbox.name!r} is running at {sandbox.server}.
  admin kubeconfig:       {sandbox.kubeconfig("admin")}
  restricted kubeconfig:  {sandbox.kubeconfig("restricted")}
                          (the spec's Role in namespace opencode-manager)
  without CA data:        {sandbox.kubeconfig("admin", with_ca=False)}  (CA file: {sandbox.ca})

  export KUBECONFIG={sandbox.kubeconfig("admin")}
  podbay sandbox kubectl{flag} -- get nodes
  podbay sandbox status{flag}
  podbay sandbox down{flag}
"""
    )


def _sandbox(args: argparse.Namespace) -> int:
    from tui.sandbox.cluster import Sandbox, list_sandboxes
    from tui.sandbox.errors import SandboxError
    from tui.sandbox.progress import Progress

    try:
        if args.action == "list":
            for name in list_sandboxes():
                print(name)
            return 0
        if args.action == "build":
            built = Sandbox("default", Progress()).build(real_node=args.real_node)
            for name, path in built.items():
                print(f"{name:<26} {path}")
            return 0
        sandbox = Sandbox(args.name, Progress(quiet=getattr(args, "quiet", False)))
        if args.action == "up":
            sandbox.up(kwok_nodes=args.nodes, real_node=args.real_node)
            if args.quiet:
                print(sandbox.kubeconfig("admin"))
            else:
                _print_usage(sandbox)
            return 0
        if args.action == "down":
            stopped = sandbox.down(purge=args.purge)
            what = ", ".join(stopped) if stopped else "nothing was running"
            print(
                f"sandbox {sandbox.name!r} stopped ({what}){'; data purged' if args.purge else ''}"
            )
            return 0
        if args.action == "status":
            return _status(sandbox, as_json=args.json)
        if args.action == "kubeconfig":
            print(sandbox.kubeconfig(args.user, with_ca=not args.no_ca))
            return 0
        if args.action == "kubectl":
            rest = args.args[1:] if args.args[:1] == ["--"] else args.args
            kubectl = str(sandbox.binary("kubectl"))
            os.execv(kubectl, [kubectl, f"--kubeconfig={sandbox.kubeconfig('admin')}", *rest])
    except SandboxError as exc:
        print(f"podbay: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"podbay: {exc}", file=sys.stderr)
        return 2
    return 0


def _status(sandbox: object, *, as_json: bool) -> int:
    from tui.sandbox.cluster import Sandbox

    assert isinstance(sandbox, Sandbox)
    st = sandbox.status()
    if as_json:
        print(json.dumps(st.to_json(), indent=2))
        return 0 if st.ready else 1
    print(f"sandbox {st.name!r}: {'ready' if st.ready else 'not ready'}  ({st.root})")
    if st.apiserver:
        print(f"  apiserver {st.apiserver}")
    for c in st.components:
        pid = f"pid {c.pid}" if c.pid and c.state == "running" else ""
        print(f"  {c.name:<24} {c.state:<8} {pid} {c.detail}".rstrip())
    if st.ready:
        print(f"  nodes ready: {', '.join(st.nodes) or 'none'}")
    return 0 if st.ready else 1
