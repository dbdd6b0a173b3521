"""Version requests as projects write them, and their resolution to a published version.

A request is exact (``20.11.0``), partial (``20``, ``3.12``), an alias (``lts/iron``,
``lts/*``, ``stable``), a range (npm ``^20 || >=22``, PEP 440 ``>=3.10,<3.13``, Poetry
``^3.8``, RubyGems ``~> 3.2``), a floor (go.mod ``go 1.22``: that or newer) or a Java
level (``17``: the JDK of that feature release). Everything but an exact request resolves
against the catalog (catalog.py) to a concrete version; ``latest``, ``system`` and friends
are refused as unpinned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tui.core.imagesuggest.catalog import Catalog, Entry, Nums, catalog
from tui.core.imagesuggest.sources import short

Kind = str  # "exact" | "partial" | "alias" | "range" | "floor" | "level"


class Unpinned(ValueError):
    """A request that names no version (``latest``, ``system``, ``path:…``)."""


class BadVersion(ValueError):
    """A value that is no version request at all (the file is malformed)."""


def pad(nums: tuple[int, ...]) -> Nums:
    n = (*nums, 0, 0, 0)
    return (n[0], n[1], n[2])


def show(nums: tuple[int, ...]) -> str:
    return ".".join(str(n) for n in nums)


# ---- ranges --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparator:
    op: str  # ">=", ">", "<", "<=", "==", "!=", "!prefix"
    nums: tuple[int, ...]

    def ok(self, v: Nums) -> bool:
        if self.op == "!prefix":
            return v[: len(self.nums)] != self.nums
        b = pad(self.nums)
        return {
            ">=": v >= b,
            ">": v > b,
            "<": v < b,
            "<=": v <= b,
            "==": v == b,
            "!=": v != b,
        }[self.op]


@dataclass(frozen=True)
class Range:
    text: str
    alternatives: tuple[tuple[Comparator, ...], ...]

    def allows(self, v: Nums) -> bool:
        return any(all(c.ok(v) for c in conj) for conj in self.alternatives)

    @property
    def single(self) -> Nums | None:
        """The one version this range allows when it is ``==x.y.z`` (``engines: "20.11.0"``)."""
        if len(self.alternatives) == 1 and len(self.alternatives[0]) == 1:
            c = self.alternatives[0][0]
            if c.op == "==" and len(c.nums) == 3:
                return pad(c.nums)
        return None


_PART = r"(\d+|[xX*])"
_TOKEN = re.compile(
    r"\s*(~=|~>|===|==|!=|>=|<=|>|<|=|\^|~)?\s*v?"
    rf"{_PART}(?:\.{_PART})?(?:\.{_PART})?"
    r"(?:(?:a|b|rc)\d+|-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?\s*,?\s*"
)


def _bump(prefix: tuple[int, ...]) -> Nums:
    return pad((*prefix[:-1], prefix[-1] + 1))


def _comparators(op: str, parts: tuple[str | None, ...]) -> list[Comparator]:
    prefix: list[int] = []
    for p in parts:
        if p is None or not p.isdigit():
            break
        prefix.append(int(p))
    n, base = len(prefix), tuple(prefix)
    if n == 0:  # "*", "x", ">=*": anything (a "<*" matches nothing)
        return [Comparator("<", (0, 0, 0))] if op in ("<", ">") else []
    if op in ("", "=", "==", "==="):
        return [Comparator("==", base)] if n == 3 else [Comparator(">=", base), _lt(base)]
    if op == "!=":
        return [Comparator("!=", base)] if n == 3 else [Comparator("!prefix", base)]
    if op == ">=":
        return [Comparator(">=", base)]
    if op == ">":
        return [Comparator(">", base)] if n == 3 else [Comparator(">=", _bump(base))]
    if op == "<":
        return [Comparator("<", base)]
    if op == "<=":
        return [Comparator("<=", base)] if n == 3 else [_lt(base)]
    if op == "^":
        b = pad(base)
        if b[0] != 0 or n == 1:
            upper = (b[0] + 1, 0, 0)
        elif b[1] != 0 or n == 2:
            upper = (0, b[1] + 1, 0)
        else:
            upper = (0, 0, b[2] + 1)
        return [Comparator(">=", base), Comparator("<", upper)]
    if op == "~":  # npm / Poetry tilde: patch-level changes (minor-level for "~1")
        return [Comparator(">=", base), _lt(base[:2] if n > 1 else base)]
    if op in ("~=", "~>"):  # PEP 440 compatible release, RubyGems pessimistic
        return [Comparator(">=", base), _lt(base[:-1] if n > 1 else base)]
    raise BadVersion(f"unknown operator {op!r}")


def _lt(prefix: tuple[int, ...]) -> Comparator:
    return Comparator("<", _bump(prefix))


def parse_range(text: str) -> Range:
    """npm, PEP 440, Poetry and RubyGems requirement syntax (they overlap; where they
    differ the npm reading is used). BadVersion when ``text`` is none of them."""
    spec = text.strip().strip("\"'")
    if spec.lower() in ("", "*", "x", "any"):
        return Range(text, ((),))
    alternatives = []
    for alt in re.split(r"\s*\|\|?\s*", spec):
        hyphen = re.fullmatch(r"\s*v?([\d.xX*]+)\s+-\s+v?([\d.xX*]+)\s*", alt)
        if hyphen:
            lo = _comparators(">=", tuple(hyphen.group(1).split(".")))
            hi_parts = tuple(hyphen.group(2).split("."))
            hi = _comparators("<=", hi_parts)
            alternatives.append((*lo, *hi))
            continue
        comps: list[Comparator] = []
        pos = 0
        alt = alt.strip().rstrip(",")
        while pos < len(alt):
            m = _TOKEN.match(alt, pos)
            if m is None or m.end() == pos:
                raise BadVersion(f"not a version range: {short(text.strip())}")
            comps.extend(_comparators(m.group(1) or "", (m.group(2), m.group(3), m.group(4))))
            pos = m.end()
        if not alt:
            raise BadVersion(f"not a version range: {short(text.strip())}")
        alternatives.append(tuple(comps))
    return Range(text.strip(), tuple(alternatives))


# ---- requests ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    kind: Kind
    text: str  # the request, normalised ("20.11.0", "lts/iron", ">=18")
    nums: tuple[int, ...] = ()
    range: Range | None = None
    build: int | None = None  # Java: "21.0.2+13"

    @property
    def exactness(self) -> int:
        """For ranking sources of one strength: exact > partial > alias > the rest."""
        return {"exact": 3, "partial": 2, "alias": 1}.get(self.kind, 0)


_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$")
_UNPINNED = ("latest", "system", "ref:", "path:", "tag:", "branch:", "rev:", "sub-")
NODE_ALIASES = ("node", "stable", "current", "lts", "lts/*")


def parse_request(runtime: str, value: str, grammar: str = "version") -> Request:
    """The request ``value`` makes for ``runtime``. Unpinned for ``latest``/``system``/…,
    BadVersion for anything that is not a version request."""
    if grammar == "default":  # a manifest that names no version: the current LTS / newest
        if runtime in ("node", "java"):
            return Request("alias", "lts")
        return Request("range", "*", range=Range("*", ((),)))
    v = value.strip().strip("\"'").strip()
    low = v.lower()
    if not v:
        raise BadVersion("empty version")
    if low.startswith(_UNPINNED) or low in ("*", "any", "lts/-0"):
        raise Unpinned(f"{short(v)} names no version")
    if low.startswith("prefix:"):  # mise: "prefix:1.20"
        v = low = v[len("prefix:") :]
    if grammar == "floor":
        nums = _plain(runtime, v)
        if nums is None:
            raise BadVersion(f"not a version: {short(v)}")
        return Request("floor", show(nums), nums)
    if grammar == "level":
        nums = _java_nums(v)
        if nums is None:
            raise BadVersion(f"not a Java version: {short(v)}")
        return Request("level", str(nums[0]), nums[:1])
    if runtime == "java":
        java = _java_request(v)
        if java is not None:
            return java
    elif runtime == "node" and (low in NODE_ALIASES or low.startswith("lts/") or low == "iojs"):
        if low == "iojs":
            raise BadVersion("io.js has no image")
        return Request("alias", low)
    elif runtime == "rust" and (low in ("stable", "beta") or low.startswith("nightly")):
        if low != "stable":
            raise Unpinned(f"the {low} channel has no official image")
        return Request("alias", low)
    nums = _plain(runtime, v)
    if nums is not None and grammar != "range":
        full = len(nums) == 3 or (runtime == "gradle" and len(nums) == 2)  # Gradle 8.5
        return Request("exact" if full else "partial", show(nums), nums)
    if grammar in ("range", "version"):
        rng = parse_range(v)
        return Request("range", rng.text, range=rng)
    raise BadVersion(f"not a version: {short(v)}")


def _plain(runtime: str, v: str) -> tuple[int, ...] | None:
    if runtime == "java":
        return _java_nums(v)
    m = _VERSION.match(v)
    if not m:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)


_JAVA = re.compile(r"^(?:1\.)?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[_+](\d+))?(?:\.\d+)*(?:\.LTS)?$")
_JAVA8 = re.compile(r"^8u(\d+)(?:-b(\d+))?$")


def _java_parts(v: str) -> tuple[tuple[int, ...], int | None] | None:
    v = v.strip().removeprefix("v")
    m8 = _JAVA8.match(v)
    if m8:
        return (8, 0, int(m8.group(1))), int(m8.group(2)) if m8.group(2) else None
    if v.startswith("1.8.0_"):  # 1.8.0_402
        tail = v[len("1.8.0_") :].split("-")[0]
        return ((8, 0, int(tail)), None) if tail.isdigit() else None
    m = _JAVA.match(v)
    if not m:
        return None
    nums = tuple(int(g) for g in m.groups()[:3] if g is not None)
    if v.startswith("1.") and nums[0] not in (5, 6, 7, 8):  # "1.2" is no Java version
        return None
    build = int(m.group(4)) if m.group(4) else None
    return nums, build


def _java_nums(v: str) -> tuple[int, ...] | None:
    parts = _java_parts(v)
    return parts[0] if parts else None


def _java_request(v: str) -> Request | None:
    parts = _java_parts(v)
    if parts is None:
        return None
    nums, build = parts
    return Request("exact" if len(nums) == 3 else "partial", show(nums), nums, build=build)


# ---- resolution ----------------------------------------------------------------------------
@dataclass
class Resolution:
    """A concrete version for a request: ``entry`` when the catalog has it."""

    nums: Nums
    entry: Entry | None
    exact: bool
    how: str  # "exact", "partial", "alias", "range", "floor", "level"
    warnings: list[str] = field(default_factory=list)


def alias_prefix(cat: Catalog, alias: str) -> tuple[int, ...] | None:
    """The line a node alias names (``lts/iron`` → (20,)); None for "newest" aliases."""
    name = alias.removeprefix("lts/")
    if alias in ("node", "stable", "current"):
        return None
    if cat.image == "eclipse-temurin" and alias == "lts":
        lts = cat.newest(lambda e: java_lts(e.nums[0]) and cat.maintained_line(e.nums[:1]))
        if lts is None:
            raise BadVersion("the data has no maintained Java LTS release")
        return lts.nums[:1]
    lts_majors = sorted(set(cat.codenames.values()))
    active = cat.codenames.get(cat.lts or "")
    if alias in ("lts", "lts/*"):
        if active is None:
            raise BadVersion("the data names no active LTS line")
        return (active,)
    if re.fullmatch(r"-\d+", name):  # lts/-1: the LTS line before the newest
        if active is None:
            raise BadVersion("the data names no active LTS line")
        older = [m for m in lts_majors if m <= active]
        back = int(name[1:])
        if back >= len(older):
            raise BadVersion(f"{alias}: there are only {len(older)} LTS lines in the data")
        return (older[-1 - back],)
    if name in cat.codenames:
        return (cat.codenames[name],)
    known = ", ".join(sorted(cat.codenames, key=cat.codenames.__getitem__))
    raise BadVersion(f"{alias}: no such LTS codename in the image data (known: {known})")


def java_lts(feature: int) -> bool:
    """Java's long-term-support releases: 8, 11, then every fourth from 17 (21, 25, …)."""
    return feature in (8, 11) or (feature >= 17 and (feature - 17) % 4 == 0)


