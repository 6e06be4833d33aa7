"""One Filters value: typed options in, a clear one-line error for bad ones, JSON both ways."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from retrieval.answer.filters import FilterError, Filters, parse_duration, parse_moment


def test_parse_strips_and_reads_dates() -> None:
    filters = Filters.parse("  DW ", " 2014-06-01", "2014-12-31 ")
    assert filters == Filters("DW", dt.date(2014, 6, 1), dt.date(2014, 12, 31))
    assert Filters.parse("", "", None) == Filters() and not Filters()


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("last week", None, "--since must be a date like 2014-08-20, not 'last week'"),
        (None, "2014-02-30", "--until must be a date like 2014-08-20, not '2014-02-30' (no such day: day is out of range"),
        ("2015-01-01", "2014-01-01", "--since (2015-01-01) is after --until (2014-01-01): swap them"),
    ],
)
def test_bad_values_name_the_option_and_the_fix(since: str | None, until: str | None, message: str) -> None:
    with pytest.raises(FilterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Filters.parse(None, since, until)


def test_names_are_those_of_the_interface() -> None:
    with pytest.raises(FilterError, match="^since must be a date"):
        Filters.parse(None, "soon", None, names=("outlet", "since", "until"))


def test_an_echoed_bad_value_is_cut_short() -> None:
    with pytest.raises(FilterError) as caught:
        Filters.parse(None, "x" * 500, None)
    assert len(str(caught.value)) < 120 and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters("DW"),
        Filters(since=dt.date(2014, 1, 1)),
        Filters("TRT World", dt.date(2014, 1, 1), dt.date(2015, 1, 1)),
    ],
)
def test_json_round_trip(filters: Filters) -> None:
    assert Filters.from_json(filters.to_json()) == filters
    assert Filters.from_json(json.dumps(filters.to_json())) == filters


def test_bad_saved_json_is_a_filter_error() -> None:
    with pytest.raises(FilterError, match="not JSON"):
        Filters.from_json("{nope")
    with pytest.raises(FilterError, match="JSON object"):
        Filters.from_json("[1]")
    with pytest.raises(FilterError, match="saved filter since must be text"):
        Filters.from_json({"since": 20140601})


def test_description_for_people() -> None:
    assert Filters().describe() == ""
    assert Filters("DW", dt.date(2014, 6, 1)).describe() == "from DW, published since 2014-06-01"
    assert Filters(until=dt.date(2014, 6, 1)).describe() == "published until 2014-06-01"


def test_durations_and_moments() -> None:
    now = dt.datetime(2024, 5, 10, 12, tzinfo=dt.timezone.utc)
    assert parse_duration("2w") == dt.timedelta(weeks=2)
    assert parse_moment("12h", "--since", now=now) == dt.datetime(2024, 5, 10, 0, tzinfo=dt.timezone.utc)
    assert parse_moment("2024-05-01", "--since") == dt.date(2024, 5, 1)
    with pytest.raises(FilterError, match="duration must be more than zero"):
        parse_duration("0d")
    with pytest.raises(FilterError, match="--until: 'tomorrow' is not YYYY-MM-DD"):
        parse_moment("tomorrow", "--until")
