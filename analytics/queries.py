"""What a report is asked for: its query parameters, validated, and turned into the keyword
arguments of its selector.

The API's report views, the background export (at request time and again when its task
builds the file) and the schema all read these validators, so a report's parameters are
checked in one place. DRF serializers serve only as the validation library here (as
`core.serializers` does for every app); this module knows nothing of responses, and the
services read it instead of `analytics.serializers`."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from analytics.reports import FILTERS, GROUPS, validate_group_by
from core.errors import DomainValidationError
from core.filters import MAX_ID
from core.periods import week_start_of
from core.serializers import BoundedDateField, DateRangeQuerySerializer
from users.models import User, time_zone_names

MAX_SPAN_DAYS = 366
FORMATS = ["json", "csv", "xlsx"]


class _ReportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=FORMATS, default="json", help_text="json, or a csv/xlsx download")
    locale = serializers.ChoiceField(
        choices=["en", "de"], required=False, help_text='csv only: "de" separates with ";" and a decimal comma'
    )

    def report_params(self, actor) -> dict:
        """The validated input as keyword arguments of the report selector (no actor)."""
        data = dict(self.validated_data)
        data.pop("format", None)
        data.pop("locale", None)
        if "from" in data:
            data["date_from"], data["date_to"] = data.pop("from"), data.pop("to")
        return data


class _RangeReportQuerySerializer(DateRangeQuerySerializer, _ReportQuerySerializer):
    max_days = MAX_SPAN_DAYS
    too_long = gettext_lazy("A report spans at most {days} days.")


class TimeReportQuerySerializer(_RangeReportQuerySerializer):
    from_help = "first local day"
    to_help = "last local day (inclusive)"

    group_by = serializers.CharField(
        default="project", help_text="one or two of " + ", ".join(GROUPS) + ", comma-separated"
    )
    tz = serializers.CharField(required=False, help_text="IANA time zone; default: yours")
    user = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    team = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    project = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    client = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    billable = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate_group_by(self, value: str) -> list[str]:
        try:
            return validate_group_by([part.strip() for part in value.split(",") if part.strip()])
        except DomainValidationError as error:
            raise serializers.ValidationError(error.detail) from error

    def validate_tz(self, value: str) -> str:
        if value not in time_zone_names():
            raise serializers.ValidationError(_("Use an IANA time zone such as Europe/Berlin."))
        return value

    def report_params(self, actor) -> dict:
        data = super().report_params(actor)
        tz = data.pop("tz", None)
        data["tz"] = ZoneInfo(tz) if tz else actor.tzinfo
        data["filters"] = {key: data.pop(key) for key in FILTERS if key in data}
        return data


class OvertimeReportQuerySerializer(_RangeReportQuerySerializer):
    period = serializers.ChoiceField(choices=["week", "month"], default="week")
    user = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="only this person")
    team = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="only this team's members")


class LeaveReportQuerySerializer(_ReportQuerySerializer):
    as_of = BoundedDateField(help_text="balances on this day")
    user = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="only this person")
    team = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="only this team's members")


class PayrollReportQuerySerializer(_ReportQuerySerializer):
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", help_text="YYYY-MM")
    team = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="only this team's members")
    preliminary = serializers.BooleanField(
        default=False, help_text="answer for a month not closed yet (its rows say preliminary) instead of a 409"
    )

    def report_params(self, actor) -> dict:
        data = super().report_params(actor)
        year, month = data["month"].split("-")
        data["month"] = date(int(year), int(month), 1)
        return data


REPORT_QUERY_SERIALIZERS = {
    "time": TimeReportQuerySerializer,
    "overtime": OvertimeReportQuerySerializer,
    "leave": LeaveReportQuerySerializer,
    "payroll": PayrollReportQuerySerializer,
}

# The reports page's period presets (query key `range`; overtime's own `period` is week or
# month). A relative one stands for `from`/`to` seen from the day it is asked on, so a
# bookmarked or saved "last month" stays last month; `custom` means the given from/to.
RANGES = [
    ("this_week", gettext_lazy("This week")),
    ("last_week", gettext_lazy("Last week")),
    ("this_month", gettext_lazy("This month")),
    ("last_month", gettext_lazy("Last month")),
    ("custom", gettext_lazy("Custom dates")),
]
RELATIVE_RANGES = [key for key, _ in RANGES if key != "custom"]


def range_dates(name: str, today: date) -> tuple[date, date]:
    """The first and last day of the relative preset `name` around `today` (weeks start on Monday)."""
    monday = week_start_of(today)
    first_of_month = today.replace(day=1)
    if name == "this_week":
        return monday, monday + timedelta(days=6)
    if name == "last_week":
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if name == "this_month":
        return first_of_month, first_of_month.replace(day=calendar.monthrange(today.year, today.month)[1])
    if name != "last_month":
        raise ValueError(f"{name} is not a relative period")
    last = first_of_month - timedelta(days=1)
    return last.replace(day=1), last


@dataclass(frozen=True)
class ReportQuery:
    """A report, its validated selector arguments (no actor) and the order of its rows
    (`analytics.sorting`; empty: the report's own): what `report_write` runs."""

    report: str
    params: dict
    sort: str = ""

    @property
    def stem(self) -> str:
        """The file name without its extension."""
        if self.report == "leave":
            return f"leave-report-{self.params['as_of']}"
        if self.report == "payroll":
            return f"payroll-{self.params['month']:%Y-%m}"
        return f"{self.report}-report-{self.params['date_from']}-{self.params['date_to']}"

    def filename(self, format: str) -> str:
        return f"{self.stem}.{format}"


def report_query(report: str, raw: dict, *, actor: User) -> ReportQuery:
    """Validate `report`'s raw query parameters (as a request or a stored export holds them);
    bad ones raise a ValidationError naming the field. A `sort` among them orders the rows."""
    query = REPORT_QUERY_SERIALIZERS[report](data={**raw, "format": "json"})
    query.is_valid(raise_exception=True)
    return ReportQuery(report, query.report_params(actor), str(raw.get("sort") or ""))