def resolve(image: str | None, req: Request, constraints: tuple[Request, ...] = ()) -> Resolution:
    """A concrete version for ``req`` from ``image``'s catalog (newest matching release,
    maintained first). ``constraints`` (other floors and ranges) narrow a floor or range.
    BadVersion when nothing published matches."""
    cat = catalog(image) if image else None
    if req.kind == "exact":
        nums = pad(req.nums)
        return Resolution(nums, cat.find(nums, req.build) if cat else None, True, "exact")
    if cat is None:
        raise BadVersion(f"{req.text}: {image or 'this image'} publishes exact versions only")

    def others(e: Entry) -> bool:
        return all(allows(c, e.nums, cat) for c in constraints)

    entry: Entry | None
    if req.kind in ("partial", "level"):
        entry = cat.newest(lambda e: e.nums[: len(req.nums)] == req.nums and others(e))
    elif req.kind == "alias":
        prefix = alias_prefix(cat, req.text)
        entry = cat.newest(
            lambda e: (prefix is None or e.nums[: len(prefix)] == prefix) and others(e)
        )
    elif req.kind == "floor":
        entry = cat.newest(lambda e: e.nums >= pad(req.nums) and others(e))
    else:
        assert req.range is not None
        single = req.range.single
        if single is not None:
            return Resolution(single, cat.find(single), True, "exact")
        rng = req.range
        entry = cat.newest(lambda e: rng.allows(e.nums) and others(e))
    if entry is None:
        raise BadVersion(f"no published {image} version matches {short(req.text)}")
    return Resolution(entry.nums, entry, False, req.kind)


