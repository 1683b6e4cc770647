import re
import secrets
from datetime import date
from decimal import Decimal

import holidays as holidays_package
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.texts import text_render, text_translated
from core.validators import color_validator

# The comment on leave whose type needs no approval, kept in English and shown translated.
APPROVED_AUTOMATICALLY = gettext_noop("Approved automatically.")


class LeaveType(models.Model):
    class Unit(models.TextChoices):
        DAY = "day", _("Days")
        HOUR = "hour", _("Hours")

    name = models.CharField(verbose_name=_("name"), max_length=100)
    code = models.SlugField(verbose_name=_("code"), max_length=32, unique=True)
    color = models.CharField(verbose_name=_("color"), max_length=7, default="#2e7d32", validators=[color_validator])
    unit = models.CharField(verbose_name=_("unit"), max_length=8, choices=Unit.choices, default=Unit.DAY)
    paid = models.BooleanField(verbose_name=_("paid"), default=True)
    requires_approval = models.BooleanField(verbose_name=_("requires approval"), default=True)
    # Whether requests draw on a ledger balance at all (sick and unpaid leave do not).
    tracks_balance = models.BooleanField(verbose_name=_("tracks balance"), default=True)
    annual_allowance = models.DecimalField(
        verbose_name=_("annual allowance"),
        max_digits=6,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Days per full year."),
    )
    max_carry_over = models.DecimalField(
        verbose_name=_("max carry over"), max_digits=6, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    carry_over_expires_month = models.PositiveSmallIntegerField(
        verbose_name=_("carry over expires month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    carry_over_expires_day = models.PositiveSmallIntegerField(
        verbose_name=_("carry over expires day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    allow_negative = models.BooleanField(verbose_name=_("allow negative"), default=False)
    half_days_allowed = models.BooleanField(verbose_name=_("half days allowed"), default=True)
    # Paid annual leave and sick leave are neutral for the working-time average (WTD Art. 16(b)).
    neutral_for_working_time = models.BooleanField(verbose_name=_("neutral for working time"), default=True)
    # Time off in lieu (compensatory time) is taken from the working-time account: its days
    # stay expected, so a day of it lowers the account by that day's contract hours.
    reduces_expected_hours = models.BooleanField(
        verbose_name=_("reduces expected hours"),
        default=True,
        help_text=_(
            "Days of this leave are not expected work (vacation, sick, unpaid). Off for time off "
            "in lieu: it is taken from the working-time account instead of a leave balance."
        ),
    )
    # Health data and the like (GDPR Art. 9): seen only by the person, their managers and admins.
    private = models.BooleanField(
        verbose_name=_("private"),
        default=False,
        help_text=_(
            "Only the person, their managers and admins see this type; team mates, shared "
            "calendars, search and dashboards show the leave as 'Absent' (sick leave is private)."
        ),
    )
    # Sickness during approved leave does not count as leave (BUrlG §9): a request of such a
    # type may overlap approved balance-tracking leave, whose days it covers are credited back.
    interrupts_leave = models.BooleanField(
        verbose_name=_("interrupts leave"),
        default=False,
        help_text=_(
            "A request of this type may fall inside approved leave (sickness during vacation); "
            "the working days it covers are credited back to that leave's balance."
        ),
    )
    # Paid annual leave in the sense of BUrlG §3 / WTD Art. 7: its yearly entitlement holds
    # the statutory minimum of four weeks at the person's work days, booked apart from the
    # contractual extra (`LeaveLedgerEntry.statutory`).
    statutory_annual_leave = models.BooleanField(
        verbose_name=_("statutory annual leave"),
        default=False,
        help_text=_(
            "Paid annual leave (BUrlG): each year's entitlement is at least four weeks at the "
            "person's work days, and that statutory part cannot be paid out while they are employed."
        ),
    )
    active = models.BooleanField(verbose_name=_("active"), default=True)

    class Meta:
        verbose_name = _("leave type")
        verbose_name_plural = _("leave types")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(carry_over_expires_month__isnull=True, carry_over_expires_day__isnull=True)
                | Q(carry_over_expires_month__isnull=False, carry_over_expires_day__isnull=False),
                name="leavetype_carry_over_expiry_complete",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """The carry-over expires on a day of every year, given as both month and day or
        neither (the API and the admin both save through `full_clean`)."""
        month, day = self.carry_over_expires_month, self.carry_over_expires_day
        if (month is None) != (day is None):
            raise ValidationError(
                {"carry_over_expires_day": "Give both the month and the day the carry-over expires, or neither."}
            )
        if month is not None:
            try:
                date(2025, month, day)  # a year without 29 February: the expiry must exist every year
            except ValueError as error:
                raise ValidationError(
                    {"carry_over_expires_day": f"{month}/{day} is not a day of every year."}
                ) from error


def default_holiday_categories() -> list[str]:
    return [holidays_package.PUBLIC]


def holiday_categories_of(country: str) -> tuple[str, ...] | None:
    """The categories the `holidays` package knows for `country` ("public", "catholic", …),
    or None for a country it does not know (company calendars are free)."""
    if country not in holidays_package.list_supported_countries():
        return None
    return tuple(holidays_package.country_holidays(country).supported_categories)


class HolidayCalendar(models.Model):
    name = models.CharField(verbose_name=_("name"), max_length=100, unique=True)
    country = models.CharField(verbose_name=_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2, e.g. DE."))
    subdivision = models.CharField(
        verbose_name=_("subdivision"), max_length=10, blank=True, help_text=_("e.g. BY for Bavaria.")
    )
    # Which of the package's categories an import brings in: Bavaria's Assumption Day is
    # "catholic" (a holiday only in its predominantly Catholic municipalities), not "public".
    categories = models.JSONField(
        verbose_name=_("categories"),
        default=default_holiday_categories,
        help_text='Categories of the holidays package to import, e.g. "public, catholic" for a Bavarian '
        "municipality where Assumption Day is a holiday.",
    )

    class Meta:
        verbose_name = _("holiday calendar")
        verbose_name_plural = _("holiday calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """The country as an ISO code in capitals; a subdivision of a country the holidays
        package knows must be one of its own, spelt as the package spells it (company
        calendars of other countries are free)."""
        self.country = (self.country or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", self.country):
            raise ValidationError({"country": "Give an ISO 3166-1 alpha-2 country code, e.g. DE."})
        self.subdivision = (self.subdivision or "").strip()
        known = holidays_package.list_supported_countries().get(self.country)
        if self.subdivision and known is not None:
            canonical = {code.upper(): code for code in known}
            if self.subdivision.upper() not in canonical:
                message = f"{self.country} has no subdivision '{self.subdivision}'; known: {', '.join(known)}."
                raise ValidationError({"subdivision": message})
            self.subdivision = canonical[self.subdivision.upper()]
        self.categories = self._clean_categories()

    def _clean_categories(self) -> list[str]:
        """Lower case, each once, in the order given; at least one, and only categories the
        package knows for the country (any for a country it does not know)."""
        given = self.categories if isinstance(self.categories, list | tuple) else [self.categories]
        if not all(isinstance(category, str) for category in given):
            raise ValidationError({"categories": "Give the categories as a list of names, e.g. public, catholic."})
        categories = list(dict.fromkeys(category.strip().lower() for category in given if category.strip()))
        if not categories:
            raise ValidationError({"categories": "Choose at least one category, e.g. public."})
        known = holiday_categories_of(self.country)
        unknown = [category for category in categories if known is not None and category not in known]
        if unknown:
            raise ValidationError(
                {
                    "categories": f"The holidays package has no category {', '.join(unknown)} for {self.country}; "
                    f"it knows {', '.join(known)}."
                }
            )
        return categories


class Holiday(models.Model):
    calendar = models.ForeignKey(
        HolidayCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(verbose_name=_("date"))
    name = models.CharField(verbose_name=_("name"), max_length=200)
    half_day = models.BooleanField(verbose_name=_("half day"), default=False)
    imported = models.BooleanField(
        verbose_name=_("imported"), default=False, help_text=_("From the holidays package rather than a company day.")
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_one_per_calendar_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class LeaveRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    class Half(models.TextChoices):
        MORNING = "morning", _("Morning only")
        AFTERNOON = "afternoon", _("Afternoon only")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="leave_requests"
    )
    leave_type = models.ForeignKey(
        LeaveType, verbose_name=_("leave type"), on_delete=models.PROTECT, related_name="requests"
    )
    start_date = models.DateField(verbose_name=_("start date"))
    end_date = models.DateField(verbose_name=_("end date"))
    # Empty: the whole first/last day. Morning/afternoon: only that half of it is leave.
    start_half = models.CharField(verbose_name=_("start half"), max_length=10, choices=Half.choices, blank=True)
    end_half = models.CharField(verbose_name=_("end half"), max_length=10, choices=Half.choices, blank=True)
    working_days = models.DecimalField(
        verbose_name=_("working days"), max_digits=6, decimal_places=1, default=Decimal(0)
    )
    hours = models.DecimalField(verbose_name=_("hours"), max_digits=7, decimal_places=2, default=Decimal(0))
    reason = models.TextField(verbose_name=_("reason"), blank=True, max_length=2000)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(verbose_name=_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(verbose_name=_("decision comment"), blank=True, max_length=2000)
    # Working days of this (approved) request given back because sickness fell on them
    # (BUrlG §9); `working_days` stays what was asked.
    sick_days_credited = models.DecimalField(
        verbose_name=_("sick days credited"), max_digits=6, decimal_places=1, default=Decimal(0)
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["user", "start_date", "end_date"], name="leaverequest_user_dates"),
            models.Index(fields=["status", "start_date"], name="leaverequest_status_start"),
            # The lists' order: a page is read off it, not sorted out of every request joined.
            models.Index(F("start_date").desc(), F("id").desc(), name="leaverequest_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="leaverequest_end_not_before_start"
            ),
            models.CheckConstraint(condition=Q(working_days__gte=0), name="leaverequest_working_days_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.leave_type} {self.start_date} to {self.end_date}"

    @property
    def decision_comment_text(self) -> str:
        """The decision's comment in the active language where the system wrote it
        (`APPROVED_AUTOMATICALLY`, stored in English), else as the person wrote it."""
        return text_translated(self.decision_comment, [APPROVED_AUTOMATICALLY])

    @property
    def amount(self) -> Decimal:
        """What the request draws from the ledger, in the type's unit."""
        return self.hours if self.leave_type.unit == LeaveType.Unit.HOUR else self.working_days

    @property
    def net_working_days(self) -> Decimal:
        """The working days the request still takes once sickness during it is credited back."""
        return self.working_days - self.sick_days_credited


class LeaveLedgerQuerySet(models.QuerySet):
    def balances(self, as_of: date | None = None) -> "models.QuerySet":
        """The one definition of a leave balance: per (user, leave type), the sum of the
        ledger rows dated up to `as_of` (every row when None), as `{"user", "leave_type",
        "balance"}` rows. One person's balance, many people's, and the admin's per-row
        subquery all read it from here."""
        rows = self if as_of is None else self.filter(date__lte=as_of)
        return rows.order_by().values("user", "leave_type").annotate(balance=models.Sum("amount"))


class LeaveLedgerEntry(models.Model):
    """One signed movement of a user's balance of one leave type. Balances are sums of these."""

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("Accrual")
        CARRY_OVER = "carry_over", _("Carry-over")
        EXPIRY = "expiry", _("Expiry")
        DEBIT = "debit", _("Debit")
        CREDIT = "credit", _("Credit")
        ADJUSTMENT = "adjustment", _("Adjustment")
        SICK_CREDIT = "sick_credit", _("Sick credit")
        PAYOUT = "payout", _("Payout")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="leave_ledger"
    )
    leave_type = models.ForeignKey(
        LeaveType, verbose_name=_("leave type"), on_delete=models.PROTECT, related_name="ledger_entries"
    )
    date = models.DateField(verbose_name=_("date"))
    amount = models.DecimalField(verbose_name=_("amount"), max_digits=7, decimal_places=2)
    # The part of `amount` that is the statutory minimum (BUrlG §3, on types with
    # `statutory_annual_leave`); the rest is the contractual extra. Set on entitlement rows
    # (accrual and its re-counts) and on a payout after leaving; 0 elsewhere.
    statutory = models.DecimalField(verbose_name=_("statutory"), max_digits=7, decimal_places=2, default=Decimal(0))
    kind = models.CharField(verbose_name=_("kind"), max_length=12, choices=Kind.choices)
    request = models.ForeignKey(
        LeaveRequest,
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    # The other request behind the row: on a sick credit (and its reversal) `request` is the
    # leave credited and `related_request` the sick leave that caused it.
    related_request = models.ForeignKey(
        LeaveRequest,
        verbose_name=_("related request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="related_ledger_entries",
    )
    # A note the system writes is kept in English in `note` (the API's) and as a code with
    # parameters (`core.texts`) that `note_text` shows in the reader's language.
    note = models.CharField(verbose_name=_("note"), max_length=255, blank=True)
    note_code = models.TextField(verbose_name=_("note code"), blank=True, default="")
    note_params = models.JSONField(verbose_name=_("note parameters"), default=dict, blank=True)
    idempotency_key = models.CharField(verbose_name=_("idempotency key"), max_length=120, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    objects = LeaveLedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("leave ledger entry")
        verbose_name_plural = _("leave ledger entries")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["user", "leave_type", "date"], name="leaveledger_user_type_date")]
        constraints = [
            # The statutory part lies between 0 and the amount, on the amount's side.
            models.CheckConstraint(
                condition=Q(amount__gte=0, statutory__gte=0, statutory__lte=F("amount"))
                | Q(amount__lt=0, statutory__lte=0, statutory__gte=F("amount")),
                name="leaveledger_statutory_within_amount",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} {self.amount:+}"

    @property
    def note_text(self) -> str:
        """The note in the active language (`core.texts`); a typed note as typed."""
        return text_render(self.note_code, self.note_params, self.note)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A secret ICS URL: a person's own absences, or a manager's team."""

    class Scope(models.TextChoices):
        PERSONAL = "personal", _("My absences")
        TEAM = "team", _("My teams' absences")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    scope = models.CharField(verbose_name=_("scope"), max_length=10, choices=Scope.choices)
    token = models.CharField(verbose_name=_("token"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [models.UniqueConstraint(fields=["user", "scope"], name="calendarfeed_one_per_scope")]

    def __str__(self) -> str:
        return f"{self.user} {self.scope} feed"


class WorkingTimeAdjustment(models.Model):
    """One signed movement of a person's working-time account besides worked and expected
    hours: a balance carried from a previous system, hours paid out, a correction, hours
    forfeited above a cap. Written only by `leave.services.account`."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening balance")
        PAYOUT = "payout", _("Payout")
        CORRECTION = "correction", _("Correction")
        FORFEIT = "forfeit", _("Forfeit")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="working_time_adjustments",
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=12, choices=Kind.choices)
    hours = models.DecimalField(verbose_name=_("hours"), max_digits=8, decimal_places=2)
    date = models.DateField(verbose_name=_("date"))
    reason = models.CharField(verbose_name=_("reason"), max_length=255)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    idempotency_key = models.CharField(verbose_name=_("idempotency key"), max_length=120, unique=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("working time adjustment")
        verbose_name_plural = _("working time adjustments")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["user", "date"], name="wtadjustment_user_date")]
        constraints = [
            models.CheckConstraint(condition=~Q(hours=0), name="wtadjustment_hours_not_zero"),
            models.CheckConstraint(condition=~Q(reason=""), name="wtadjustment_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} {self.hours:+} h"


class LeaveForfeitureNotice(models.Model):
    """The employer told `user` in good time how much of `leave_type` for `year` is left,
    when it lapses, and asked them to take it (CJEU C-684/16 Max-Planck, BAG 9 AZR 541/15).
    Without a notice on record nothing of that year lapses. One per person, type and year;
    written only by `leave.services.notices`, never changed."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        LETTER = "letter", _("Letter")
        IN_PERSON = "in_person", _("In person")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="forfeiture_notices"
    )
    leave_type = models.ForeignKey(
        LeaveType, verbose_name=_("leave type"), on_delete=models.PROTECT, related_name="forfeiture_notices"
    )
    year = models.PositiveSmallIntegerField(
        verbose_name=_("year"), help_text=_("The leave year whose days the notice is about.")
    )
    sent_at = models.DateTimeField(verbose_name=_("sent at"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the yearly job sent it."),
    )
    channel = models.CharField(verbose_name=_("channel"), max_length=12, choices=Channel.choices, default=Channel.EMAIL)
    remaining = models.DecimalField(
        verbose_name=_("remaining"),
        max_digits=7,
        decimal_places=2,
        help_text=_("Left of the year when told, planned and pending leave deducted."),
    )
    lapses_on = models.DateField(
        verbose_name=_("lapses on"), help_text=_("What is not taken by the end of this day lapses (31 December).")
    )
    max_carry_over = models.DecimalField(verbose_name=_("max carry over"), max_digits=6, decimal_places=2, default=0)
    carry_over_lapses_on = models.DateField(
        verbose_name=_("carry over lapses on"),
        null=True,
        blank=True,
        help_text=_("Up to max_carry_over days may instead be taken until the end of this day."),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("leave forfeiture notice")
        verbose_name_plural = _("leave forfeiture notices")
        ordering = ["-year", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "leave_type", "year"], name="forfeiturenotice_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.leave_type} {self.year}: {self.remaining} lapse on {self.lapses_on}"
