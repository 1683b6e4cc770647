from datetime import timedelta

import django_filters
from django.core.exceptions import ValidationError

from timeentries import periods
from timeentries.models import Project, Task, TimeEntry, Timesheet


class TimeEntryFilter(django_filters.FilterSet):
    """`from`/`to` are dates in the requester's time zone; `to` is inclusive."""

    date_from = django_filters.DateFilter(field_name="start", method="filter_from", label="from")
    date_to = django_filters.DateFilter(field_name="start", method="filter_to", label="to")
    team = django_filters.NumberFilter(field_name="user__team")
    running = django_filters.BooleanFilter(field_name="end", lookup_expr="isnull")

    class Meta:
        model = TimeEntry
        fields = ["user", "project", "task", "billable"]

    def __init__(self, data=None, *args, **kwargs):
        # `from` is a Python keyword, so the filters are declared as date_from/date_to.
        if data is not None:
            data = data.copy()
            for public, internal in (("from", "date_from"), ("to", "date_to")):
                if public in data:
                    values = data.pop(public)
                    data[internal] = values[-1] if isinstance(values, list) else values
        super().__init__(data, *args, **kwargs)

    def _tz(self):
        return self.request.user.tzinfo

    def filter_from(self, queryset, name, value):
        return queryset.filter(start__gte=periods.local_midnight(value, self._tz()))

    def filter_to(self, queryset, name, value):
        return queryset.filter(start__lt=periods.local_midnight(value + timedelta(days=1), self._tz()))


class IsoWeekFilter(django_filters.CharFilter):
    def filter(self, qs, value):
        if not value:
            return qs
        try:
            return qs.filter(week_start=periods.parse_iso_week(value))
        except ValueError as error:
            raise ValidationError({"week": [str(error)]}) from error


class TimesheetFilter(django_filters.FilterSet):
    week = IsoWeekFilter(help_text="ISO week, e.g. 2026-W45")

    class Meta:
        model = Timesheet
        fields = ["status", "user"]


class ProjectFilter(django_filters.FilterSet):
    class Meta:
        model = Project
        fields = ["archived", "client", "billable"]


class TaskFilter(django_filters.FilterSet):
    class Meta:
        model = Task
        fields = ["archived", "project"]
