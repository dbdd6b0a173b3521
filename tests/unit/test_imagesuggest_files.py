"""Image suggestion, file kind by file kind: what each file contributes, exact versions as
exact tags in each image's own shape, partial versions and aliases resolved from the data
and labelled derived, malformed files as warnings (never a crash, never a stray line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.imagesuggest_helpers import images, newest, only, project, suggest, warned

# ---- node ---------------------------------------------------------------------------------


def test_nvmrc_exact_is_an_exact_tag_in_node_shape(tmp_path: Path) -> None:
    doc = suggest(project(tmp_path, {".nvmrc": "v20.11.0\n"}))
    s = only(doc, "node")
    assert s["image"] == "node:20.11.0-bookworm-slim"  # distro before -slim
    assert (s["version"], s["exact"], s["strength"]) == ("20.11.0", True, "pin")
    assert s["reasons"] == [{"file": ".nvmrc", "line": 1, "text": "v20.11.0"}]
    assert not [w for w in s["warnings"] if "pin an exact" in w]


def test_nvmrc_grammar_comments_and_key_value_lines(tmp_path: Path) -> None:
    text = "# the team's node\n\nnode_options=--max-old-space-size=4096\n  v18.19.0   # pinned\n"
    s = only(suggest(project(tmp_path, {".nvmrc": text})), "node")
    assert s["image"] == "node:18.19.0-bookworm-slim"
    assert s["reasons"][0]["line"] == 4


def test_nvmrc_with_two_versions_is_invalid_not_a_guess(tmp_path: Path) -> None:
    doc = suggest(project(tmp_path, {".nvmrc": "20\n18\n"}))
    assert doc["suggestions"] == []
    assert warned(doc, ".nvmrc", "2 version lines")


@pytest.mark.parametrize(
    ("alias", "line"),
    [("lts/*", (24,)), ("lts/iron", (20,)), ("lts/jod", (22,)), ("lts/-1", (22,))],
)
def test_nvmrc_lts_aliases_resolve_from_the_data(
    tmp_path: Path, alias: str, line: tuple[int, ...]
) -> None:
    s = only(suggest(project(tmp_path, {".nvmrc": alias + "\n"})), "node")
    version = newest("node", line)
    assert s["image"] == f"node:{version}-bookworm-slim"
    assert (s["exact"], s["derivedFrom"]) == (False, alias)
    assert any("pin an exact version" in w and version in w for w in s["warnings"])


def test_nvmrc_unknown_lts_codename_is_a_warning(tmp_path: Path) -> None:
    doc = suggest(project(tmp_path, {".nvmrc": "lts/zebra\n"}))
    assert doc["suggestions"] == []
    assert warned(doc, ".nvmrc:1", "lts/zebra", "no such LTS codename", "iron")


def test_node_version_partial_is_derived(tmp_path: Path) -> None:
    s = only(suggest(project(tmp_path, {".node-version": "22\n"})), "node")
    assert s["image"] == f"node:{newest('node', (22,))}-bookworm-slim"
    assert s["exact"] is False and s["derivedFrom"] == "22"


def test_package_json_volta_beats_engines_and_both_are_listed(tmp_path: Path) -> None:
    pkg = '{\n  "name": "a",\n  "engines": {\n    "node": ">=18"\n  },\n  "volta": {\n    "node": "20.11.1"\n  }\n}\n'  # noqa: E501
    s = only(suggest(project(tmp_path, {"package.json": pkg})), "node")
    assert s["image"] == "node:20.11.1-bookworm-slim"
    assert s["reasons"] == [{"file": "package.json", "line": 7, "text": "volta.node: 20.11.1"}]
    assert s["agreeing"] == [{"file": "package.json", "line": 4, "text": "engines.node: >=18"}]


def test_package_json_dev_engines_array_and_bun_package_manager(tmp_path: Path) -> None:
    pkg = """{"devEngines": {"runtime": [{"name": "node", "version": "22.11.0"},
    {"name": "bun", "version": "1.1.38"}]}, "packageManager": "bun@1.1.38+sha512.abc"}"""
    doc = suggest(project(tmp_path, {"package.json": pkg}))
    assert only(doc, "node")["image"] == "node:22.11.0-bookworm-slim"
    assert only(doc, "bun")["image"] == "oven/bun:1.1.38"
    assert len(only(doc, "bun")["agreeing"]) == 1  # devEngines and packageManager agree


@pytest.mark.parametrize(
    ("engines", "line"),
    [(">=18 <21", (20,)), ("^20 || ^22", (22,)), ("18.x", (18,)), ("~22.11.0", (22, 11))],
)
def test_engines_range_resolves_to_the_newest_inside(
    tmp_path: Path, engines: str, line: tuple[int, ...]
) -> None:
    pkg = f'{{"engines": {{"node": "{engines}"}}}}'
    s = only(suggest(project(tmp_path, {"package.json": pkg})), "node")
    assert s["version"] == newest("node", line)
    assert (s["exact"], s["strength"], s["derivedFrom"]) == (False, "floor", engines)


def test_pin_beats_floor_and_a_violated_floor_is_a_conflict(tmp_path: Path) -> None:
    root = project(
        tmp_path, {".nvmrc": "18.19.0\n", "package.json": '{"engines": {"node": ">=20"}}'}
    )
    doc = suggest(root)
    s = only(doc, "node")
    assert s["image"] == "node:18.19.0-bookworm-slim"
    assert s["disagreeing"] == [{"file": "package.json", "line": 1, "text": "engines.node: >=20"}]
    [conflict] = doc["conflicts"]
    assert conflict["runtime"] == "node" and conflict["directory"] == "."
    assert [r["file"] for r in conflict["reasons"]] == [".nvmrc", "package.json"]
    assert ">=20" in conflict["message"] and "18.19.0" in conflict["message"]


def test_package_json_malformed_is_a_warning(tmp_path: Path) -> None:
    doc = suggest(project(tmp_path, {"package.json": '{"engines": {"node": ">=18"'}))
    assert doc["suggestions"] == []
    assert warned(doc, "package.json", "not valid JSON")


def test_package_json_without_a_version_gets_the_lts_labelled_default(tmp_path: Path) -> None:
    s = only(suggest(project(tmp_path, {"package.json": '{"name": "x"}'})), "node")
    assert s["version"] == newest("node", (24,)) and s["strength"] == "default"
    assert any("no file names a node version" in w for w in s["warnings"])


def test_volta_extends_is_followed_inside_the_project(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "package.json": '{"volta": {"node": "20.11.0"}}',
            "app/package.json": '{"volta": {"extends": "../package.json"}}',
        },
    )
    s = only(suggest(root), "node", "app")
    assert s["reasons"][0]["file"] == "package.json" and s["exact"]


# ---- python -------------------------------------------------------------------------------


def test_python_version_exact_in_python_shape(tmp_path: Path) -> None:
    s = only(suggest(project(tmp_path, {".python-version": "3.12.1\n"})), "python")
    assert s["image"] == "python:3.12.1-slim-bookworm"  # -slim before the distro
    assert s["exact"] is True


def test_python_version_pyenv_forms(tmp_path: Path) -> None:
    s = only(suggest(project(tmp_path, {".python-version": "3.11.9/envs/tools\n"})), "python")
    assert s["image"] == "python:3.11.9-slim-bookworm"
    s = only(suggest(project(tmp_path / "t", {".python-version": "3.13t\n"})), "python")
    assert s["version"] == newest("python", (3, 13))
    assert any("free-threaded" in w for w in s["warnings"])
    doc = suggest(project(tmp_path / "s", {".python-version": "system\n"}))
    assert doc["suggestions"] == [] and warned(doc, "system", "names no version")
    doc = suggest(project(tmp_path / "p", {".python-version": "pypy3.10-7.3.15\n"}))
    assert doc["suggestions"] == [] and warned(doc, "no official python image")


def test_runtime_txt(tmp_path: Path) -> None:
    s = only(suggest(project(tmp_path, {"runtime.txt": "python-3.11.9\n"})), "python")
    assert (
        s["image"] == "python:3.11.9-slim-bookworm" and s["reasons"][0]["text"] == "python-3.11.9"
    )
    doc = suggest(project(tmp_path / "bad", {"runtime.txt": "3.11 please\n"}))
    assert doc["suggestions"] == [] and warned(doc, "runtime.txt", "python-X.Y")


def test_requires_python_range_and_poetry(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "a"\nrequires-python = ">=3.10,<3.12"\n'
    s = only(suggest(project(tmp_path, {"pyproject.toml": pyproject})), "python")
    assert s["version"] == newest("python", (3, 11))
    assert s["reasons"][0] == {
        "file": "pyproject.toml",
        "line": 3,
        "text": "requires-python: >=3.10,<3.12",
    }
    poetry = '[tool.poetry]\nname = "a"\n\n[tool.poetry.dependencies]\npython = "~3.10"\n'
    s = only(suggest(project(tmp_path / "poetry", {"pyproject.toml": poetry})), "python")
    assert s["version"] == newest("python", (3, 10)) and s["reasons"][0]["line"] == 5


def test_python_pin_and_floor_agree(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {".python-version": "3.12\n", "pyproject.toml": '[project]\nrequires-python=">=3.10"\n'},
    )
    s = only(suggest(root), "python")
    assert s["version"] == newest("python", (3, 12)) and s["strength"] == "pin"
    assert [r["file"] for r in s["agreeing"]] == ["pyproject.toml"]


def test_pyproject_malformed_toml(tmp_path: Path) -> None:
    doc = suggest(project(tmp_path, {"pyproject.toml": "[project\nrequires-python = '>=3'\n"}))
    assert doc["suggestions"] == [] and warned(doc, "pyproject.toml", "not valid TOML")


# ---- ruby ---------------------------------------------------------------------------------


def test_ruby_version_prefix_and_gemset(tmp_path: Path) -> None:
    s = only(suggest(project(tmp_path, {".ruby-version": "ruby-3.3.0@app\n"})), "ruby")
    assert s["image"] == "ruby:3.3.0-slim-bookworm" and s["exact"]


def test_gemfile_lock_beats_gemfile_range(tmp_path: Path) -> None:
    lock = "GEM\n  specs:\n\nRUBY VERSION\n   ruby 3.3.5p100\n\nBUNDLED WITH\n   2.5.3\n"
    root = project(tmp_path, {"Gemfile": 'source "x"\nruby "~> 3.2"\n', "Gemfile.lock": lock})
    s = only(suggest(root), "ruby")
    assert s["image"] == "ruby:3.3.5-slim-bookworm" and s["strength"] == "enforced"
    assert s["reasons"][0] == {
        "file": "Gemfile.lock",
        "line": 5,
        "text": "RUBY VERSION ruby 3.3.5p100",
    }
    assert s["agreeing"][0]["text"] == "ruby ~> 3.2"


def test_gemfile_exact_and_file_reference(tmp_path: Path) -> None:
    s = only(suggest(project(tmp_path, {"gems.rb": "ruby '3.2.2'\n"})), "ruby")
    assert (s["image"], s["strength"]) == ("ruby:3.2.2-slim-bookworm", "enforced")
    root = project(
        tmp_path / "f", {"Gemfile": 'ruby file: ".ruby-version"\n', ".ruby-version": "3.4.1\n"}
    )
    s = only(suggest(root), "ruby")
    assert s["version"] == "3.4.1" and s["strength"] == "enforced"
    assert "ruby file" in s["reasons"][0]["text"]


def test_ruby_stray_lines_make_no_suggestion(tmp_path: Path) -> None:
    doc = suggest(project(tmp_path, {".ruby-version": "hello\n3.2.2\n"}))
    assert doc["suggestions"] == [] and warned(doc, ".ruby-version", "2 lines")
    gemfile = 'gem "ruby-progressbar"\n# ruby "2.7.0"\nruby_version = 2\n'
    doc = suggest(project(tmp_path / "g", {"Gemfile": gemfile}))
    assert only(doc, "ruby")["strength"] == "default"  # nothing read from those lines


# ---- go, rust -----------------------------------------------------------------------------


def test_go_mod_toolchain_before_go(tmp_path: Path) -> None:
    gomod = "module example.com/x\n\ngo 1.22.3\n\ntoolchain go1.22.5\n\nrequire (\n\tgo.uber.org/zap v1.27.0\n)\n"  # noqa: E501
    s = only(suggest(project(tmp_path, {"go.mod": gomod})), "go")
    assert s["image"] == "golang:1.22.5-bookworm" and s["exact"]
    assert s["reasons"] == [{"file": "go.mod", "line": 5, "text": "toolchain go1.22.5"}]
    assert s["agreeing"] == [{"file": "go.mod", "line": 3, "text": "go 1.22.3"}]


def test_go_directive_alone_is_a_floor(tmp_path: Path) -> None:
    s = only(suggest(project(tmp_path, {"go.mod": "module x\n\ngo 1.22\n"})), "go")
    assert s["version"] == newest("golang") and s["strength"] == "floor" and not s["exact"]


def test_go_toolchain_below_the_go_floor_is_a_conflict(tmp_path: Path) -> None:
    doc = suggest(project(tmp_path, {"go.mod": "module x\ngo 1.23.0\ntoolchain go1.22.5\n"}))
    assert only(doc, "go")["version"] == "1.22.5"
    assert len(doc["conflicts"]) == 1 and "go 1.23.0" in doc["conflicts"][0]["message"]


def test_rust_toolchain_files(tmp_path: Path) -> None:
    toml = '[toolchain]\nchannel = "1.75.0"\ncomponents = ["clippy"]\n'
    cargo = '[package]\nname = "a"\nrust-version = "1.70"\n'
    s = only(suggest(project(tmp_path, {"rust-toolchain.toml": toml, "Cargo.toml": cargo})), "rust")
    assert s["image"] == "rust:1.75.0-slim-bookworm" and s["strength"] == "enforced"
    assert s["agreeing"][0]["text"] == "rust-version = 1.70"
    s = only(suggest(project(tmp_path / "legacy", {"rust-toolchain": "stable\n"})), "rust")
    assert s["version"] == newest("rust") and s["derivedFrom"] == "stable"
    doc = suggest(project(tmp_path / "n", {"rust-toolchain": "nightly-2024-01-01\n"}))
    assert doc["suggestions"] == [] and warned(doc, "no official image")


def test_cargo_workspace_rust_version(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["crates/a"]\n\n[workspace.package]\nrust-version = "1.80"\n',  # noqa: E501
            "crates/a/Cargo.toml": '[package]\nname = "a"\nrust-version.workspace = true\n',
        },
    )
    s = only(suggest(root), "rust", "crates/a")
    assert s["reasons"][0]["file"] == "Cargo.toml" and s["reasons"][0]["line"] == 5


# ---- java ---------------------------------------------------------------------------------


POM = """<?xml version="1.0"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <properties>
    <java.version>17</java.version>
    <maven.compiler.release>${java.version}</maven.compiler.release>
  </properties>
