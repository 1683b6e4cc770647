from datetime import timedelta

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q

from core import periods
from core.filters import LocalDateRangeFilterSet, TeamIdFilter, UserIdFilter
from timeentries.models import Project, Task, TimeEntry, Timesheet


class TimeEntryFilter(LocalDateRangeFilterSet):
    """`from`/`to` are dates in the requester's time zone, `to` inclusive: clocked entries
    starting then, duration entries whose `day` is in the range."""

    date_field = "start"
    user = UserIdFilter()
    team = TeamIdFilter()
    running = django_filters.BooleanFilter(method="filter_running")

    def filter_from(self, queryset, name, value):
        return queryset.filter(
            Q(kind=TimeEntry.Kind.CLOCKED, start__gte=self._local_midnight(value))
            | Q(kind=TimeEntry.Kind.DURATION, day__gte=value)
        )

    def filter_to(self, queryset, name, value):
        return queryset.filter(
            Q(kind=TimeEntry.Kind.CLOCKED, start__lt=self._local_midnight(value + timedelta(days=1)))
            | Q(kind=TimeEntry.Kind.DURATION, day__lte=value)
        )

    def filter_running(self, queryset, name, value):
        running = Q(kind=TimeEntry.Kind.CLOCKED, end__isnull=True)
        return queryset.filter(running) if value else queryset.exclude(running)

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