def allows(req: Request, nums: Nums, cat: Catalog | None) -> bool:
    """Whether a concrete version satisfies ``req`` (agreement and conflict checks)."""
    if req.kind == "exact":
        return nums == pad(req.nums)
    if req.kind in ("partial",):
        return nums[: len(req.nums)] == req.nums
    if req.kind == "level":
        return nums[0] >= req.nums[0]
    if req.kind == "floor":
        return nums >= pad(req.nums)
    if req.kind == "alias":
        if cat is None:
            return True
        try:
            prefix = alias_prefix(cat, req.text)
        except BadVersion:
            return False
        return prefix is None or nums[: len(prefix)] == prefix
    assert req.range is not None
    return req.range.allows(nums)


def line_allows(req: Request, prefix: tuple[int, ...], cat: Catalog | None) -> bool:
    """Whether every release of the line ``prefix`` (e.g. node 18, as a sandbox image
    ``podbay.local/node:18`` provides it) satisfies ``req``: for partial and alias requests
    the line must lie inside the requested one; for floors and ranges the newest release of
    the line in the catalog (or the line's first release without data) must satisfy it."""
    if req.kind == "exact":
        return False
    if req.kind == "partial":
        return prefix[: len(req.nums)] == req.nums
    if req.kind == "alias":
        if cat is None:
            return False
        try:
            wanted = alias_prefix(cat, req.text)
        except BadVersion:
            return False
        return wanted is not None and prefix[: len(wanted)] == wanted
    newest = cat.newest(lambda e: e.nums[: len(prefix)] == prefix) if cat is not None else None
    return allows(req, newest.nums if newest else pad(prefix), cat)
