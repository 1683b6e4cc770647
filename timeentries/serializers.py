from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import periods
from core.serializers import BoundedDateTimeField
from timeentries.models import Client, Project, Task, TimeEntry, Timesheet
from users.models import Team


class OffsetDateTimeField(BoundedDateTimeField):
    """An ISO 8601 datetime that must carry its UTC offset: a bare local time is ambiguous."""

    default_error_messages = {"naive": "Include a UTC offset, e.g. 2026-11-02T09:00:00+01:00."}

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:  # well-formed but impossible, e.g. month 13
                self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM|Z]")
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        return super().to_internal_value(value)


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "name", "archived", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"name": {"validators": []}}


class ProjectSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True, default=None)
    teams = serializers.PrimaryKeyRelatedField(many=True, queryset=Team.objects.all(), required=False)

    class Meta:
        model = Project
        fields = [
            "id",
            "client",
            "client_name",
            "name",
            "code",
            "color",
            "billable",
            "hourly_rate",
            "archived",
            "teams",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"code": {"validators": []}}  # uniqueness reported by the service


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "project", "name", "archived"]
        read_only_fields = ["id"]
        validators: list = []  # the service reports a duplicate name per project as a 400 on `name`


class TimeEntrySerializer(serializers.ModelSerializer):
    """A time entry. `user` is always the requester on create, never read from the body."""

    start = OffsetDateTimeField()
    # Required on create: `time_entry_create` refuses an entry without an end, for the admin too.
    end = OffsetDateTimeField(required=False, allow_null=False)
    task = serializers.PrimaryKeyRelatedField(queryset=Task.objects.all(), required=False, allow_null=True)
    billable = serializers.BooleanField(required=False, allow_null=True, default=None)
    duration = serializers.SerializerMethodField(help_text="Seconds; null while the timer runs.")
    hours = serializers.SerializerMethodField(help_text="Decimal hours; null while the timer runs.")
    running = serializers.BooleanField(source="is_running", read_only=True)
    compliance_warnings = serializers.SerializerMethodField(
        help_text="Working-time findings caused by this write (only on create/update responses)."
    )

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "user",
            "project",
            "task",
            "start",
            "end",
            "description",
            "billable",
            "duration",
            "hours",
            "running",
            "compliance_warnings",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "user", "created_at", "updated_at"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_compliance_warnings(self, entry):
        return getattr(entry, "compliance_warnings", [])

    @extend_schema_field(OpenApiTypes.INT)
    def get_duration(self, entry):
        return None if entry.end is None else int((entry.end - entry.start).total_seconds())

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_hours(self, entry):
        return None if entry.end is None else float(periods.hours(entry.end - entry.start))

    def to_representation(self, entry):
        data = super().to_representation(entry)
        if data.get("billable") is None:
            data["billable"] = entry.billable
        return data


class TimerStartSerializer(serializers.Serializer):
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all())
    task = serializers.PrimaryKeyRelatedField(queryset=Task.objects.all(), required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    billable = serializers.BooleanField(required=False, allow_null=True, default=None)


class TimerStopSerializer(serializers.Serializer):
    end = OffsetDateTimeField(required=False, allow_null=True, default=None)


class TimesheetSerializer(serializers.ModelSerializer):
    week = serializers.CharField(read_only=True)
    user_email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Timesheet
        fields = [
            "id",
            "user",
            "user_email",
            "week",
            "week_start",
            "status",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_comment",
        ]
        read_only_fields = fields


class TimesheetTotalsSerializer(serializers.Serializer):
    days = serializers.ListField(child=serializers.DictField(), read_only=True)
    projects = serializers.ListField(child=serializers.DictField(), read_only=True)
    total_hours = serializers.FloatField(read_only=True)


class TimesheetDetailSerializer(TimesheetSerializer):
    totals = serializers.SerializerMethodField()

    class Meta(TimesheetSerializer.Meta):
        fields = [*TimesheetSerializer.Meta.fields, "totals"]
        read_only_fields = fields

    @extend_schema_field(TimesheetTotalsSerializer)
    def get_totals(self, timesheet):
        from timeentries.selectors import week_totals

        return week_totals(timesheet.user, timesheet.week_start)


class TimesheetDecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
