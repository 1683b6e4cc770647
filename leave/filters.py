import django_filters
from django import forms

from core.dates import EARLIEST_DATE, LATEST_DATE
from core.filters import BoundedDateFilter, FromToFilterSet, TeamIdFilter, UserIdFilter
from leave.models import Holiday, HolidayCalendar, LeaveForfeitureNotice, LeaveLedgerEntry, LeaveRequest, LeaveType


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class LeaveRequestFilter(FromToFilterSet):
    """`from`/`to` (inclusive dates): a request matches when it overlaps [from, to]."""

    date_from = BoundedDateFilter(field_name="end_date", lookup_expr="gte", help_text="first day")
    date_to = BoundedDateFilter(field_name="start_date", lookup_expr="lte", help_text="last day (inclusive)")
    type = django_filters.ModelChoiceFilter(field_name="leave_type", queryset=LeaveType.objects.all())
    user = UserIdFilter()
    team = TeamIdFilter()

    class Meta:
        model = LeaveRequest
        fields = ["status", "user"]


class LeaveLedgerFilter(django_filters.FilterSet):
    type = django_filters.ModelChoiceFilter(field_name="leave_type", queryset=LeaveType.objects.all())
    user = UserIdFilter()

    class Meta:
        model = LeaveLedgerEntry
        fields = ["user", "kind", "request"]


class LeaveForfeitureNoticeFilter(django_filters.FilterSet):
    type = django_filters.ModelChoiceFilter(field_name="leave_type", queryset=LeaveType.objects.all())
    user = UserIdFilter()
    year = YearFilter(min_value=EARLIEST_DATE.year, max_value=LATEST_DATE.year)

    class Meta:
        model = LeaveForfeitureNotice
        fields = ["user", "year", "channel"]


class HolidayFilter(django_filters.FilterSet):
    calendar = django_filters.ModelChoiceFilter(queryset=HolidayCalendar.objects.all())
    year = YearFilter(field_name="date", lookup_expr="year", min_value=EARLIEST_DATE.year, max_value=LATEST_DATE.year)

    class Meta:
        model = Holiday
        fields = ["calendar", "year", "half_day", "imported"]
