"""Dockerfiles and Containerfiles: the image of the stage that has the toolchain.

Renovate's grammar (reference §6): a BOM and ``# escape=`` honoured, continuation lines
joined, heredoc bodies skipped; ``ARG NAME=value`` before the first ``FROM`` gives defaults
that ``$NAME``, ``${NAME}``, ``${NAME:-default}`` in ``FROM`` take; ``FROM [--platform=…]
image [AS name]``. A stage built on an earlier stage (``FROM build AS test``) has that
stage's image; ``scratch`` and images still holding ``$`` are skipped (the latter with a
warning). The last stage is usually a runtime (distroless, a JRE, plain alpine/debian): the
stage whose image is a language toolchain is preferred, a stage named test/ci over
build/builder/dev over the others. ``@sha256:`` digests are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.core.imagesuggest.catalog import catalog
from tui.core.imagesuggest.sources import FileContext, Strength
from tui.core.imagesuggest.tags import IMAGE_RUNTIME, RUNTIMES, parse_ref

_RUNTIME_ONLY = re.compile(
    r"(^|/)(distroless|scratch|busybox|alpine|debian|ubuntu|centos|fedora|rockylinux|almalinux"
    r"|amazonlinux|static|static-debian\d+|base-debian\d+|cc-debian\d+)(/|$)|distroless"
    r"|^cgr\.dev/chainguard/(static|glibc-dynamic)$"
)
_TEST_STAGES = ("test", "tests", "testing", "ci", "check", "lint")
_BUILD_STAGES = ("build", "builder", "build-env", "dev", "develop", "development", "deps", "base")
_STAGE_RANK = {**dict.fromkeys(_TEST_STAGES, 3), **dict.fromkeys(_BUILD_STAGES, 2)}


def is_dockerfile(name: str) -> bool:
    return (
        name in ("Dockerfile", "Containerfile", "dockerfile", "containerfile")
        or name.startswith(("Dockerfile.", "Containerfile."))
        or name.endswith((".Dockerfile", ".dockerfile", ".Containerfile"))
    )


@dataclass
class Stage:
    line: int
    written: str  # the image as written
    image: str | None  # ARGs substituted; None when a variable stayed unresolved
    alias: str | None
    base: Stage | None = None  # FROM <earlier stage>

    @property
    def effective(self) -> str | None:
        return self.base.effective if self.base is not None else self.image


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, instruction) with continuations joined and comments dropped."""
    text = text.lstrip("\ufeff")
    raw = text.splitlines()
    escape = "\\"
    for line in raw[:5]:  # parser directives come first
        m = re.match(r"^\s*#\s*escape\s*=\s*(\S)\s*$", line, re.I)
        if m:
            escape = m.group(1)
        elif not re.match(r"^\s*#\s*\w+\s*=", line):
            break
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(raw):
        line = raw[i]
        start = i + 1
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [line.rstrip()]
        while parts[-1].endswith(escape) and i < len(raw):
            parts[-1] = parts[-1][:-1]
            nxt = raw[i]
            i += 1
            if nxt.lstrip().startswith("#"):
                parts.append(escape)  # a comment inside a continuation keeps it going
                continue
            parts.append(nxt.rstrip())
        instruction = " ".join(p.strip() for p in parts if p != escape)
        out.append((start, instruction))
        heredoc = re.search(r"<<-?\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?", instruction)
        if heredoc and not instruction.upper().startswith(("FROM", "ARG")):
            end = heredoc.group(1)
            while i < len(raw) and raw[i].strip() != end:
                i += 1
            i += 1
    return out


_VAR = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


def substitute(value: str, args: dict[str, str | None]) -> str | None:
    """``$VAR`` / ``${VAR}`` / ``${VAR:-default}`` / ``${VAR:+alt}`` from ARG defaults;
    None when a variable has no value."""
    missing = False

    def one(m: re.Match[str]) -> str:
        nonlocal missing
        name = m.group(1) or m.group(4)
        op, word = m.group(2), m.group(3) or ""
        val = args.get(name)
        if op in (":-", "-"):
            return val if val else word
        if op in (":+", "+"):
            return word if val else ""
        if val is None:
            missing = True
            return ""
        return val

    out = _VAR.sub(one, value)
    return None if missing or "$" in out else out


