"""Typed times and hours mean what people mean (issue 14: `9`, `9:30`, `0930`; `1.5`, `1,5`, `1:30`)."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError

from core.timeinput import ClockTimeField, HoursField, parse_clock_time, parse_hours


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("9", time(9, 0)),
        ("09", time(9, 0)),
        ("17", time(17, 0)),
        ("0", time(0, 0)),
        ("9:30", time(9, 30)),
        ("09:30", time(9, 30)),
        ("9.30", time(9, 30)),
        ("9h30", time(9, 30)),
        ("0930", time(9, 30)),
        ("930", time(9, 30)),
        ("1730", time(17, 30)),
        (" 23:59 ", time(23, 59)),
    ],
)
def test_times_are_read_as_people_type_them(typed, meant):
    assert parse_clock_time(typed) == meant


@pytest.mark.parametrize("typed", ["", "24", "25:00", "9:60", "12345", "nine", "9:3", "-1", "9:30pm"])
def test_what_is_not_a_time_is_refused_with_the_accepted_forms(typed):
    with pytest.raises(ValidationError) as refused:
        parse_clock_time(typed)
    assert "9:30" in refused.value.messages[0]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("1.5", timedelta(hours=1, minutes=30)),
        ("1,5", timedelta(hours=1, minutes=30)),
        ("1:30", timedelta(hours=1, minutes=30)),
        ("1h30", timedelta(hours=1, minutes=30)),
        ("8", timedelta(hours=8)),
        ("8h", timedelta(hours=8)),
        ("0.25", timedelta(minutes=15)),
        ("90m", timedelta(minutes=90)),
        ("7,75", timedelta(hours=7, minutes=45)),
        ("24", timedelta(hours=24)),
        ("0", timedelta()),
    ],
)
def test_hours_are_read_as_people_type_them(typed, meant):
    assert parse_hours(typed) == meant


@pytest.mark.parametrize("typed", ["", "abc", "1:75", "1.5.5", "-2", "1,5h30"])
def test_what_is_not_an_amount_of_hours_is_refused(typed):
    with pytest.raises(ValidationError) as refused:
        parse_hours(typed)
    assert "1:30" in refused.value.messages[0]


@pytest.mark.parametrize("typed", ["25", "24:01", "1500m"])
def test_more_than_a_day_is_refused(typed):
    with pytest.raises(ValidationError) as refused:
        parse_hours(typed)
    assert "24 hours" in refused.value.messages[0]


def test_form_fields_clean_to_times_and_durations_and_name_the_problem():
    assert ClockTimeField().clean("0930") == time(9, 30)
    assert HoursField().clean("1:30") == timedelta(hours=1, minutes=30)
    assert ClockTimeField(required=False).clean("") is None
    with pytest.raises(ValidationError):
        HoursField().clean("lots")
