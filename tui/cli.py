"""Command line: ``podbay`` (TUI), ``podbay --serve`` (REST), ``podbay sandbox …``.

Imports are deferred to the chosen command so ``--help`` and ``--version`` start fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
        "--request-timeout",
        type=float,
        metavar="SECONDS",
        help="how long an API call may take before it fails (default: settings, 30)",
    )
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
        help="bearer token for REST clients (required off loopback; visible in 'ps': prefer "
        "--token-file or $PODBAY_TOKEN)",
    )
    p.add_argument(
        "--token-file", metavar="PATH", help="read the bearer token from this file's first line"
    )
    p.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests (Host, Origin) naming NAME, e.g. behind a proxy; repeatable",
    )
    p.add_argument(
        "--allow-rest-policy",
        action="store_true",
        help="let REST clients change credential and policy settings (kubeconfig, context, CA, "
        "hostPath, namespace allow-list, protect selector); off by default",
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
    si = sub.add_parser(
        "suggest-image",
        help="propose images from a project's version files (.nvmrc, go.mod, pyproject.toml, …)",
        description="Propose images, best first, from the version files of a project "
        "directory. Offline unless --cluster (or --sandbox/--kubeconfig/--context) is given: "
        "then images already on the cluster's nodes are marked and a matching sandbox image "
        "(podbay.local/…) comes first.",
    )
    si.add_argument("path", nargs="?", default=".", help="the project directory (default: .)")
    si.add_argument("--json", action="store_true", help="machine-readable output")
    si.add_argument(
        "--cluster",
        action="store_true",
        help="mark images the nodes already have (needs permission to list nodes; 3 s timeout)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; an unexpected error is reported in two lines (what failed, where its
    traceback went) and exits 1, while expected ones keep their own messages."""
    global _step
    args = _parser().parse_args(argv)
    if args.command == "sandbox":
        _step = f"running 'podbay sandbox {args.action}'"
        run = _sandbox
    elif args.command == "suggest-image":
        _step = f"suggesting images for {args.path}"
        run = _suggest_image
    elif args.serve:
        _step = "running the REST server"
        run = _serve
    else:
        _step = "running the TUI"
        run = _workbench
    try:
        return run(args)
    except Exception as exc:  # expected errors were reported where they happened
        return _report_bug(exc, _step)


#: What the command is doing, for the report of an unexpected error.
_step = "starting"


@contextlib.contextmanager
def _doing(what: str) -> Iterator[None]:
    """Name the step inside; an error escaping it keeps the name for :func:`_report_bug`."""
    global _step
    outer, _step = _step, what
    yield
    _step = outer


def _report_bug(error: Exception, step: str) -> int:
    """Say what failed and where its traceback went, in two lines instead of a traceback."""
    from tui.app.buglog import record_bug

    print(
        f"podbay: unexpected error while {step}: {type(error).__name__}: {error}", file=sys.stderr
    )
    try:
        log = record_bug(error, step)
    except OSError as exc:  # nowhere to keep it: the traceback is all there is
        print(f"  (could not write the bug log: {exc}); the traceback:", file=sys.stderr)
        traceback.print_exception(error, file=sys.stderr)
        return 1
    print(f"  this is a podbay bug; the traceback is in {log} — please report it", file=sys.stderr)
    return 1


def _session_settings(
    args: argparse.Namespace, sandbox_kubeconfig: Path | None = None
) -> dict[str, Any]:
    """The settings the command line sets for this session (None: not given). With
    ``--sandbox`` they are the sandbox's admin kubeconfig and its context, unless
    ``--context`` names one: a context saved in the settings file belongs to another
    kubeconfig and would leave the session disconnected (issue 9)."""
    kubeconfig, context = args.kubeconfig, args.context
    if sandbox_kubeconfig is not None:
        import yaml

        kubeconfig = str(sandbox_kubeconfig)
        doc = yaml.safe_load(sandbox_kubeconfig.read_text())
        context = context or (doc or {}).get("current-context") or None
    return {
        "kubeconfig": kubeconfig,
        "context": context,
        "namespace": args.namespace,
        "request_timeout_seconds": args.request_timeout,
    }


