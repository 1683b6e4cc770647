"""What people type for a time of day and for an amount of hours, read the way they mean it.

Times: `9` is 09:00, `17` is 17:00, `9:30`, `09.30` and `9h30` are 09:30, `0930` and `930` are
09:30. Hours: `1.5` and `1,5` (a decimal comma) are 1.5 h, `1:30` and `1h30` are 1 h 30 min,
`90m` is 1.5 h, `8h` is 8 h. Both the pages' form fields and any other surface taking typed
text use these, so a value means the same everywhere.
"""

import re
from datetime import time, timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

TIME_HELP = gettext_lazy("Type 9, 9:30 or 0930.")
HOURS_HELP = gettext_lazy("Type 1.5, 1,5 or 1:30 (one and a half hours).")
MAX_HOURS = 24

_TIME_WITH_SEPARATOR = re.compile(r"^(\d{1,2})\s*[:.h]\s*(\d{2})$")
_TIME_DIGITS = re.compile(r"^(\d{1,4})$")
_HOURS_MINUTES = re.compile(r"^(\d{1,2})\s*[:h]\s*(\d{1,2})$")
_DECIMAL_HOURS = re.compile(r"^(\d{1,2})(?:[.,](\d{1,4}))?\s*h?$")
_MINUTES = re.compile(r"^(\d{1,4})\s*(?:m|min)$")


def parse_clock_time(text: str) -> time:
    """A typed time of day; ValidationError (with the accepted forms) when it is none."""
    value = (text or "").strip().lower()
    hour = minute = None
    if match := _TIME_WITH_SEPARATOR.match(value):
        hour, minute = int(match[1]), int(match[2])
    elif match := _TIME_DIGITS.match(value):
        digits = match[1]
        if len(digits) <= 2:
            hour, minute = int(digits), 0
        else:  # 930 → 9:30, 0930 → 09:30, 1730 → 17:30
            hour, minute = int(digits[:-2]), int(digits[-2:])
    if hour is None or not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValidationError(
            gettext("“%(text)s” is not a time of day. Type 9, 9:30 or 0930.") % {"text": text}, code="invalid_time"
        )
    return time(hour, minute)


def parse_hours(text: str) -> timedelta:
    """A typed amount of hours as a duration, to the second; ValidationError when it is none
    or more than a day."""
    value = (text or "").strip().lower()
    worked = None
    if match := _HOURS_MINUTES.match(value):
        hours, minutes = int(match[1]), int(match[2])
        if minutes < 60:
            worked = timedelta(hours=hours, minutes=minutes)
    elif match := _MINUTES.match(value):
        worked = timedelta(minutes=int(match[1]))
    elif match := _DECIMAL_HOURS.match(value):
        try:
            amount = Decimal(f"{match[1]}.{match[2] or 0}")
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            amount = None
        if amount is not None:
            worked = timedelta(seconds=int((amount * 3600).to_integral_value()))
    if worked is None:
        raise ValidationError(
            gettext("“%(text)s” is not an amount of hours. Type 1.5, 1,5 or 1:30 (one and a half hours).")
            % {"text": text},
            code="invalid_hours",
        )
    if worked > timedelta(hours=MAX_HOURS):
        raise ValidationError(
            gettext("%(text)s is more than %(max)s hours, the length of a day.") % {"text": text, "max": MAX_HOURS},
            code="too_long",
        )
    return worked


class _TypedField(forms.Field):
    """Text in, a parsed value out; the input is a short text box (no browser-specific time
    or number widget, which would refuse `0930` or `1,5`)."""

    help = ""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", self.help)
        kwargs.setdefault("widget", forms.TextInput(attrs={"maxlength": 8, "size": 6, "autocomplete": "off"}))
        super().__init__(**kwargs)

    def parse(self, text: str):
        raise NotImplementedError

    def to_python(self, value):
        text = (value or "").strip() if isinstance(value, str) else value
        if text in (None, ""):
            return None
        return self.parse(text) if isinstance(text, str) else text


class ClockTimeField(_TypedField):
    """A time of day typed as 9, 9:30 or 0930 (`parse_clock_time`)."""

    help = TIME_HELP

    def parse(self, text: str) -> time:
        return parse_clock_time(text)


class HoursField(_TypedField):
    """An amount of hours typed as 1.5, 1,5 or 1:30 (`parse_hours`), as a timedelta."""

    help = HOURS_HELP

    def parse(self, text: str) -> timedelta:
        return parse_hours(text)
