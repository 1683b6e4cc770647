"""Admin for leave, the managers' main screen: their teams' requests, pending first, with
approve/reject actions; the ledger, leave types and holiday calendars to look up.

Every write goes through a service (`leave.services`, or `core.catalog.catalog_save`
for plain catalogue rows), so the admin refuses what the API and the pages refuse, with the
same words, and every change is audited. Requests are made by people on /leave/ or through
the API, never added or edited here; ledger rows are never edited or deleted by anyone.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import Case, Count, IntegerField, Value, When
from django.utils import dateformat, timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from core.admin import AppendOnlyAdmin, CatalogAdmin, ScopedAdminMixin, ServiceAdmin, adopt
from core.admin_actions import comment_form, confirm_comment_then, confirm_then, report_per_row
from core.errors import Conflict
from core.forms import ServiceModelForm
from leave import selectors, selectors_account, services
from leave.models import (
    Holiday,
    HolidayCalendar,
    LeaveForfeitureNotice,
    LeaveLedgerEntry,
    LeaveRequest,
    LeaveType,
    WorkingTimeAdjustment,
    default_holiday_categories,
)
from users.models import MonthClosing, MonthClosingRow, User

Status = LeaveRequest.Status
PENDING_FIRST = Case(When(status=Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())


def number(value: Decimal) -> str:
    """Decimal("2.50") -> "2.5", Decimal("20.00") -> "20"."""
    return f"{value.normalize():f}" if value else "0"


def dates_label(request: LeaveRequest) -> str:
    """The days, with the half of a half day: 'Mon 2 Mar 2026 to Fri 6 Mar 2026 (morning)'."""

    def day(value, half) -> str:
        label = dateformat.format(value, "D j M Y")
        return HALF_OF_DAY[half] % {"day": label} if half else label

    if request.start_date == request.end_date:
        return day(request.start_date, request.start_half or request.end_half)
    return _("%(start)s to %(end)s") % {
        "start": day(request.start_date, request.start_half),
        "end": day(request.end_date, request.end_half),
    }


HALF_OF_DAY = {"morning": gettext_lazy("%(day)s (morning)"), "afternoon": gettext_lazy("%(day)s (afternoon)")}


def _unit(leave_type: LeaveType, amount: Decimal) -> str:
    if leave_type.unit == LeaveType.Unit.HOUR:
        return pgettext("unit", "hour") if amount == 1 else pgettext("unit", "hours")
    return pgettext("unit", "day") if amount == 1 else pgettext("unit", "days")


# --- requests ------------------------------------------------------------------------------


RejectRequestsForm = comment_form(
    gettext_lazy("Why are these requests rejected?"),
    gettext_lazy("Each requester sees this comment in the email telling them of the decision."),
)


class ShortenRequestsForm(forms.Form):
    end_date = forms.DateField(
        label=gettext_lazy("New last day"),
        help_text=gettext_lazy("The last day of leave; for a recall, the day before the person is back."),
    )
    end_half = forms.ChoiceField(
        label=gettext_lazy("That day"),
        choices=[("", gettext_lazy("The whole day")), (LeaveRequest.Half.MORNING, gettext_lazy("Morning only"))],
        required=False,
    )
    comment = forms.CharField(
        label=gettext_lazy("Why"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000, required=False
    )


@admin.register(LeaveRequest)
class LeaveRequestAdmin(ScopedAdminMixin, ServiceAdmin):
    # Years of rows: no second COUNT over the whole table on every changelist page.
    show_full_result_count = False
    list_display = ["person", "leave_type", "dates", "days", "status", "balance_left", "decided_by"]
    list_filter = ["status", "leave_type", ("user__team", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "start_date"
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "user__team", "leave_type", "decided_by"]
    ordering = [PENDING_FIRST.asc(), "start_date"]
    actions = ["approve_selected", "reject_selected", "shorten_selected"]
    fields = [
        "user",
        "leave_type",
        "start_date",
        "start_half",
        "end_date",
        "end_half",
        "working_days",
        "hours",
        "balance_left",
        "reason",
        "status",
        "decided_by",
        "decided_at",
        "decision_comment",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields  # the status only moves through the actions (the services)

    def scoped_queryset(self, user):
        return selectors.leave_requests_visible_to(user)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(ledger_balance=selectors.ledger_balance_of_row())

    @admin.display(description=gettext_lazy("Person"), ordering="user__first_name")
    def person(self, request: LeaveRequest) -> User:
        return request.user

    @admin.display(description=gettext_lazy("Dates"), ordering="start_date")
    def dates(self, request: LeaveRequest) -> str:
        return dates_label(request)

    @admin.display(description=gettext_lazy("Days"), ordering="working_days")
    def days(self, request: LeaveRequest) -> str:
        if request.leave_type.unit == LeaveType.Unit.HOUR:
            return f"{number(request.working_days)} ({number(request.hours)} h)"
        return number(request.working_days)

    @admin.display(description=gettext_lazy("Balance left (ledger)"), ordering="ledger_balance")
    def balance_left(self, request: LeaveRequest) -> str:
        """The ledger balance of the person's type, every row whatever its date (see
        `selectors.ledger_balance_of_row`); empty for types that keep no balance, such as
        sick leave."""
        if not request.leave_type.tracks_balance:
            return self.get_empty_value_display()
        balance = request.ledger_balance
        return f"{number(balance)} {_unit(request.leave_type, balance)}"

    def has_add_permission(self, request):
        return False  # people request leave on /leave/ or through the API

    def has_change_permission(self, request, obj=None):
        # "Change" is what the actions need; a single request is only ever viewed.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Approve selected requests"), permissions=["change"])
    def approve_selected(self, request, queryset):
        report_per_row(
            self,
            request,
            queryset,
            lambda row: services.leave_request_approve(request_id=row.pk, actor=request.user),
            pgettext_lazy("a leave request", "approved."),
        )

    @admin.action(description=gettext_lazy("Reject selected requests…"), permissions=["change"])
    def reject_selected(self, request, queryset):
        """Asks for the reason on a confirmation page first; nothing changes without it."""
        return confirm_comment_then(
            self,
            request,
            queryset,
            form_class=RejectRequestsForm,
            title=gettext_lazy("Reject leave requests"),
            intro=gettext_lazy("These requests will be rejected; each requester is told, with your comment:"),
            submit_label=gettext_lazy("Reject"),
            call=lambda row, comment: services.leave_request_reject(
                request_id=row.pk, actor=request.user, comment=comment
            ),
            done=pgettext_lazy("a leave request", "rejected."),
        )

    @admin.action(description=gettext_lazy("Shorten selected requests (recall from leave)…"), permissions=["change"])
    def shorten_selected(self, request, queryset):
        """Asks for the new last day; each request is shortened by the service (approved
        leave gives back what the removed days took)."""
        return confirm_then(
            self,
            request,
            queryset,
            form_class=ShortenRequestsForm,
            title=gettext_lazy("Shorten leave requests"),
            intro=gettext_lazy("These requests will end on the day you give:"),
            submit_label=gettext_lazy("Shorten"),
            on_confirm=lambda data: report_per_row(
                self,
                request,
                queryset,
                lambda row: services.leave_request_shorten(
                    request_id=row.pk,
                    actor=request.user,
                    end_date=data["end_date"],
                    end_half=data["end_half"],
                    comment=data["comment"],
                ),
                pgettext_lazy("a leave request", "shortened."),
            ),
        )


# --- ledger --------------------------------------------------------------------------------


class LedgerAdjustmentForm(ServiceModelForm):
    class Meta:
        model = LeaveLedgerEntry
        fields = ["user", "leave_type", "amount", "date", "note", "kind"]
        help_texts = {
            "amount": gettext_lazy("Positive adds to the balance, negative takes from it, in the type's unit."),
            "kind": gettext_lazy(
                "Adjustment (a correction) or payout (days paid out, negative; the statutory minimum "
                "only once the employment has ended)."
            ),
            "note": gettext_lazy("Required: why the balance changes. The person's history shows it."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "note" in self.fields:
            self.fields["note"].required = True
        if "user" in self.fields:
            self.fields["user"].queryset = User.objects.filter(is_active=True)
        if "leave_type" in self.fields:
            self.fields["leave_type"].queryset = LeaveType.objects.filter(tracks_balance=True)
        if "kind" in self.fields:
            self.fields["kind"].choices = [(kind.value, kind.label) for kind in MANUAL_KINDS]
            self.fields["kind"].required = False

    def clean_kind(self):
        return self.cleaned_data.get("kind") or LeaveLedgerEntry.Kind.ADJUSTMENT


MANUAL_KINDS = (LeaveLedgerEntry.Kind.ADJUSTMENT, LeaveLedgerEntry.Kind.PAYOUT)


@admin.register(LeaveLedgerEntry)
class LeaveLedgerEntryAdmin(ScopedAdminMixin, AppendOnlyAdmin):
    """The ledger is append-only: admins add adjustments and payouts (through `ledger_adjust`
    and `ledger_payout`, with a note); nobody edits or deletes a row. Managers see their
    teams' rows."""

    form = LedgerAdjustmentForm
    list_display = ["date", "user", "leave_type", "kind", "signed_amount", "note_localized", "request", "created_by"]
    list_filter = ["kind", "leave_type", ("user__team", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "date"
    search_fields = ["user__email", "user__first_name", "user__last_name", "note"]
    list_select_related = ["user", "leave_type", "request", "request__user", "request__leave_type", "created_by"]
    view_fields = [
        "user",
        "leave_type",
        "date",
        "amount",
        "statutory",
        "kind",
        "request",
        "note_localized",
        "created_by",
        "created_at",
        "idempotency_key",
    ]

    @admin.display(description=gettext_lazy("note"))
    def note_localized(self, entry: LeaveLedgerEntry) -> str:
        return entry.note_text

    def scoped_queryset(self, user):
        return selectors.ledger_visible_to(user)

    def get_changeform_initial_data(self, request):
        return {
            "date": request.user.local_today(),
            **super().get_changeform_initial_data(request),
        }

    @admin.display(description=gettext_lazy("Amount"), ordering="amount")
    def signed_amount(self, entry: LeaveLedgerEntry) -> str:
        return f"{entry.amount:+} {_unit(entry.leave_type, abs(entry.amount))}"

    def service_create(self, request, data):
        write = services.ledger_payout if data["kind"] == LeaveLedgerEntry.Kind.PAYOUT else services.ledger_adjust
        return write(
            actor=request.user,
            user=data["user"],
            leave_type=data["leave_type"],
            amount=data["amount"],
            on=data["date"],
            note=data["note"],
        )


class ForfeitureNoticeForm(ServiceModelForm):
    class Meta:
        model = LeaveForfeitureNotice
        fields = ["user", "leave_type", "year", "channel"]
        help_texts = {
            "channel": gettext_lazy(
                "How the person was told. Email sends the notice now; a letter or a talk is only recorded."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            self.fields["user"].queryset = User.objects.filter(is_active=True)
        if "leave_type" in self.fields:
            self.fields["leave_type"].queryset = services.notice_types()


@admin.register(LeaveForfeitureNotice)
class LeaveForfeitureNoticeAdmin(ScopedAdminMixin, AppendOnlyAdmin):
    """The forfeiture notices on record (the daily job from LEAVE_NOTICE_DATE sends them):
    without one, nothing of that year lapses. Admins record a notice given by letter or in
    person (or mail one now) through `leave_forfeiture_notice_record`; nobody edits or
    deletes one. Managers see their teams'."""

    form = ForfeitureNoticeForm
    list_display = ["year", "user", "leave_type", "sent_at", "channel", "remaining", "lapses_on", "sent_by"]
    list_filter = ["year", "channel", "leave_type", ("user__team", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "leave_type", "sent_by"]
    view_fields = [
        "user",
        "leave_type",
        "year",
        "sent_at",
        "sent_by",
        "channel",
        "remaining",
        "lapses_on",
        "max_carry_over",
        "carry_over_lapses_on",
        "created_at",
    ]

    def scoped_queryset(self, user):
        return selectors.forfeiture_notices_visible_to(user)

    def get_changeform_initial_data(self, request):
        return {"year": request.user.local_today().year, **super().get_changeform_initial_data(request)}

    def service_create(self, request, data):
        notice = services.leave_forfeiture_notice_record(
            user=data["user"],
            leave_type=data["leave_type"],
            year=data["year"],
            actor=request.user,
            channel=data["channel"],
        )
        if notice is None:
            raise Conflict(
                _("%(user)s has a notice for %(year)s on record already.")
                % {"user": data["user"], "year": data["year"]},
                code="exists",
            )
        return notice


# --- leave types and holiday calendars --------------------------------------------------------


class NoDeleteCatalogAdmin(CatalogAdmin):
    """Admins write these through `catalog_save` (audited); managers only see them. Rows that
    requests or holidays hang on are never deleted: leave types are made inactive instead."""

    def scoped_queryset(self, user):
        return self.model.objects.all()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LeaveType)
class LeaveTypeAdmin(NoDeleteCatalogAdmin):
    list_display = [
        "name",
        "code",
        "unit",
        "annual_allowance",
        "max_carry_over",
        "requires_approval",
        "tracks_balance",
        "reduces_expected_hours",
        "paid",
        "private",
        "active",
    ]
    list_filter = ["active", "unit", "paid", "requires_approval", "tracks_balance", "reduces_expected_hours", "private"]
    search_fields = ["name", "code"]


class HolidayInline(admin.TabularInline):
    """The calendar's days, to look at; they are added and removed on the Holiday pages so
    that approved leave is recalculated (`holiday_create` / `holiday_delete`)."""

    model = Holiday
    fields = ["date", "name", "half_day", "imported"]
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ImportHolidaysForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        min_value=1900,
        max_value=2200,
        help_text=gettext_lazy(
            "Holidays of the calendar's country, subdivision and categories, from the holidays package. "
            "Days already in the calendar stay as they are."
        ),
    )


class CategoriesField(forms.CharField):
    """The holidays package's categories typed as "public, catholic"; the model checks them
    against the country."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        text = super().to_python(value)
        return [part.strip() for part in text.split(",") if part.strip()]


class HolidayCalendarAdminForm(ServiceModelForm):
    categories = CategoriesField(
        max_length=200,
        required=False,
        initial="public",
        help_text=format_lazy(
            "{} {}",
            HolidayCalendar._meta.get_field("categories").help_text,
            gettext_lazy("Change them, then import the year again: days already in the calendar stay."),
        ),
    )

    class Meta:
        model = HolidayCalendar
        fields = ["name", "country", "subdivision", "categories"]

    def clean_categories(self):
        """Left empty: public holidays, the model's default."""
        return self.cleaned_data["categories"] or default_holiday_categories()


@admin.register(HolidayCalendar)
class HolidayCalendarAdmin(NoDeleteCatalogAdmin):
    form = HolidayCalendarAdminForm
    list_display = ["name", "country", "subdivision", "categories_label", "holiday_count"]
    search_fields = ["name", "country", "subdivision"]
    inlines = [HolidayInline]
    actions = ["import_holidays"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(holiday_total=Count("holidays"))

    def save_related(self, request, form, formsets, change):
        """catalog_save has saved the calendar. The holidays inline is read-only, so saving
        it writes nothing; it runs so the admin's change message can read it."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.display(description=gettext_lazy("Categories"))
    def categories_label(self, calendar: HolidayCalendar) -> str:
        return ", ".join(calendar.categories)

    @admin.display(description=gettext_lazy("Holidays"), ordering="holiday_total")
    def holiday_count(self, calendar: HolidayCalendar) -> int:
        return calendar.holiday_total

    @admin.action(description=gettext_lazy("Import holidays for a year…"), permissions=["change"])
    def import_holidays(self, request, queryset):
        """Asks for the year on a confirmation page, then imports it into each calendar."""

        def import_year(data):
            def imported(calendar, created) -> str:
                return ngettext(
                    "%(count)d holiday of %(year)s imported.", "%(count)d holidays of %(year)s imported.", len(created)
                ) % {"count": len(created), "year": data["year"]}

            report_per_row(
                self,
                request,
                queryset,
                lambda calendar: services.holidays_import(calendar=calendar, year=data["year"], actor=request.user),
                imported,
            )

        return confirm_then(
            self,
            request,
            queryset,
            form_class=ImportHolidaysForm,
            initial={"year": timezone.localdate().year},
            title=gettext_lazy("Import holidays"),
            intro=gettext_lazy(
                "Holidays of their categories will be added to these calendars; "
                "leave that covers a new holiday is counted again:"
            ),
            submit_label=gettext_lazy("Import holidays"),
            on_confirm=import_year,
        )


class HolidayAdminForm(ServiceModelForm):
    class Meta:
        model = Holiday
        fields = ["calendar", "date", "name", "half_day"]


@admin.register(Holiday)
class HolidayAdmin(ServiceAdmin):
    """A holiday is added or removed through the services, which recount the leave that
    covers its day; it is never changed in place (remove it and add the right one)."""

    form = HolidayAdminForm
    list_display = ["date", "name", "calendar", "half_day", "imported"]
    list_filter = ["calendar", "imported", "half_day"]
    date_hierarchy = "date"
    search_fields = ["name"]
    list_select_related = ["calendar"]

    def get_fields(self, request, obj=None):
        return HolidayAdminForm.Meta.fields if obj is None else [*HolidayAdminForm.Meta.fields, "imported"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        holiday = self.call_service(
            lambda: services.holiday_create(
                calendar=data["calendar"],
                day=data["date"],
                name=data["name"],
                half_day=data["half_day"],
                actor=request.user,
            )
        )
        adopt(obj, holiday)

    def save_related(self, request, form, formsets, change):
        """A holiday has no related rows to save."""

    def service_delete(self, request, obj):
        services.holiday_delete(holiday=obj, actor=request.user)


# --- working-time accounts ---------------------------------------------------------------------


class WorkingTimeAdjustmentForm(ServiceModelForm):
    class Meta:
        model = WorkingTimeAdjustment
        fields = ["user", "kind", "hours", "date", "reason"]
        help_texts = {
            "hours": gettext_lazy(
                "Signed: positive adds to the account, negative takes from it (a payout, a forfeit)."
            ),
            "reason": gettext_lazy("Required: why the account moves. The person's history shows it."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            self.fields["user"].queryset = User.objects.filter(is_active=True)


@admin.register(WorkingTimeAdjustment)
class WorkingTimeAdjustmentAdmin(ScopedAdminMixin, AppendOnlyAdmin):
    """Working-time account adjustments are append-only like the ledger: admins add them
    (through `working_time_adjustment_create`, with a reason, audited); nobody edits or
    deletes one."""

    form = WorkingTimeAdjustmentForm
    list_display = ["date", "user", "kind", "signed_hours", "reason", "actor", "created_at"]
    list_filter = ["kind", ("user__team", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "date"
    search_fields = ["user__email", "user__first_name", "user__last_name", "reason"]
    list_select_related = ["user", "actor"]
    view_fields = ["user", "kind", "hours", "date", "reason", "actor", "created_at", "idempotency_key"]

    def scoped_queryset(self, user):
        return selectors_account.adjustments_visible_to(user)

    def get_changeform_initial_data(self, request):
        return {"date": request.user.local_today(), **super().get_changeform_initial_data(request)}

    @admin.display(description=gettext_lazy("Hours"), ordering="hours")
    def signed_hours(self, adjustment: WorkingTimeAdjustment) -> str:
        return f"{adjustment.hours:+} h"

    def service_create(self, request, data):
        adjustment, _created = services.working_time_adjustment_create(
            actor=request.user,
            user=data["user"],
            kind=data["kind"],
            hours=data["hours"],
            on=data["date"],
            reason=data["reason"],
        )
        return adjustment


# --- month closings ------------------------------------------------------------------------


class MonthClosingRowInline(admin.TabularInline):
    model = MonthClosingRow
    fields = ["user", "worked_hours", "expected_hours", "balance_hours"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MonthClosingForm(ServiceModelForm):
    class Meta:
        model = MonthClosing
        fields = ["month", "team"]
        help_texts = {
            "month": gettext_lazy("Any day of the month to close."),
            "team": gettext_lazy("Empty: the whole company."),
        }

    def clean_month(self):
        month = self.cleaned_data["month"]
        return month.replace(day=1) if month else month


@admin.register(MonthClosing)
class MonthClosingAdmin(AppendOnlyAdmin):
    """Admins close a month for payroll (`leave.services.month_closing_create`, which
    freezes each person's figures) and reopen it with the action; a closing is never edited
    or deleted, so its history stays."""

    form = MonthClosingForm
    list_display = ["month_label", "scope", "closed_by", "closed_at", "reopened_by", "reopened_at"]
    list_filter = [("team", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["team", "closed_by", "reopened_by"]
    actions = ["reopen_selected"]
    inlines = [MonthClosingRowInline]
    view_fields = ["month", "team", "closed_by", "closed_at", "reopened_by", "reopened_at"]
    change_for_actions = True  # the reopen action; a closing itself is only ever viewed

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_admin

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    @admin.display(description=gettext_lazy("Month"), ordering="month")
    def month_label(self, closing: MonthClosing) -> str:
        return dateformat.format(closing.month, "F Y")

    @admin.display(description=gettext_lazy("For"), ordering="team__name")
    def scope(self, closing: MonthClosing) -> str:
        return str(closing.team or _("the company"))

    def service_create(self, request, data):
        return services.month_closing_create(actor=request.user, month=data["month"], team=data.get("team"))

    @admin.action(description=gettext_lazy("Reopen selected months"), permissions=["change"])
    def reopen_selected(self, request, queryset):
        report_per_row(
            self,
            request,
            queryset,
            lambda row: services.month_closing_reopen(closing_id=row.pk, actor=request.user),
            pgettext_lazy("a month", "reopened."),
        )