def _unquote(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        return v[1:-1]
    return v


def read_dockerfile(ctx: FileContext) -> None:
    args: dict[str, str | None] = {}
    stages: list[Stage] = []
    for n, instruction in logical_lines(ctx.text):
        word, _, rest = instruction.partition(" ")
        kw = word.upper()
        if kw == "ARG" and not stages:
            for token in re.findall(r"""(?:[^\s"']+|"[^"]*"|'[^']*')+""", rest):
                name, eq, value = token.partition("=")
                args[name] = _unquote(value) if eq else args.get(name)
        elif kw == "FROM":
            tokens = [t for t in rest.split() if not t.startswith("--")]
            if not tokens:
                ctx.warn("FROM without an image", n)
                continue
            alias = tokens[2] if len(tokens) >= 3 and tokens[1].lower() == "as" else None
            image = substitute(tokens[0], args)
            stage = Stage(n, tokens[0], image, alias)
            if image is not None:
                stage.base = next(
                    (s for s in stages if s.alias and s.alias.lower() == image.lower()), None
                )
            if image is None:
                ctx.warn(f"FROM {tokens[0]}: a variable has no default; stage skipped", n)
            stages.append(stage)
    if not stages:
        if ctx.text.strip():
            ctx.warn("no FROM instruction; file ignored")
        return
    _choose(ctx, stages)


def _role(image: str) -> tuple[str, str | None]:
    """("toolchain", runtime) / ("runtime", None) / ("other", None) / ("skip", None)."""
    if image.lower() == "scratch":
        return "skip", None
    ref = parse_ref(image)
    if ref is None:
        return "skip", None
    runtime = IMAGE_RUNTIME.get(ref.repository)
    if runtime == "java" and "jre" in ref.tag:
        return "runtime", None
    if runtime is not None:
        return "toolchain", runtime
    if _RUNTIME_ONLY.search(ref.repository) or ref.repository.endswith("-minimal"):
        return "runtime", None
    return "other", None


def _rank(stage: Stage) -> int:
    return _STAGE_RANK.get((stage.alias or "").lower(), 1)


def _choose(ctx: FileContext, stages: list[Stage]) -> None:
    toolchains: dict[str, Stage] = {}
    others: list[Stage] = []
    jre: Stage | None = None
    for stage in stages:
        image = stage.effective
        if image is None:
            continue
        role, runtime = _role(image)
        if role == "toolchain" and runtime is not None:
            best = toolchains.get(runtime)
            if best is None or _rank(stage) > _rank(best):
                toolchains[runtime] = stage
        elif role == "other" and stage.base is None:
            others.append(stage)
        elif role == "runtime" and "eclipse-temurin" in image:
            jre = stage
    if toolchains:
        for runtime, stage in toolchains.items():
            _add(ctx, stage, runtime)
    elif others:
        _add(ctx, others[-1], None)
    elif jre is not None:  # only a JRE: the JDK of the same release is what tests need
        _add(ctx, jre, "java")


def _add(ctx: FileContext, stage: Stage, runtime: str | None) -> None:
    image = stage.effective
    assert image is not None
    ref = parse_ref(image)
    assert ref is not None
    origin = stage
    while origin.base is not None:  # the reason is the line where the image is written
        origin = origin.base
    shown = f"FROM {origin.written}" + (f" = {image}" if origin.written != image else "")
    shown += f" AS {origin.alias}" if origin.alias else ""
    if origin is not stage and stage.alias:
        shown += f" (used by stage {stage.alias})"
    line = origin.line
    if runtime is None:
        ctx.add(
            f"image:{ref.repository}",
            ref.tag,
            Strength.IMAGE,
            line,
            shown,
            grammar="image",
            image=str(ref),
            digest=ref.digest or None,
        )
        return
    split = split_tag(runtime, ref.tag)
    spec, variant = split if split is not None else ("latest", None)
    if runtime == "java" and variant and "jre" in variant:
        variant = variant.replace("jre", "jdk")
    ctx.add(
        runtime,
        spec,
        Strength.IMAGE,
        line,
        shown,
        grammar="image",
        image=str(ref),
        variant=variant,
        digest=ref.digest or None,
    )


_GENERIC_TAG = re.compile(r"^(\d+(?:\.\d+){0,2}(?:(?:a|b|rc)\d+)?)(-.+)?$")
_TEMURIN_TAG = re.compile(r"^(\d+\.\d+\.\d+_\d+|\d+_\d+|8u\d+-b\d+|\d+(?:\.\d+){0,2})(-.+)?$")


def split_tag(runtime: str, tag: str) -> tuple[str, str | None] | None:
    """(version request, variant) of a tag of the runtime's image: ``20-alpine`` →
    ("20", "-alpine"); ``lts-slim`` → ("lts", "-slim"); ``iron`` → ("lts/iron", None);
    ``21.0.2_13-jdk`` → ("21.0.2+13", "-jdk"). None when the tag names no version."""
    if not tag:
        return None
    if runtime == "deno":  # alpine-2.1.4, 2.1.4
        m = re.fullmatch(r"(?:([a-z]+)-)?(\d+\.\d+\.\d+)", tag)
        return (m.group(2), f"{m.group(1)}-" if m.group(1) else None) if m else None
    if runtime == "java":
        m = _TEMURIN_TAG.match(tag)
        if not m:
            return None
        version = m.group(1)
        if "_" in version:
            version = version.replace("_", "+") if version.count(".") else version.split("_")[0]
        return version, m.group(2)
    m = _GENERIC_TAG.match(tag)
    if m:
        return m.group(1), m.group(2)
    if runtime == "node":
        cat = catalog(RUNTIMES["node"].image)
        words = tag.split("-")
        codes = cat.codenames if cat else {}
        rest = "-" + "-".join(words[1:]) if len(words) > 1 else None
        if words[0] == "lts" and len(words) > 1 and words[1] in codes:
            tail = "-" + "-".join(words[2:]) if len(words) > 2 else None
            return f"lts/{words[1]}", tail
        if words[0] == "lts":
            return "lts", rest
        if words[0] in codes:
            return f"lts/{words[0]}", rest
        if words[0] == "current":
            return "current", rest
    return None
