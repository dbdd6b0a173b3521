"""format_age follows apimachinery's duration.HumanDuration at every threshold."""

from __future__ import annotations

import pytest

from tui.core.age import format_age

M, H, D, Y = 60, 3600, 86400, 365 * 86400


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (-2, "<invalid>"),
        (-1.5, "0s"),  # up to 2s of clock skew is "now"
        (-1, "0s"),
        (0, "0s"),
        (0.9, "0s"),
        (5, "5s"),
        (59, "59s"),
        (60, "60s"),
        (119.9, "119s"),  # seconds up to 2 minutes
        (2 * M, "2m"),
        (5 * M + 10, "5m10s"),
        (9 * M + 59, "9m59s"),
        (10 * M, "10m"),  # minutes only from 10m
        (10 * M + 30, "10m"),
        (179 * M + 59, "179m"),
        (3 * H, "3h"),  # hours and minutes from 3h
        (5 * H + 10 * M, "5h10m"),
        (7 * H + 59 * M + 59, "7h59m"),
        (8 * H, "8h"),  # whole hours from 8h
        (47 * H + 59 * M, "47h"),
        (48 * H, "2d"),  # days and hours from 48h
        (3 * D + 5 * H, "3d5h"),
        (7 * D + 23 * H, "7d23h"),
        (8 * D, "8d"),  # whole days from 8d
        (8 * D + 5 * H, "8d"),
        (729 * D, "729d"),
        (730 * D, "2y"),  # years and days from 2y (365-day years)
        (3 * Y + 20 * D, "3y20d"),
        (8 * Y - D, "7y364d"),
        (8 * Y, "8y"),  # whole years from 8y
        (12 * Y + 100 * D, "12y"),
    ],
)
def test_thresholds(seconds: float, expected: str) -> None:
    assert format_age(seconds) == expected