def _open_workbench(args: argparse.Namespace) -> Workbench | int:
    """The engine for this session: the settings file plus the command line's overrides
    (``--sandbox`` starts the sandbox and uses its admin kubeconfig and context). An exit
    code on an expected error; anything else goes up to :func:`main`'s report."""
    from tui.core import settings as settings_mod
    from tui.core.errors import PodbayError
    from tui.core.workbench import Workbench
    from tui.sandbox.errors import SandboxError

    try:
        sandbox_kubeconfig = None
        if args.sandbox is not None:
            from tui.sandbox.cluster import Sandbox

            try:
                sandbox = Sandbox(args.sandbox)
            except ValueError as exc:  # an invalid name
                print(f"podbay: {exc}", file=sys.stderr)
                return 2
            with _doing(f"starting the sandbox {sandbox.name!r}"):
                sandbox.up()
                sandbox_kubeconfig = sandbox.kubeconfig("admin")
        path = settings_mod.settings_path()
        with _doing(f"reading the settings ({path})"):
            base = settings_mod.load(path)
        with _doing("applying the command line's settings"):
            cli = _session_settings(args, sandbox_kubeconfig)
            settings = settings_mod.with_overrides(base, **cli)
            overrides = settings_mod.override_values(**cli)  # session-only: never saved
    except PodbayError as exc:
        print(f"podbay: {exc.what}\n  what to do: {exc.fix}", file=sys.stderr)
        return 2
    except SandboxError as exc:  # carries its own explanation
        print(f"podbay: {exc}", file=sys.stderr)
        return 1
    with _doing("opening the workbench"):
        return Workbench(settings, path, overrides=overrides)


def _serve(args: argparse.Namespace) -> int:
    wb = _open_workbench(args)
    if isinstance(wb, int):
        return wb
    from tui.server.run import serve

    token = _token(args)
    if isinstance(token, int):
        return token
    return serve(
        wb,
        args.host,
        args.port,
        token,
        allowed_hosts=args.allowed_host,
        rest_policy=args.allow_rest_policy,
    )


def _token(args: argparse.Namespace) -> str | int | None:
    """--token, else --token-file, else $PODBAY_TOKEN; an exit code when the file is bad."""
    if args.token:
        return str(args.token)
    if args.token_file:
        try:
            first = open(args.token_file, encoding="utf-8").readline().strip()  # noqa: SIM115
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "it is not text"
            print(
                f"podbay: cannot read the token file {args.token_file}: {why}\n"
                "  what to do: point --token-file at a readable file whose first line is the token",
                file=sys.stderr,
            )
            return 2
        if not first:
            print(
                f"podbay: the token file {args.token_file} is empty\n"
                "  what to do: write the token on its first line",
                file=sys.stderr,
            )
            return 2
        return first
    return os.environ.get("PODBAY_TOKEN") or None


def _workbench(args: argparse.Namespace) -> int:
    """The TUI, on the configured cluster or (``--sandbox``) on the local sandbox."""
    wb = _open_workbench(args)
    if isinstance(wb, int):
        return wb
    from tui.app.app import make_app

    app = make_app(wb)
    app.run()
    return app.return_code or 0  # 1 after a crash inside the app


def _suggest_image(args: argparse.Namespace) -> int:
    """``podbay suggest-image [PATH] [--json] [--cluster]``: offline by default; with
    --cluster (or a cluster named on the command line) the nodes' images are marked."""
    from tui.core.imagesuggest import ProjectPathError, project_root, suggest_images

    try:
        root = project_root(args.path)
    except ProjectPathError as exc:
        print(f"podbay: {exc.what}\n  what to do: {exc.fix}", file=sys.stderr)
        return 2
    node_images = None
    if args.cluster or args.sandbox is not None or args.kubeconfig or args.context:
        from tui.core.imagesuggest import workbench_node_images

        wb = _open_workbench(args)
        if isinstance(wb, int):
            return wb
        try:
            node_images = workbench_node_images(wb)
        finally:
            wb.close()
        if node_images is None:
            print(
                "podbay: the nodes' images could not be listed (no cluster, or no permission "
                "to list nodes): nothing is marked",
                file=sys.stderr,
            )
    report = suggest_images(root, node_images=node_images)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return 0
    print(_suggestion_table(report.to_json()))
    return 0


def _suggestion_table(doc: dict[str, Any]) -> str:
    """The report for people: one block per suggestion (image, where from, warnings), then
    conflicts and warnings."""
    out = [f"{doc['path']}  ({doc['filesRead']} version files read)"]
    if not doc["suggestions"]:
        out.append("  no version files found: type an image with an exact tag")
    for n, s in enumerate(doc["suggestions"], 1):
        marks = [
            "exact" if s["exact"] else f"derived from {s['derivedFrom'] or 'a range'}",
            s["strength"],
        ]
        if s.get("onNode"):
            marks.append("on a node")
        where = "" if s["directory"] == "." else f"  [{s['directory']}]"
        out.append(f"{n:>3}. {s['image']}{where}  ({', '.join(marks)})")
        for r in s["reasons"]:
            out.append(f"       {r['file']}:{r['line']}  {r['text']}")
        for r in s["disagreeing"]:
            out.append(f"       ≠ {r['file']}:{r['line']}  {r['text']}")
        out.extend(f"       ! {w}" for w in s["warnings"])
    if doc["conflicts"]:
        out.append("conflicts:")
        out.extend(f"  - [{c['directory']}] {c['message']}" for c in doc["conflicts"])
    if doc["warnings"]:
        out.append("warnings:")
        out.extend(f"  - {w}" for w in doc["warnings"])
    return "\n".join(out)


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
