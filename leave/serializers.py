from datetime import date, timedelta

from django.db import models
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.dates import EARLIEST_DATE, LATEST_DATE
from core.filters import MAX_ID
from core.holiday_names import holiday_name
from core.serializers import BoundedDateField, DateRangeQuerySerializer, ShortReadsMixin
from leave.models import (
    CalendarFeed,
    Holiday,
    HolidayCalendar,
    LeaveForfeitureNotice,
    LeaveLedgerEntry,
    LeaveRequest,
    LeaveType,
)
from leave.notifications import forfeiture_notice_text
from leave.selectors import ABSENT
from users.models import MonthClosing, MonthClosingRow, Team, User

# The largest id SQLite and PostgreSQL bigint hold: larger ones are a 400, not a crash.
MAX_CALENDAR_DAYS = 366


class LeaveEnumField(serializers.ChoiceField):
    """A choice field documented as its own named enum component (`schema_name`), so that
    its `status` or `kind` cannot collide with another app's enum of the same field name."""

    def __init__(self, choices_class, *, schema_name: str, **kwargs):
        self.schema_name = schema_name
        super().__init__(choices=choices_class.choices, **kwargs)


class LeaveEnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = LeaveEnumField
    match_subclasses = True

    def get_name(self) -> str:
        return self.target.schema_name

    def map_serializer_field(self, auto_schema, direction):
        values = [*([""] if self.target.allow_blank else []), *self.target.choices]
        labels = "\n".join(f"* `{value}` - {label}" for value, label in self.target.choices.items())
        return {"type": "string", "enum": values, "description": labels}


def _half(**kwargs) -> LeaveEnumField:
    return LeaveEnumField(
        LeaveRequest.Half,
        schema_name="LeaveHalfEnum",
        required=False,
        allow_blank=True,
        help_text="Empty: the whole day. Morning or afternoon: only that half is leave.",
        **kwargs,
    )


# --- catalog ---------------------------------------------------------------------------------


class LeaveTypeSerializer(serializers.ModelSerializer):
    unit = LeaveEnumField(LeaveType.Unit, schema_name="LeaveUnitEnum", required=False)

    class Meta:
        model = LeaveType
        fields = [
            "id",
            "name",
            "code",
            "color",
            "unit",
            "paid",
            "requires_approval",
            "tracks_balance",
            "annual_allowance",
            "max_carry_over",
            "carry_over_expires_month",
            "carry_over_expires_day",
            "allow_negative",
            "half_days_allowed",
            "neutral_for_working_time",
            "reduces_expected_hours",
            "private",
            "active",
            "statutory_annual_leave",
        ]
        read_only_fields = ["id"]
        extra_kwargs = {"code": {"validators": []}}  # uniqueness reported by the service as a 400 on `code`
        # The carry-over expiry's rule is `LeaveType.clean`, which `catalog_save` runs.


class LeaveHolidayCalendarSerializer(serializers.ModelSerializer):
    categories = serializers.ListField(
        child=serializers.CharField(max_length=32),
        max_length=20,
        required=False,
        help_text='Categories of the `holidays` package an import brings in (default ["public"]); '
        'e.g. ["public", "catholic"] adds Assumption Day in Bavaria.',
    )

    class Meta:
        model = HolidayCalendar
        fields = ["id", "name", "country", "subdivision", "categories"]
        read_only_fields = ["id"]
        extra_kwargs = {"name": {"validators": []}}  # uniqueness reported by the service as a 400 on `name`
        # Country, subdivision and categories are checked and normalised by `HolidayCalendar.clean`.


# The holiday's name in the request's language (`core.holiday_names`); `name` stays as stored.
NAME_LOCALIZED_HELP = (
    "The name in the request's language where the holidays package has it (Neujahr / New Year's Day); "
    "a company day as stored."
)


class LeaveHolidaySerializer(serializers.ModelSerializer):
    date = BoundedDateField()
    name_localized = serializers.SerializerMethodField(help_text=NAME_LOCALIZED_HELP)

    class Meta:
        model = Holiday
        fields = ["id", "calendar", "date", "name", "name_localized", "half_day", "imported"]
        read_only_fields = ["id", "imported"]
        validators: list = []  # a second holiday on the same day is the service's 409

    def get_name_localized(self, holiday) -> str:
        return holiday_name(holiday)


class LeaveHolidayImportSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=EARLIEST_DATE.year, max_value=LATEST_DATE.year)


class LeaveHolidayImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    removed = serializers.IntegerField(
        help_text="Imported holidays of the year removed because the calendar's categories no longer include them."
    )
    holidays = LeaveHolidaySerializer(many=True)


# --- requests --------------------------------------------------------------------------------


