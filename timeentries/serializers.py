from datetime import timedelta
from decimal import Decimal

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import periods
from core.serializers import BoundedDateTimeField, ShortReadsMixin
from timeentries.models import MAX_BREAK_MINUTES, Client, Project, Task, TimeEntry, Timesheet
from users.models import Team


class OffsetDateTimeField(BoundedDateTimeField):
    """An ISO 8601 datetime that must carry its UTC offset: a bare local time is ambiguous."""

    default_error_messages = {"naive": _("Include a UTC offset, e.g. 2026-11-02T09:00:00+01:00.")}

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


@extend_schema_field(OpenApiTypes.NUMBER)
class HoursField(serializers.Field):
    """Hours as a number (1.5) or a string ("1.5", "1,5", "1:30"); read as decimal hours
    of the entry's worked `duration` (null while the timer runs)."""

    default_error_messages = {
        "invalid": _('Give hours as a number, e.g. 1.5, "1,5" or "1:30".'),
        "range": _("Give more than 0 and at most 24 hours."),
    }

    def to_representation(self, duration):
        return None if duration is None else float(periods.hours(duration))

    def to_internal_value(self, value):
        try:
            if isinstance(value, str) and ":" in value:
                whole, minutes = value.strip().split(":")
                if not minutes.isdigit() or int(minutes) >= 60:
                    raise ValueError(value)
                amount = Decimal(int(whole)) + Decimal(int(minutes)) / 60
            elif isinstance(value, bool):
                raise ValueError(value)
            else:
                amount = Decimal(str(value).strip().replace(",", "."))
        except (ValueError, ArithmeticError):
            self.fail("invalid")
        if not amount.is_finite() or amount <= 0 or amount > 24:
            self.fail("range")
        return timedelta(seconds=round(amount * 3600))


# `hours` are read to the cent (36 seconds): an echoed value is within half of that.
ECHO_TOLERANCE = timedelta(seconds=18)


class TimeEntrySerializer(ShortReadsMixin, serializers.ModelSerializer):
    """A time entry, of one of two kinds (`kind`, read-only):

    - **clocked**: `start` and `end` (with UTC offset) and `break_minutes`; `day` follows
      from the start. POST with `start`/`end` creates one.
    - **duration**: hours on a `day` with no times (`start`/`end` null). POST with `day`
      and `hours` (and no `start`/`end`) creates one; PATCH may change its day, hours,
      project, task, description and billable. Giving a duration entry `start`/`end` in a
      PATCH turns it into a clocked entry (its day then follows from the start).

    `duration` (seconds) and `hours` are the worked time (end - start - break for clocked
    entries), null only while the timer runs. `user` is always the requester on create,
    never read from the body."""

    start = OffsetDateTimeField(
        required=False,
        allow_null=True,
        help_text="Clocked entries only; null for duration entries. "
        "Giving it to a duration entry (PATCH) turns it into a clocked entry.",
    )
    # Required with `start`: `time_entry_create` refuses an entry without an end, for the admin too.
    end = OffsetDateTimeField(required=False, allow_null=True, help_text="Clocked entries only; null while running.")
    kind = serializers.CharField(read_only=True, help_text='"clocked" (start and end) or "duration" (hours on a day).')
    day = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The local day of the work: writable for duration entries, a clocked entry's start day.",
    )
    break_minutes = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_BREAK_MINUTES,
        help_text="Breaks between start and end (clocked entries).",
    )
    task = serializers.PrimaryKeyRelatedField(queryset=Task.objects.all(), required=False, allow_null=True)
    billable = serializers.BooleanField(required=False, allow_null=True, default=None)
    duration = serializers.SerializerMethodField(help_text="Worked seconds; null while the timer runs.")
    hours = HoursField(
        source="duration",
        required=False,
        allow_null=True,
        help_text="Worked decimal hours; null while the timer runs. Write it with `day` for a duration entry.",
    )
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
            "kind",
            "day",
            "start",
            "end",
            "break_minutes",
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
        return None if entry.duration is None else int(entry.duration.total_seconds())

    def validate(self, attrs):
        """Which kind the body asks for, refusing mixed input by the field that does not
        belong (the service checks the same again, for every caller)."""
        times = attrs.get("start") is not None or attrs.get("end") is not None
        entry = self.instance
        if entry is not None and entry.is_clocked:
            self._drop_echoed_derived_values(entry, attrs)
        clocked = times or (entry is not None and entry.is_clocked)
        if clocked and attrs.get("duration") is not None:
            raise serializers.ValidationError(
                {"hours": [_("Give either start and end, or a day and hours, not both.")]}, code="mixed"
            )
        if entry is None and times and attrs.get("start") is None:
            raise serializers.ValidationError({"start": [_("Give the start too.")]}, code="required")
        if entry is not None and entry.is_clocked and attrs.get("day") is not None:
            raise serializers.ValidationError(
                {"day": [_("A clocked entry's day is its start's; change the start.")]}, code="read_only"
            )
        if not clocked and attrs.get("break_minutes"):
            raise serializers.ValidationError(
                {"break_minutes": [_("A break needs the start and end it falls between.")]}, code="mixed"
            )
        if entry is None and not times:
            missing = [name for name, key in (("day", "day"), ("hours", "duration")) if attrs.get(key) is None]
            if len(missing) == 1:
                raise serializers.ValidationError({missing[0]: [_("Give a day and hours for a duration entry.")]})
            if missing:
                raise serializers.ValidationError(
                    {"start": [_("Give start and end, or a day and hours.")]}, code="required"
                )
        return attrs

    @staticmethod
    def _drop_echoed_derived_values(entry, attrs) -> None:
        """A client that sends a clocked entry back as it read it may echo its `day` and
        `hours`: the same values change nothing, so they are not taken for a change."""
        start = attrs.get("start") or entry.start
        if attrs.get("day") is not None and attrs["day"] == periods.local_date(start, entry.user.tzinfo):
            del attrs["day"]
        end = attrs.get("end") or entry.end
        pause = timedelta(minutes=attrs.get("break_minutes", entry.break_minutes) or 0)
        hours = attrs.get("duration")
        if hours is not None and end is not None and abs(hours - (end - start - pause)) <= ECHO_TOLERANCE:
            del attrs["duration"]

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
            "submit_comment",
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


class TimesheetSubmitSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="For the manager; required (400 comment_required) when the week is below or far above "
        "the expected hours.",
    )


class TimesheetDecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class TimesheetApproveSerializer(TimesheetDecisionSerializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="Under a `block` working-time policy: why the week is approved with open violations; "
        "recorded on each as its acknowledgement. Without it such a week answers 409 "
        "`compliance_open_violations`.",
    )
