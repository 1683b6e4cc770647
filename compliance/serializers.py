from decimal import Decimal

from django.db import models
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from compliance.models import POLICY_FIELDS, Violation, WorkingTimePolicy
from core.filters import MAX_ID
from core.serializers import DateRangeQuerySerializer
from users.models import Team

# The largest id SQLite and PostgreSQL bigint hold: larger ones are a 400, not a crash.
MAX_SUMMARY_DAYS = 366
MINUTES_A_DAY = 24 * 60


class ComplianceEnumField(serializers.ChoiceField):
    """A choice field documented as its own named enum component (`schema_name`), so that
    a violation's `status` cannot collide with the timesheets' `StatusEnum`."""

    def __init__(self, choices_class, *, schema_name: str, **kwargs):
        self.schema_name = schema_name
        super().__init__(choices=choices_class.choices, **kwargs)


class ComplianceEnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = ComplianceEnumField
    match_subclasses = True

    def get_name(self) -> str:
        return self.target.schema_name

    def map_serializer_field(self, auto_schema, direction):
        labels = "\n".join(f"* `{value}` - {label}" for value, label in self.target.choices.items())
        return {"type": "string", "enum": list(self.target.choices), "description": labels}


def _hours(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=7, decimal_places=2, **kwargs)


# --- policies --------------------------------------------------------------------------------


class CompliancePolicySerializer(serializers.ModelSerializer):
    """A working-time policy. A team follows at most one; the default covers everyone else."""

    teams = serializers.PrimaryKeyRelatedField(many=True, queryset=Team.objects.all(), required=False)
    enforcement = ComplianceEnumField(
        WorkingTimePolicy.Enforcement, schema_name="ComplianceEnforcementEnum", required=False
    )
    account_cap_period = ComplianceEnumField(
        WorkingTimePolicy.AccountCapPeriod, schema_name="ComplianceAccountCapPeriodEnum", required=False
    )
    require_clocked_times = ComplianceEnumField(
        WorkingTimePolicy.ClockedTimes,
        schema_name="ComplianceClockedTimesEnum",
        required=False,
        help_text=WorkingTimePolicy._meta.get_field("require_clocked_times").help_text,
    )

    class Meta:
        model = WorkingTimePolicy
        fields = ["id", *POLICY_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "name": {"validators": []},  # uniqueness reported by the service as a 400 on `name`
            "is_default": {"validators": []},  # a new default replaces the old one (the service)
            # The database refuses zero limits (check constraints): say so before it does.
            "max_weekly_hours": {"min_value": Decimal("0.01")},
            "max_daily_hours": {"min_value": Decimal("0.01")},
            "min_daily_rest_hours": {"min_value": Decimal(0)},
            "min_weekly_rest_hours": {"min_value": Decimal(0)},
            "break_after_hours": {"min_value": Decimal(0)},
            "long_break_after_hours": {"min_value": Decimal(0)},
            "break_minutes": {"max_value": MINUTES_A_DAY},
            "long_break_minutes": {"max_value": MINUTES_A_DAY},
            "min_break_gap_minutes": {"max_value": MINUTES_A_DAY},
        }


# --- violations ------------------------------------------------------------------------------


class ComplianceViolationSerializer(serializers.ModelSerializer):
    user_email = serializers.EmailField(source="user.email", read_only=True)
    user_name = serializers.CharField(source="user", read_only=True)
    rule = ComplianceEnumField(Violation.Rule, schema_name="ComplianceRuleEnum", read_only=True)
    rule_label = serializers.CharField(source="get_rule_display", read_only=True)
    message_localized = serializers.CharField(
        source="message_text", read_only=True, help_text="The message in the request's language; `message` is English."
    )
    status = ComplianceEnumField(Violation.Status, schema_name="ComplianceViolationStatusEnum", read_only=True)

    class Meta:
        model = Violation
        fields = [
            "id",
            "user",
            "user_email",
            "user_name",
            "rule",
            "rule_label",
            "period_start",
            "period_end",
            "measured",
            "limit",
            "message",
            "message_localized",
            "entries",
            "status",
            "acknowledged_by",
            "acknowledged_at",
            "comment",
            "resolved_at",
            "resolution_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ComplianceAcknowledgeSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="Required by the service: say what is done about the violation.",
    )


