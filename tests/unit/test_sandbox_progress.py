"""The sandbox's progress: plain lines in pipes and CI logs (byte for byte as they always
were), a rich display on a terminal that is gone when the step ends."""

from __future__ import annotations

import io

import pytest

from tui.sandbox.progress import Meter, Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _build(progress: Progress) -> None:
    progress.step("building kube v1 (etcd) from source")
    progress.update("building kube v1: downloading Go modules", every=0)
    for done in (1, 2):
        progress.update(
            f"building kube v1: {done}/2 packages, 0s, now pkg{done}",
            meter=Meter("building kube v1", done, 2, "packages", f"pkg{done}"),
        )
    progress.step("built kube v1 in 0s")


PLAIN = (
    "podbay sandbox: building kube v1 (etcd) from source\n"
    "podbay sandbox: building kube v1: downloading Go modules\n"
    "podbay sandbox: built kube v1 in 0s\n"
)


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    _build(Progress(out))
    assert out.getvalue() == PLAIN  # updates within 30 s of the last one are left out


@pytest.mark.parametrize("ci", ["true", "1"])
def test_plain_lines_on_a_terminal_under_ci(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    out = _Terminal()
    progress = Progress(out)
    assert not progress.live
    _build(progress)
    assert out.getvalue() == PLAIN


def test_quiet_prints_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    out = _Terminal()
    _build(Progress(out, quiet=True))
    assert out.getvalue() == ""


def test_a_terminal_gets_a_display_that_the_next_step_clears(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    out = _Terminal()
    progress = Progress(out)
    assert progress.live
    progress.step("building kube v1 (etcd) from source")
    progress.update(
        "building kube v1: 1/2 packages, 0s, now pkg1",
        meter=Meter("building kube v1", 1, 2, "packages", "pkg1"),
    )
    assert progress._display is not None
    progress.step("built kube v1 in 0s")
    assert progress._display is None  # stopped: the refresh thread is gone
    text = out.getvalue()
    assert "podbay sandbox: building kube v1 (etcd) from source\n" in text
    assert text.endswith("podbay sandbox: built kube v1 in 0s\n")
    assert "1/2 packages" in text and "pkg1" in text  # the meter, not the plain line
    assert "now pkg1" not in text
    assert "\x1b[?25h" in text  # the cursor is shown again


def test_close_ends_a_display_left_by_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    out = _Terminal()
    with pytest.raises(RuntimeError), Progress(out) as progress:
        progress.update("starting etcd", every=0)
        raise RuntimeError("etcd did not start")
    assert progress._display is None
