from zoneinfo import ZoneInfo

from rest_framework import serializers

from analytics.models import Export
from analytics.reports import GROUPS, validate_group_by
from core.errors import DomainValidationError
from core.filters import MAX_ID
from core.serializers import BoundedDateField, DateRangeQuerySerializer
from users.models import time_zone_names

MAX_SPAN_DAYS = 366
FORMATS = ["json", "csv", "xlsx"]


class _ReportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=FORMATS, default="json", help_text="json, or a csv/xlsx download")

    def report_params(self, actor) -> dict:
        """The validated input as keyword arguments of the report selector (no actor)."""
        data = dict(self.validated_data)
        data.pop("format", None)
        if "from" in data:
            data["date_from"], data["date_to"] = data.pop("from"), data.pop("to")
        return data


class _RangeReportQuerySerializer(DateRangeQuerySerializer, _ReportQuerySerializer):
    max_days = MAX_SPAN_DAYS
    too_long = "A report spans at most {days} days."


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
            raise serializers.ValidationError("Use an IANA time zone such as Europe/Berlin.")
        return value

    def report_params(self, actor) -> dict:
        data = super().report_params(actor)
        tz = data.pop("tz", None)
        data["tz"] = ZoneInfo(tz) if tz else actor.tzinfo
        data["filters"] = {
            key: data.pop(key) for key in ("user", "team", "project", "client", "billable") if key in data
        }
        return data


class OvertimeReportQuerySerializer(_RangeReportQuerySerializer):
    period = serializers.ChoiceField(choices=["week", "month"], default="week")
    user = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="only this person")
    team = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="only this team's members")


class LeaveReportQuerySerializer(_ReportQuerySerializer):
    as_of = BoundedDateField(help_text="balances on this day")
    user = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="only this person")
    team = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="only this team's members")


REPORT_QUERY_SERIALIZERS = {
    "time": TimeReportQuerySerializer,
    "overtime": OvertimeReportQuerySerializer,
    "leave": LeaveReportQuerySerializer,
}


# --- responses (documentation and JSON shape) ----------------------------------------------


class TimeReportRowSerializer(serializers.Serializer):
    user = serializers.IntegerField(required=False, allow_null=True)
    user_name = serializers.CharField(required=False, allow_null=True)
    team = serializers.IntegerField(required=False, allow_null=True)
    team_name = serializers.CharField(required=False, allow_null=True)
    client = serializers.IntegerField(required=False, allow_null=True)
    client_name = serializers.CharField(required=False, allow_null=True)
    project = serializers.IntegerField(required=False, allow_null=True)
    project_name = serializers.CharField(required=False, allow_null=True)
    task = serializers.IntegerField(required=False, allow_null=True)
    task_name = serializers.CharField(required=False, allow_null=True)
    day = serializers.CharField(required=False, help_text="2026-11-02")
    week = serializers.CharField(required=False, help_text="2026-W45")
    month = serializers.CharField(required=False, help_text="2026-11")
    hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    billable_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    entries = serializers.IntegerField()


class TimeReportTotalsSerializer(serializers.Serializer):
    hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    billable_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    entries = serializers.IntegerField()


class TimeReportSerializer(serializers.Serializer):
    rows = TimeReportRowSerializer(many=True)
    totals = TimeReportTotalsSerializer()


class OvertimeReportRowSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    user_name = serializers.CharField()
    period = serializers.CharField(help_text="2026-W45 or 2026-11")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    expected_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    actual_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    difference = serializers.DecimalField(max_digits=12, decimal_places=2)
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)


class OvertimeReportTotalsSerializer(serializers.Serializer):
    expected_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    actual_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    difference = serializers.DecimalField(max_digits=12, decimal_places=2)


class OvertimeReportSerializer(serializers.Serializer):
    rows = OvertimeReportRowSerializer(many=True)
    totals = OvertimeReportTotalsSerializer()


class LeaveReportRowSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    user_name = serializers.CharField()
    type = serializers.IntegerField()
    type_code = serializers.CharField()
    type_name = serializers.CharField()
    unit = serializers.CharField()
    entitlement = serializers.DecimalField(max_digits=12, decimal_places=2)
    taken = serializers.DecimalField(max_digits=12, decimal_places=2)
    planned = serializers.DecimalField(max_digits=12, decimal_places=2)
    pending = serializers.DecimalField(max_digits=12, decimal_places=2)
    left = serializers.DecimalField(max_digits=12, decimal_places=2)


class LeaveReportSerializer(serializers.Serializer):
    rows = LeaveReportRowSerializer(many=True)


# --- background exports ----------------------------------------------------------------------


class ExportCreateSerializer(serializers.Serializer):
    report = serializers.ChoiceField(choices=Export.Report.choices)
    format = serializers.ChoiceField(choices=Export.Format.choices)
    params = serializers.DictField(default=dict, help_text="the report's query parameters, e.g. from, to, group_by")

    def validate(self, attrs):
        query = REPORT_QUERY_SERIALIZERS[attrs["report"]](data={**attrs["params"], "format": "json"})
        if not query.is_valid():
            raise serializers.ValidationError({"params": query.errors})
        return attrs


class ExportSerializer(serializers.ModelSerializer):
    # A plain string in the schema: an enum named "Status" would clash with other apps' ones.
    status = serializers.CharField(read_only=True, help_text="pending, running, done or failed")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id",
            "report",
            "format",
            "params",
            "status",
            "progress",
            "row_count",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, export: Export) -> str | None:
        if export.status != Export.Status.DONE:
            return None
        from django.urls import reverse

        return reverse("export-download", kwargs={"pk": export.pk})