class LeaveRequestSerializer(ShortReadsMixin, serializers.ModelSerializer):
    """A leave request. `user` is always the requester; decisions go through the actions."""

    type = serializers.PrimaryKeyRelatedField(source="leave_type", queryset=LeaveType.objects.all())
    type_name = serializers.CharField(source="leave_type.name", read_only=True)
    user_email = serializers.EmailField(source="user.email", read_only=True)
    decision_comment_localized = serializers.CharField(
        source="decision_comment_text",
        read_only=True,
        help_text="The comment in the request's language where the system wrote it (Approved automatically.).",
    )
    start_date = BoundedDateField()
    end_date = BoundedDateField()
    start_half = _half()
    end_half = _half()
    status = LeaveEnumField(LeaveRequest.Status, schema_name="LeaveStatusEnum", read_only=True)
    net_working_days = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        read_only=True,
        help_text="Working days still taken once sickness during the leave is credited back (BUrlG §9).",
    )

    class Meta:
        model = LeaveRequest
        fields = [
            "id",
            "user",
            "user_email",
            "type",
            "type_name",
            "start_date",
            "end_date",
            "start_half",
            "end_half",
            "reason",
            "working_days",
            "hours",
            "sick_days_credited",
            "net_working_days",
            "status",
            "decided_by",
            "decided_at",
            "decision_comment",
            "decision_comment_localized",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "user",
            "working_days",
            "hours",
            "sick_days_credited",
            "status",
            "decided_by",
            "decided_at",
            "decision_comment",
            "decision_comment_localized",
            "created_at",
            "updated_at",
        ]


class LeaveDecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class LeaveShortenSerializer(serializers.Serializer):
    """A new, earlier end (`end_date`, with `end_half` "morning" for its morning only), or a
    recall: `recalled_from`, the day the person is back at work (the leave ends the day before)."""

    end_date = BoundedDateField(required=False)
    end_half = serializers.ChoiceField(
        choices=[("", _("The whole day")), *LeaveRequest.Half.choices], required=False, allow_blank=True, default=""
    )
    recalled_from = BoundedDateField(required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate(self, attrs):
        recalled_from = attrs.pop("recalled_from", None)
        if (recalled_from is None) == ("end_date" not in attrs):
            raise serializers.ValidationError({"end_date": _("Give the new end date, or the day of the recall.")})
        if recalled_from is not None:
            if attrs.get("end_half"):
                raise serializers.ValidationError({"end_half": _("A recall ends the leave with the day before.")})
            attrs["end_date"] = recalled_from - timedelta(days=1)
        return attrs


# --- balances and ledger ---------------------------------------------------------------------


def _amount(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=9, decimal_places=2, **kwargs)


class LeaveBalanceSerializer(serializers.Serializer):
    type = serializers.IntegerField()
    type_code = serializers.CharField()
    type_name = serializers.CharField()
    unit = LeaveEnumField(LeaveType.Unit, schema_name="LeaveUnitEnum")
    entitlement = _amount(help_text="What the leave year gave, carry-over included.")
    taken = _amount(help_text="Used from the start of the year up to `as_of`.")
    planned = _amount(help_text="Approved for later this year.")
    pending = _amount(help_text="Requested and not yet decided.")
    left = _amount(help_text="Balance minus planned and pending.")
    statutory_entitlement = _amount(
        help_text="The statutory minimum's part of the year's entitlement (BUrlG: four weeks at the work days)."
    )
    contractual_entitlement = _amount(help_text="The contractual extra of the year's entitlement.")
    statutory_left = _amount(
        help_text="Statutory part not yet taken or planned (leave uses carry-over first, then the statutory "
        "part); it cannot be paid out while employed."
    )


class LeaveBalancesSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    as_of = serializers.DateField()
    balances = LeaveBalanceSerializer(many=True)


class LeaveBalancesQuerySerializer(serializers.Serializer):
    user = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    as_of = BoundedDateField(required=False)


class LeaveLedgerEntrySerializer(serializers.ModelSerializer):
    type = serializers.PrimaryKeyRelatedField(source="leave_type", read_only=True)
    type_name = serializers.CharField(source="leave_type.name", read_only=True)
    kind = LeaveEnumField(LeaveLedgerEntry.Kind, schema_name="LeaveLedgerKindEnum", read_only=True)
    note_localized = serializers.CharField(
        source="note_text", read_only=True, help_text="The note in the request's language; `note` is English."
    )

    class Meta:
        model = LeaveLedgerEntry
        fields = [
            "id",
            "user",
            "type",
            "type_name",
            "date",
            "amount",
            "kind",
            "request",
            "related_request",
            "note",
            "note_localized",
            "created_at",
            "statutory",
        ]
        read_only_fields = fields


class LedgerWriteKind(models.TextChoices):
    """The ledger rows an admin writes by hand."""

    ADJUSTMENT = LeaveLedgerEntry.Kind.ADJUSTMENT.value, "Adjustment"
    PAYOUT = LeaveLedgerEntry.Kind.PAYOUT.value, "Payout"


class LeaveForfeitureNoticeSerializer(serializers.ModelSerializer):
    """A forfeiture notice on record: without one, nothing of that year lapses."""

    type = serializers.PrimaryKeyRelatedField(source="leave_type", read_only=True)
    type_name = serializers.CharField(source="leave_type.name", read_only=True)
    channel = LeaveEnumField(LeaveForfeitureNotice.Channel, schema_name="LeaveForfeitureChannelEnum", read_only=True)
    text = serializers.SerializerMethodField(help_text="What the person was told.")

    class Meta:
        model = LeaveForfeitureNotice
        fields = [
            "id",
            "user",
            "type",
            "type_name",
            "year",
            "sent_at",
            "sent_by",
            "channel",
            "remaining",
            "lapses_on",
            "max_carry_over",
            "carry_over_lapses_on",
            "text",
        ]
        read_only_fields = fields

    def get_text(self, notice: LeaveForfeitureNotice) -> str:
        return forfeiture_notice_text(notice)


class LeaveLedgerAdjustmentSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    type = serializers.PrimaryKeyRelatedField(queryset=LeaveType.objects.all())
    amount = serializers.DecimalField(max_digits=7, decimal_places=2, help_text="Signed: negative takes days away.")
    date = BoundedDateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    kind = LeaveEnumField(
        LedgerWriteKind,
        schema_name="LeaveLedgerWriteKindEnum",
        default=LedgerWriteKind.ADJUSTMENT,
        help_text="adjustment (a correction), or payout: days paid out, negative; the statutory minimum "
        "only once the employment has ended.",
    )


# --- calendar --------------------------------------------------------------------------------


class LeaveCalendarQuerySerializer(DateRangeQuerySerializer):
    max_days = MAX_CALENDAR_DAYS

    # An id, not a team looked up among all teams: a missing team and one you may not see
    # both give an empty calendar (the people are scoped by the view).
    team = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class LeaveAbsenceSerializer(serializers.ModelSerializer):
    """One absence of the calendar. Where the leave type is private and the reader is not the
    person, their manager or an admin (`type_hidden`), `type` is null, `type_name` is "Absent"
    and `color` a neutral one, so nothing tells the type."""

    user_name = serializers.CharField(source="user", read_only=True)
    type = serializers.PrimaryKeyRelatedField(source="leave_type", read_only=True, allow_null=True)
    type_name = serializers.CharField(source="leave_type.name", read_only=True)
    color = serializers.CharField(source="leave_type.color", read_only=True)
    type_hidden = serializers.BooleanField(
        read_only=True, help_text="The leave type is private and not yours to see: shown as 'Absent'."
    )
    start_half = _half(read_only=True)
    end_half = _half(read_only=True)
    status = LeaveEnumField(LeaveRequest.Status, schema_name="LeaveStatusEnum", read_only=True)

    class Meta:
        model = LeaveRequest
        fields = [
            "id",
            "user",
            "user_name",
            "type",
            "type_name",
            "color",
            "type_hidden",
            "start_date",
            "end_date",
            "start_half",
            "end_half",
            "status",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.type_hidden:
            data.update(type=None, type_name=ABSENT.name, color=ABSENT.color)
        return data


class LeaveCalendarHolidaySerializer(serializers.ModelSerializer):
    name_localized = serializers.SerializerMethodField(help_text=NAME_LOCALIZED_HELP)

    class Meta:
        model = Holiday
        fields = ["date", "name", "name_localized", "half_day"]
        read_only_fields = fields

    def get_name_localized(self, holiday) -> str:
        return holiday_name(holiday)


class LeaveCalendarSerializer(serializers.Serializer):
    absences = LeaveAbsenceSerializer(many=True)
    holidays = LeaveCalendarHolidaySerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        return {"from": serializers.DateField(), "to": serializers.DateField(), **fields}


class LeaveCalendarFeedSerializer(serializers.ModelSerializer):
    scope = LeaveEnumField(CalendarFeed.Scope, schema_name="LeaveCalendarFeedScopeEnum", read_only=True)
    url = serializers.SerializerMethodField(help_text="Secret address to subscribe to; no sign-in needed.")

    class Meta:
        model = CalendarFeed
        fields = ["id", "scope", "url", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, feed) -> str:
        path = f"{reverse('leave-calendar-ics')}?{urlencode({'token': feed.token})}"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


# --- month closings ------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11"})
class MonthField(serializers.Field):
    """A month as "YYYY-MM" (the first day of it inside)."""

    default_error_messages = {"invalid": _("Give the month as YYYY-MM, for example 2026-11.")}

    def to_internal_value(self, data):
        try:
            year, month = (int(part) for part in str(data).split("-"))
            value = date(year, month, 1)
        except (TypeError, ValueError):
            self.fail("invalid")
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            self.fail("invalid")
        return value

    def to_representation(self, value):
        return f"{value:%Y-%m}"


class MonthClosingRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = MonthClosingRow
        fields = ["user", "worked_hours", "expected_hours", "balance_hours"]


class MonthClosingSerializer(serializers.ModelSerializer):
    month = MonthField()
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)
    rows = MonthClosingRowSerializer(many=True, read_only=True)

    class Meta:
        model = MonthClosing
        fields = ["id", "month", "team", "closed_by", "closed_at", "reopened_by", "reopened_at", "rows"]
        read_only_fields = ["closed_by", "closed_at", "reopened_by", "reopened_at"]
        validators = []  # one open closing per month and scope: the service answers 409
