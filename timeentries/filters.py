import django_filters
from django.core.exceptions import ValidationError

from core import periods
from core.filters import LocalDateRangeFilterSet, TeamIdFilter, UserIdFilter
from timeentries.models import Project, Task, TimeEntry, Timesheet


class TimeEntryFilter(LocalDateRangeFilterSet):
    """`from`/`to` are dates in the requester's time zone (entries starting then); `to` is inclusive."""

    date_field = "start"
    user = UserIdFilter()
    team = TeamIdFilter()
    running = django_filters.BooleanFilter(field_name="end", lookup_expr="isnull")

    class Meta:
        model = TimeEntry
        fields = ["user", "project", "task", "billable"]


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
    user = UserIdFilter()

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
