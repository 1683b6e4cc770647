"""The analytics API's response shapes (reports, for the schema) and its export requests.
A report's query parameters are validated in `analytics.queries`."""

from django.utils.translation import gettext
from rest_framework import serializers

from analytics.exports import report_columns
from analytics.models import Export, SavedReport
from analytics.queries import REPORT_QUERY_SERIALIZERS
from analytics.saved_reports import saved_report_page_url, saved_report_query_string
from analytics.sorting import sort_parse
from core.errors import DomainValidationError
from core.i18n import CSV_LOCALES

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
    opening_balance = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="Worked minus expected hours from employment start to the day before this period.",
    )
    balance = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="The running balance from employment start to the period's end."
    )


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
    statutory_minimum_days = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        allow_null=True,
        help_text="BUrlG minimum vacation a year at the contract's work days (20 at five); null for hours.",
    )
    statutory_entitlement = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="The statutory minimum's part of the year's entitlement."
    )
    contractual_entitlement = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="The contractual extra of the year's entitlement."
    )
    statutory_left = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Statutory part not yet taken or planned."
    )


class LeaveReportSerializer(serializers.Serializer):
    rows = LeaveReportRowSerializer(many=True)


# --- background exports ----------------------------------------------------------------------


def _hours(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, help_text=help_text)


class PayrollReportRowSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    user_name = serializers.CharField()
    email = serializers.EmailField()
    team_name = serializers.CharField()
    month = serializers.CharField(help_text="YYYY-MM")
    employment_start = serializers.DateField()
    employment_end = serializers.DateField(allow_null=True)
    weekly_hours = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="Of the contract version in force at month end."
    )
    expected_hours = _hours("The closing's snapshot when the month is closed.")
    worked_hours = _hours("The closing's snapshot when the month is closed.")
    overtime_hours = _hours("Worked minus expected hours of the month.")
    balance_hours = _hours("The working-time account at month end (the closing's snapshot when closed).")
    paid_out_hours = _hours("Account adjustments of kind payout dated in the month.")
    vacation_days = _hours("Working days of approved statutory annual leave in the month.")
    sick_days = _hours("Working days of approved sick leave in the month.")
    unpaid_days = _hours("Working days of approved unpaid leave in the month.")
    other_leave = serializers.DictField(
        child=serializers.DecimalField(max_digits=12, decimal_places=2), help_text="Other leave: days per type code."
    )
    other_leave_text = serializers.CharField()
    public_holidays = _hours("Work days that were public holidays (a half-day holiday 0.5).")
    sunday_days_worked = serializers.IntegerField()
    holiday_days_worked = serializers.IntegerField()
    preliminary = serializers.BooleanField(help_text="True when the month is not closed for this person.")


class PayrollReportSerializer(serializers.Serializer):
    rows = PayrollReportRowSerializer(many=True)


class ExportCreateSerializer(serializers.Serializer):
    report = serializers.ChoiceField(choices=Export.Report.choices)
    format = serializers.ChoiceField(choices=Export.Format.choices)
    params = serializers.DictField(
        default=dict,
        help_text="the report's query parameters, e.g. from, to, group_by; and optionally sort: a column key, "
        "-key for descending (the rows of the reports page, in its order)",
    )
    # A plain string in the schema: an enum of "en"/"de" would clash with the other locale enums.
    locale = serializers.CharField(
        default="",
        allow_blank=True,
        max_length=2,
        help_text='"de": a CSV separated with ";" and a decimal comma, German date and number formats in xlsx; '
        '"en" or left out: locale-neutral',
    )

    def validate_locale(self, value: str) -> str:
        if value not in CSV_LOCALES:
            raise serializers.ValidationError(gettext("Give locale=de or locale=en, or leave it out."))
        return value

    def validate(self, attrs):
        query = REPORT_QUERY_SERIALIZERS[attrs["report"]](data={**attrs["params"], "format": "json"})
        if not query.is_valid():
            raise serializers.ValidationError({"params": query.errors})
        columns = report_columns(attrs["report"], query.validated_data.get("group_by"))
        try:
            sort_parse(columns, str(attrs["params"].get("sort") or ""))
        except DomainValidationError as error:
            raise serializers.ValidationError({"params": {"sort": [error.detail]}}) from error
        return attrs


class ExportSerializer(serializers.ModelSerializer):
    # A plain string in the schema: an enum named "Status" would clash with other apps' ones.
    status = serializers.CharField(read_only=True, help_text="pending, running, done or failed")
    locale = serializers.CharField(
        read_only=True, help_text='The file\'s number conventions: "de", "en" or "" (neutral).'
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id",
            "report",
            "format",
            "locale",
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


# --- saved reports ---------------------------------------------------------------------------

SAVED_PARAMS_HELP = (
    "the report's query parameters as text (e.g. from, to, group_by, project), plus the page's "
    "period (this_week, last_week, this_month, last_month or custom) and sort; blank ones are dropped"
)


class SavedReportCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=SavedReport._meta.get_field("name").max_length)
    report = serializers.ChoiceField(choices=Export.Report.choices)
    params = serializers.DictField(default=dict, help_text=SAVED_PARAMS_HELP)


class SavedReportUpdateSerializer(serializers.Serializer):
    """A saved report's report stays; its name and its filters may change."""

    name = serializers.CharField(required=False, max_length=SavedReport._meta.get_field("name").max_length)
    params = serializers.DictField(required=False, help_text=SAVED_PARAMS_HELP + "; replaces all of them")


class SavedReportSerializer(serializers.ModelSerializer):
    params = serializers.DictField(child=serializers.CharField(), read_only=True)
    query_string = serializers.SerializerMethodField(help_text="report=<report>&<params>, URL-encoded")
    page_url = serializers.SerializerMethodField(help_text="the reports page showing this report")

    class Meta:
        model = SavedReport
        fields = ["id", "name", "report", "params", "query_string", "page_url", "created_at", "updated_at"]
        read_only_fields = fields

    def get_query_string(self, saved: SavedReport) -> str:
        return saved_report_query_string(saved)

    def get_page_url(self, saved: SavedReport) -> str:
        return saved_report_page_url(saved)
