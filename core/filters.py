"""Filter sets several apps' APIs share."""

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms

from core.dates import BoundedDateFormField

# The largest id SQLite and PostgreSQL bigint hold: larger ones are a 400, not a crash.
MAX_ID = 2**63 - 1


class BoundedDateFilter(django_filters.DateFilter):
    """A date filter refusing days outside `core.dates`' range with a 400 naming the parameter."""

    field_class = BoundedDateFormField


class IdFilter(django_filters.NumberFilter):
    """`?<name>=<id>` on a list already scoped to what the requester may see. An id that does
    not exist filters like the id of something hidden: an empty page, not a 400 that would
    tell the two apart (and let anyone enumerate ids). Not a whole number, or beyond what
    the database holds: a 400 naming the parameter."""

    field_class = forms.IntegerField
    help = "id"

    def __init__(self, field_name, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("help_text", self.help)
        super().__init__(field_name=field_name, **kwargs)


class UserIdFilter(IdFilter):
    help = "id of a user; people you may not see give an empty list"

    def __init__(self, field_name="user", **kwargs):
        super().__init__(field_name, **kwargs)


class TeamIdFilter(IdFilter):
    help = "id of a team; teams you may not see give an empty list"

    def __init__(self, field_name="user__team", **kwargs):
        super().__init__(field_name, **kwargs)


class FromToFilterSet(django_filters.FilterSet):
    """`from` and `to` are Python keywords: subclasses declare `date_from`/`date_to`, and they
    are published as `from`/`to`, so that errors and the schema name the query parameter
    the client sent."""

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for declared, public in (("date_from", "from"), ("date_to", "to")):
            if declared in filters:
                filters[public] = filters.pop(declared)
        return filters


class LocalDateRangeFilterSet(FromToFilterSet):
    """`from`/`to` are inclusive dates in the requester's time zone, applied to `date_field`."""

    date_field = ""
    date_from = BoundedDateFilter(method="filter_from", help_text="first day (your time zone)")
    date_to = BoundedDateFilter(method="filter_to", help_text="last day, inclusive (your time zone)")

    def _local_midnight(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.request.user.tzinfo)

    def filter_from(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__gte": self._local_midnight(value)})

    def filter_to(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__lt": self._local_midnight(value + timedelta(days=1))})