</project>
"""


def test_pom_interpolates_and_proposes_temurin_and_maven(tmp_path: Path) -> None:
    wrapper = "distributionUrl=https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/3.9.6/apache-maven-3.9.6-bin.zip\n"
    root = project(tmp_path, {"pom.xml": POM, ".mvn/wrapper/maven-wrapper.properties": wrapper})
    doc = suggest(root)
    java = only(doc, "java")
    assert java["image"].startswith(f"eclipse-temurin:{newest('eclipse-temurin', (17,))}-jdk")
    assert java["reasons"][0]["line"] == 5
    assert "${java.version} = 17" in java["reasons"][0]["text"]
    assert only(doc, "maven")["image"] == "maven:3.9.6-eclipse-temurin-17"


def test_gradle_toolchain_enforced_and_comments_ignored(tmp_path: Path) -> None:
    gradle = (
        "plugins { id 'java' }\n"
        "// sourceCompatibility = '1.8'\n"
        "/* java { toolchain { languageVersion = JavaLanguageVersion.of(11) } } */\n"
        "java {\n  toolchain {\n    languageVersion = JavaLanguageVersion.of(21)\n  }\n}\n"
    )
    s = only(suggest(project(tmp_path, {"build.gradle": gradle})), "java")
    assert s["strength"] == "enforced" and s["reasons"][0]["line"] == 6
    assert s["version"].startswith("21.")
    kts = (
        "kotlin {\n    jvmToolchain(17)\n}\njava { sourceCompatibility = JavaVersion.VERSION_11 }\n"
    )
    s = only(suggest(project(tmp_path / "kts", {"build.gradle.kts": kts})), "java")
    assert s["version"].startswith("17.") and s["agreeing"][0]["line"] == 4


def test_java_version_files_and_java_8_tag_shape(tmp_path: Path) -> None:
    s = only(suggest(project(tmp_path, {".sdkmanrc": "# sdk\njava=21.0.2-tem\n"})), "java")
    assert s["image"].startswith("eclipse-temurin:21.0.2_13-jdk") and s["exact"]
    s = only(suggest(project(tmp_path / "j8", {".java-version": "1.8\n"})), "java")
    assert s["image"].startswith("eclipse-temurin:8u") and "-b" in s["image"]
    assert s["version"].startswith("8u")
    s = only(suggest(project(tmp_path / "c", {".java-version": "corretto-17.0.9\n"})), "java")
    assert any("'corretto' JDK" in w for w in s["warnings"])


def test_pom_without_a_level_gets_the_newest_lts(tmp_path: Path) -> None:
    pom = '<project xmlns="http://maven.apache.org/POM/4.0.0"><artifactId>a</artifactId></project>'
    s = only(suggest(project(tmp_path, {"pom.xml": pom})), "java")
    assert s["version"].startswith("25.") and s["strength"] == "default"


def test_pom_malformed(tmp_path: Path) -> None:
    doc = suggest(project(tmp_path, {"pom.xml": "<project><properties></project>"}))
    assert doc["suggestions"] == [] and warned(doc, "pom.xml", "not valid XML")


# ---- mise, asdf, terraform, deno, bun -----------------------------------------------------


def test_mise_toml_value_shapes_and_lock(tmp_path: Path) -> None:
    mise = '[tools]\nnode = "22"\npython = ["3.12", "3.11"]\ngo = { version = "1.23.4" }\n"npm:prettier" = "3"\n'  # noqa: E501
    lock = '[[tools.node]]\nversion = "22.11.0"\nbackend = "core:node"\n'
    doc = suggest(project(tmp_path, {"mise.toml": mise, "mise.lock": lock}))
    node = only(doc, "node")
    assert node["image"] == "node:22.11.0-bookworm-slim" and node["strength"] == "enforced"
    assert node["reasons"][0] == {"file": "mise.lock", "line": 2, "text": "node 22.11.0"}
    assert node["agreeing"][0]["text"] == "node = 22"
    assert only(doc, "python")["version"] == newest("python", (3, 12))
    assert only(doc, "go")["image"] == "golang:1.23.4-bookworm"
    assert warned(doc, "mise.toml", "no image for prettier")


def test_mise_file_order_and_config_dirs(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            ".mise.toml": '[tools]\nnode = "20.11.0"\n',
            "mise.toml": '[tools]\nnode = "20.10.0"\n',
            ".config/mise.toml": '[tools]\nruby = "3.3.6"\n',
            "mise/config.toml": '[tools]\npython = "3.12.1"\n',
            "docs/config.toml": 'title = "not mise"\n',
        },
    )
    doc = suggest(root)
    assert only(doc, "node")["version"] == "20.11.0"  # .mise.toml beats mise.toml
    assert only(doc, "ruby")["reasons"][0]["file"] == ".config/mise.toml"  # for the root
    assert only(doc, "python")["reasons"][0]["file"] == "mise/config.toml"
    assert doc["conflicts"][0]["runtime"] == "node"  # the two pins disagree: said
    assert "node:20.10.0-bookworm-slim" in images(doc)  # and the other pin is offered


def test_tool_versions_every_tool(tmp_path: Path) -> None:
    tv = (
        "# asdf\n"
        "nodejs 20.11.0 18.19.0  # fallback\n"
        "python: 3.11.9\n"
        "golang 1.22.5\n"
        "ruby 3.3.0\n"
        "java temurin-21.0.2+13.0.LTS\n"
        "terraform 1.7.5\n"
        "elixir 1.16.3-otp-26\n"
        "erlang 26.2.1\n"
        "shellcheck 0.9.0\n"
        "golang 1.22.6\n"
    )
    doc = suggest(project(tmp_path, {".tool-versions": tv}))
    assert set(images(doc)) == {
        "node:20.11.0-bookworm-slim",
        "python:3.11.9-slim-bookworm",
        "golang:1.22.6-bookworm",  # a repeated tool replaces the earlier line
        "ruby:3.3.0-slim-bookworm",
        "eclipse-temurin:21.0.2_13-jdk-jammy",
        "hashicorp/terraform:1.7.5",
        "elixir:1.16.3-otp-26",
    }
    assert only(doc, "node")["reasons"][0]["line"] == 2
    assert warned(doc, ".tool-versions", "no image for shellcheck")
    assert not warned(doc, "erlang")


def test_single_value_version_files(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "tf/.terraform-version": "1.7.5\n",
            "dn/.deno-version": "v2.1.4\n",
            "bn/.bun-version": "1.1.38\n",
            "tl/.terraform-version": "latest:^1.5\n",
            "dp/.deno-version": "2\n",
        },
    )
    doc = suggest(root)
    assert only(doc, "terraform", "tf")["image"] == "hashicorp/terraform:1.7.5"
    assert only(doc, "deno", "dn")["image"] == "denoland/deno:2.1.4"
    assert only(doc, "bun", "bn")["image"] == "oven/bun:1.1.38"
    assert warned(doc, "tl/.terraform-version", "names no version")
    assert warned(doc, "dp/.deno-version", "exact versions only")
    assert len(doc["suggestions"]) == 3
