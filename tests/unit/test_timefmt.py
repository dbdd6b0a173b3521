"""kubectl's age thresholds, one case on each side of every boundary."""

from __future__ import annotations

import pytest

from tui.core.timefmt import format_age

M, H, D, Y = 60, 3600, 86400, 365 * 86400


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-0.5, "0s"),
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (5 * M + 10, "5m10s"),
        (10 * M, "10m"),
        (179 * M, "179m"),
        (3 * H, "3h"),
        (5 * H + 10 * M, "5h10m"),
        (8 * H, "8h"),
        (47 * H, "47h"),
        (2 * D, "2d"),
        (3 * D + 5 * H, "3d5h"),
        (8 * D, "8d"),
        (2 * Y - D, "729d"),
        (2 * Y, "2y"),
        (3 * Y + 20 * D, "3y20d"),
        (8 * Y, "8y"),
    ],
)
def test_format_age_matches_kubectl(seconds: float, text: str) -> None:
    assert format_age(seconds) == text
