"""Java and its build tools: ``pom.xml``, ``build.gradle(.kts)``, ``.java-version``,
``.sdkmanrc`` and the Maven / Gradle wrapper properties.

* Gradle's ``java { toolchain { languageVersion = JavaLanguageVersion.of(21) } }`` (also
  ``.set(…)``) and Kotlin's ``jvmToolchain(21)`` are enforced: Gradle provisions exactly
  that JDK. ``sourceCompatibility`` / ``targetCompatibility`` are Java levels (floors).
* ``pom.xml``: ``maven.compiler.release`` / ``source`` / ``target``, ``java.version`` and
  the maven-compiler-plugin's ``<release>`` / ``<source>`` / ``<target>`` are levels, with
  ``${property}`` interpolated from ``<properties>``; ``1.8`` is 8.
* ``.java-version`` (jenv, mise): one version, a vendor prefix (``temurin-21``) dropped;
  ``.sdkmanrc``: ``java=21.0.2-tem`` (also ``maven=`` and ``gradle=``).
* A level resolves to the newest release of that feature line: building on the JDK the
  project targets avoids build tools that do not support a newer one yet.
* ``pom.xml`` / ``build.gradle`` also propose the ``maven`` / ``gradle`` image (version
  from the wrapper properties when there is one).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tui.core.imagesuggest.sources import (
    FileContext,
    Strength,
    find_line,
    line_of,
    short,
    value_lines,
)

_TEMURIN_VENDORS = ("tem", "temurin", "adoptopenjdk", "adopt", "openjdk", "oracle", "")


# ---- Maven ---------------------------------------------------------------------------------
def read_pom(ctx: FileContext) -> None:
    try:
        root = ET.fromstring(ctx.text)
    except ET.ParseError as exc:
        ctx.warn(f"not valid XML ({exc}); file ignored")
        return

    def local(tag: object) -> str:
        return str(tag).rsplit("}", 1)[-1]

    props: dict[str, str] = {}
    for el in root:
        if local(el.tag) == "properties":
            for p in el:
                if isinstance(p.tag, str):
                    props[local(p.tag)] = (p.text or "").strip()
    found = False
    for key in ("maven.compiler.release", "maven.compiler.source", "maven.compiler.target"):
        if key in props:
            found |= _level(ctx, props, key, props[key], rf"<{re.escape(key)}>")
    if not found and "java.version" in props:  # Spring Boot's parent reads it
        found = _level(ctx, props, "java.version", props["java.version"], r"<java\.version>")
    # <build><plugins><plugin> maven-compiler-plugin <configuration><release>
    for plugin in root.iter():
        if local(plugin.tag) != "plugin":
            continue
        artifact = next((c.text for c in plugin if local(c.tag) == "artifactId"), None)
        if (artifact or "").strip() != "maven-compiler-plugin":
            continue
        for conf in plugin:
            if local(conf.tag) != "configuration":
                continue
            for c in conf:
                name = local(c.tag)
                if name in ("release", "source", "target") and c.text:
                    found |= _level(
                        ctx,
                        props,
                        f"maven-compiler-plugin {name}",
                        c.text.strip(),
                        r"maven-compiler-plugin",
                        rf"<{name}>",
                    )
    if not found:
        ctx.add("java", "lts", Strength.DEFAULT, 1, "pom.xml (no Java level)", grammar="default")
    ctx.add("maven", "*", Strength.DEFAULT, 1, "pom.xml (a Maven build)", grammar="default")


def _level(ctx: FileContext, props: dict[str, str], key: str, raw: str, *patterns: str) -> bool:
    line = find_line(ctx.text, *patterns)
    value = raw
    for _ in range(5):  # ${a} → ${b} → 17
        m = re.fullmatch(r"\$\{([^}]+)\}", value.strip())
        if m is None:
            break
        if m.group(1) not in props:
            ctx.warn(f"{key}: {raw} refers to a property this pom does not set; ignored", line)
            return False
        value = props[m.group(1)]
    if "${" in value:
        ctx.warn(f"{key}: cannot interpolate {short(raw)}; ignored", line)
        return False
    shown = f"{key}: {raw}" + (f" = {value}" if value != raw else "")
    ctx.add("java", value, Strength.FLOOR, line, shown, grammar="level")
    return True


# ---- Gradle --------------------------------------------------------------------------------
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_LINE_COMMENT = re.compile(r"(^|\s)//.*$", re.MULTILINE)
_TOOLCHAIN = re.compile(
    r"languageVersion(?:\s*=\s*|\.set\(\s*|\s*\.\s*set\s*\(\s*)JavaLanguageVersion\.of\(\s*[\"']?(\d+)[\"']?\s*\)"
    r"|jvmToolchain\(\s*(\d+)\s*\)"
)
_COMPAT = re.compile(
    r"(sourceCompatibility|targetCompatibility)\s*(?:=|\.set\()?\s*"
    r"(JavaVersion\.VERSION_(?:1_)?(\d+)|JavaVersion\.toVersion\(\s*[\"']?([\d.]+)[\"']?\s*\)|[\"']?([\d.]+)[\"']?)"
)


def _blank_comments(text: str) -> str:
    """Comments replaced by spaces (line numbers kept), so commented-out settings are not
    read."""
    text = _BLOCK_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    return _LINE_COMMENT.sub(lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))), text)


def read_gradle(ctx: FileContext) -> None:
    code = _blank_comments(ctx.text)
    found = False
    for m in _TOOLCHAIN.finditer(code):
        value = m.group(1) or m.group(2)
        line = line_of(code, m.start())
        shown = m.group(0).strip()
        ctx.add("java", value, Strength.ENFORCED, line, shown)
        found = True
        break
    for m in _COMPAT.finditer(code):
        value = m.group(3) or m.group(4) or m.group(5)
        line = line_of(code, m.start())
        ctx.add("java", value, Strength.FLOOR, line, m.group(0).strip(), grammar="level")
        found = True
    if not found:
        shown = f"{ctx.rel} (no Java level)"
        ctx.add("java", "lts", Strength.DEFAULT, 1, shown, grammar="default")
    ctx.add("gradle", "*", Strength.DEFAULT, 1, f"{ctx.rel} (a Gradle build)", grammar="default")


# ---- version files and wrappers ------------------------------------------------------------
_MAVEN_URL = r"apache-maven-(\d+\.\d+\.\d+)-bin"
_GRADLE_URL = r"gradle-(\d+\.\d+(?:\.\d+)?)-(?:bin|all)"


def java_value(raw: str) -> tuple[str, str]:
    """(version, vendor) of ``temurin-21.0.2+13.0.LTS``, ``21.0.2-tem``, ``openjdk64-17``."""
    v = raw.strip()
    m = re.fullmatch(r"([A-Za-z][A-Za-z0-9.]*?)-(\d.*)", v)  # vendor-version
    if m:
        return m.group(2), re.sub(r"\d+$", "", m.group(1)).lower()
    m = re.fullmatch(r"(\d[\w.+]*)-([A-Za-z]+)", v)  # version-vendor (SDKMAN)
    if m:
        return m.group(1), m.group(2).lower()
    return v, ""


def vendor_notes(vendor: str) -> tuple[str, ...]:
    if vendor in _TEMURIN_VENDORS:
        return ()
    return (f"the project uses the {vendor!r} JDK; this is Eclipse Temurin of the same version",)


def read_java_version(ctx: FileContext) -> None:
    lines = value_lines(ctx.text)
    if not lines or " " in lines[0][1]:
        ctx.warn("one Java version expected; file ignored")
        return
    n, raw = lines[0]
    value, vendor = java_value(raw)
    ctx.add("java", value, Strength.PIN, n, raw, precedence=1, notes=vendor_notes(vendor))


def read_sdkmanrc(ctx: FileContext) -> None:
    for n, line in value_lines(ctx.text):
        key, eq, raw = line.partition("=")
        key, raw = key.strip(), raw.strip()
        if not eq or not raw:
            ctx.warn(f"not key=value: {short(line)}; ignored", n)
            continue
        if key == "java":
            value, vendor = java_value(raw)
            shown = f"java={raw}"
            ctx.add("java", value, Strength.PIN, n, shown, precedence=2, notes=vendor_notes(vendor))
        elif key in ("maven", "gradle"):
            ctx.add(key, raw, Strength.PIN, n, f"{key}={raw}", precedence=2)


def read_wrapper_properties(ctx: FileContext) -> None:
    """``distributionUrl`` of ``.mvn/wrapper/maven-wrapper.properties`` or
    ``gradle/wrapper/gradle-wrapper.properties``: the build tool's exact version."""
    tool = "maven" if "maven-wrapper" in ctx.rel else "gradle"
    m = re.search(r"^\s*distributionUrl\s*[=:]\s*(\S+)", ctx.text, re.MULTILINE)
    if m is None:
        ctx.warn("no distributionUrl; file ignored")
        return
    url = m.group(1).replace("\\:", ":")
    v = re.search(_MAVEN_URL if tool == "maven" else _GRADLE_URL, url)
    line = line_of(ctx.text, m.start(1))
    if v is None:
        ctx.warn(f"distributionUrl names no {tool} version", line)
        return
    ctx.add(tool, v.group(1), Strength.ENFORCED, line, f"distributionUrl: …{url[-40:]}")