# --- summary ---------------------------------------------------------------------------------


class ComplianceSummaryQuerySerializer(DateRangeQuerySerializer):
    max_days = MAX_SUMMARY_DAYS

    user = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class ComplianceSummaryPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkingTimePolicy
        fields = ["id", "name", "max_weekly_hours", "reference_period_weeks", "min_daily_rest_hours"]
        read_only_fields = fields


class ComplianceDayHoursSerializer(serializers.Serializer):
    date = serializers.DateField()
    hours = _hours()
    night_hours = _hours(help_text="Hours worked within night time (the policy's, 23:00 to 06:00 by default).")


class SubstituteRestKind(models.TextChoices):
    SUNDAY = "sunday", "Sunday"
    HOLIDAY = "holiday", "Public holiday"


class SubstituteRestStatus(models.TextChoices):
    GIVEN = "given", "Given"
    OPEN = "open", "Open"
    MISSED = "missed", "Missed"


class ComplianceSubstituteRestSerializer(serializers.Serializer):
    worked_day = serializers.DateField(help_text="The Sunday or public holiday worked.")
    kind = ComplianceEnumField(SubstituteRestKind, schema_name="ComplianceSubstituteRestKindEnum")
    window_start = serializers.DateField(help_text="Monday of the week worked.")
    due_by = serializers.DateField(help_text="Last day of the window: 2 weeks for a Sunday, 8 for a holiday.")
    given_on = serializers.DateField(allow_null=True, help_text="The free working day that settles it.")
    status = ComplianceEnumField(
        SubstituteRestStatus,
        schema_name="ComplianceSubstituteRestStatusEnum",
        help_text="open while the window runs; missed once it ended without one.",
    )


class ComplianceWeekSerializer(serializers.Serializer):
    week = serializers.CharField(help_text="ISO week, e.g. 2026-W10")
    week_start = serializers.DateField()
    week_end = serializers.DateField()
    hours = _hours(help_text="Hours of the whole ISO week.")
    rolling_average = _hours(
        allow_null=True,
        help_text="Average weekly hours over the reference period ending with this week (never before the "
        "employment start or the first entry), neutral leave left out of hours and weeks; null when nothing counts.",
    )
    days_counted = serializers.IntegerField(help_text="Days the average is taken over (neutral leave taken out).")
    weeks_counted = _hours(help_text="Weeks the average is taken over (days counted / 7).")
    reference_complete = serializers.BooleanField(
        help_text="Whether the whole reference period lies after the start; if not, later weeks can still "
        "balance an average above the limit."
    )
    max_weekly_hours = _hours()
    above_limit = serializers.BooleanField()


class ComplianceRestSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="End of the last work of the previous working day.")
    end = serializers.DateTimeField(help_text="Start of the working day.")
    day = serializers.DateField(help_text="The working day the rest leads into.")
    hours = _hours()
    min_daily_rest_hours = _hours()
    below_minimum = serializers.BooleanField()


class ComplianceSummarySerializer(serializers.Serializer):
    user = serializers.IntegerField()
    timezone = serializers.CharField()
    policy = ComplianceSummaryPolicySerializer()
    days = ComplianceDayHoursSerializer(many=True)
    weeks = ComplianceWeekSerializer(many=True)
    shortest_rests = ComplianceRestSerializer(many=True, help_text="The shortest rests before working days.")
    violations = ComplianceViolationSerializer(many=True, help_text="Open and acknowledged, overlapping the range.")
    night_hours = _hours(help_text="Hours worked within night time in the range.")
    night_work_days = serializers.IntegerField(help_text="Nights beginning in the range with more than 2 h worked.")
    night_worker = serializers.BooleanField(
        help_text="Flagged as a night worker, or night work on at least 48 days of the year by the range's end."
    )
    substitute_rest_days = ComplianceSubstituteRestSerializer(
        many=True, help_text="Owed for Sunday and holiday work (ArbZG §11(3)), windows meeting the range."
    )

    def get_fields(self):
        fields = super().get_fields()
        return {"from": serializers.DateField(), "to": serializers.DateField(), **fields}
