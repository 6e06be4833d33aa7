"""Durations and time bounds as typed on the command line (``--older-than 90d``, ``--since 7d``)."""

from __future__ import annotations

import datetime as dt

import pytest

from retrieval.answer.filters import FilterError, check_order, parse_duration, parse_moment


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90d", dt.timedelta(days=90)), ("12h", dt.timedelta(hours=12)), ("2w", dt.timedelta(weeks=2)), (" 7D ", dt.timedelta(days=7))],
)
def test_parse_duration(text: str, expected: dt.timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "90", "d", "0d", "-1d", "1.5d", "3m", "90 days"])
def test_parse_duration_rejects_nonsense(text: str) -> None:
    with pytest.raises(FilterError):
        parse_duration(text)


def test_parse_moment_takes_a_day_an_instant_or_a_duration_ago() -> None:
    now = dt.datetime(2024, 6, 1, 12, tzinfo=dt.timezone.utc)
    assert parse_moment("2024-05-01", "--since") == dt.date(2024, 5, 1)
    assert parse_moment("2024-05-01T10:00:00Z", "--since") == dt.datetime(2024, 5, 1, 10, tzinfo=dt.timezone.utc)
    assert parse_moment("7d", "--since", now=now) == now - dt.timedelta(days=7)
    assert parse_moment("  ", "--since") is None
    with pytest.raises(FilterError, match="--since.*7d"):
        parse_moment("last tuesday", "--since")


def test_a_reversed_range_is_an_error_naming_both_options() -> None:
    with pytest.raises(FilterError, match="--since .* is after --until"):
        check_order(dt.date(2024, 5, 2), dt.date(2024, 5, 1), ("--since", "--until"))
    check_order(dt.date(2024, 5, 1), dt.date(2024, 5, 1))  # one day is a range
