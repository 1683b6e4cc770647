"""The one range of dates the application accepts, 1900-01-01 to 2200-12-31.

Earlier or later days are typing mistakes, and near year 1 or 9999 date arithmetic in
another time zone overflows. Every date or datetime input (API fields and filters, pages'
forms, the ISO week of a timesheet) is checked here, so each answers a 400 naming the field.
"""

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2200, 12, 31)
OUT_OF_RANGE = format_lazy(
    _("Give a date between {earliest} and {latest}."),
    earliest=EARLIEST_DATE.isoformat(),
    latest=LATEST_DATE.isoformat(),
)


def date_in_range(value: date | datetime) -> bool:
    """Whether a date, or the calendar day of a datetime wherever it is told, is allowed."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE


def validate_date_in_range(value: date | datetime) -> None:
    """A Django validator: DRF fields, django-filter filters and forms all run it."""
    if value is not None and not date_in_range(value):
        raise ValidationError(OUT_OF_RANGE, code="date_out_of_range")


class BoundedDateFormField(forms.DateField):
    """A form (and django-filter) date field that refuses days outside the range."""

    default_validators = [validate_date_in_range]
