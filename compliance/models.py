from functools import partial

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from compliance.policies import default_limit
from users.models import Team


def _default_max_weekly():
    """Kept for migration 0001, which names it."""
    return default_limit("max_weekly_hours")


def _default_min_daily_rest():
    """Kept for migration 0001, which names it."""
    return default_limit("min_daily_rest_hours")


class WorkingTimePolicy(models.Model):
    """The limits of the EU Working Time Directive as a company applies them. One policy is
    the default; a team may have its own."""

    class Enforcement(models.TextChoices):
        WARN = "warn", "Warn (save and report)"
        BLOCK = "block", "Block approval (save and report; a week with open violations needs a manager's reason)"

    class ClockedTimes(models.TextChoices):
        AUTO = "auto", "Auto (required on German holiday calendars)"
        ON = "on", "Required"
        OFF = "off", "Not required"

    class AccountCapPeriod(models.TextChoices):
        MONTH = "month", "Month (every month's close)"
        QUARTER = "quarter", "Quarter (the close of March, June, September, December)"
        YEAR = "year", "Year (the close of December)"

    class NightAveragePeriod(models.TextChoices):
        MONTH = "month", "Calendar month"
        FOUR_WEEKS = "4weeks", "4 weeks"

    name = models.CharField(max_length=100, unique=True)
    is_default = models.BooleanField(default=False)
    teams = models.ManyToManyField(Team, blank=True, related_name="working_time_policies")
    max_weekly_hours = models.DecimalField(
        max_digits=5, decimal_places=2, default=partial(default_limit, "max_weekly_hours")
    )
    reference_period_weeks = models.PositiveSmallIntegerField(
        default=partial(default_limit, "reference_period_weeks"),
        validators=[MinValueValidator(1), MaxValueValidator(52)],
    )
    min_daily_rest_hours = models.DecimalField(
        max_digits=4, decimal_places=2, default=partial(default_limit, "min_daily_rest_hours")
    )
    min_weekly_rest_hours = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=partial(default_limit, "min_weekly_rest_hours"),
        help_text="Taken together with one daily rest.",
    )
    max_daily_hours = models.DecimalField(
        max_digits=4, decimal_places=2, default=partial(default_limit, "max_daily_hours")
    )
    break_after_hours = models.DecimalField(
        max_digits=4, decimal_places=2, default=partial(default_limit, "break_after_hours")
    )
    break_minutes = models.PositiveSmallIntegerField(default=partial(default_limit, "break_minutes"))
    long_break_after_hours = models.DecimalField(
        max_digits=4, decimal_places=2, default=partial(default_limit, "long_break_after_hours")
    )
    long_break_minutes = models.PositiveSmallIntegerField(default=partial(default_limit, "long_break_minutes"))
    min_break_gap_minutes = models.PositiveSmallIntegerField(
        default=partial(default_limit, "min_break_gap_minutes"),
        help_text="A gap at least this long counts as a break; shorter gaps join entries into one block.",
    )
    night_start = models.TimeField(
        default=partial(default_limit, "night_start"),
        help_text="Night time begins (ArbZG §2(3): 23:00); work covering more than 2 hours of it is night work.",
    )
    night_end = models.TimeField(default=partial(default_limit, "night_end"), help_text="Night time ends (06:00).")
    night_average_period = models.CharField(
        max_length=8,
        choices=NightAveragePeriod.choices,
        default=NightAveragePeriod.MONTH,
        help_text="Over which period a night worker's working day must average 8 hours at most (ArbZG §6(2)).",
    )
    collective_agreement_exception = models.BooleanField(
        default=False,
        help_text="The limits deviate from the statutory ones under a collective agreement (ArbZG §7, "
        "Directive Art. 18-19): without it, limits looser than the law are refused.",
    )
    collective_agreement_reference = models.CharField(
        max_length=200, blank=True, help_text="The agreement and clause the deviation rests on."
    )
    account_cap_hours = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="The most a working-time account may carry at the end of each cap period; the hours above it "
        "are forfeited when the period's last month is closed. Empty: no cap.",
    )
    account_cap_period = models.CharField(
        max_length=8, choices=AccountCapPeriod.choices, default=AccountCapPeriod.MONTH
    )
    enforcement = models.CharField(
        max_length=8,
        choices=Enforcement.choices,
        default=Enforcement.WARN,
        help_text="Recording is never refused: every entry is saved and its findings raised as violations. "
        "Block stops the approval of a week with open violations until a manager acknowledges each or "
        "approves with a reason, recorded on each.",
    )
    require_clocked_times = models.CharField(
        max_length=4,
        choices=ClockedTimes.choices,
        default=ClockedTimes.AUTO,
        help_text="Whether a day recorded only as hours (no start and end) is a finding. German employers must "
        "record the beginning, end and duration of working time (BAG 1 ABR 22/21): auto requires them for "
        "people whose holiday calendar is German.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "working-time policies"
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="policy_one_default"),
            models.CheckConstraint(condition=Q(max_weekly_hours__gt=0), name="policy_max_weekly_positive"),
            models.CheckConstraint(condition=Q(max_daily_hours__gt=0), name="policy_max_daily_positive"),
        ]

    def __str__(self) -> str:
        return self.name


# What an admin sets on a policy, in the order the admin form and the API show it.
POLICY_FIELDS = [
    "name",
    "is_default",
    "teams",
    "enforcement",
    "require_clocked_times",
    "max_weekly_hours",
    "reference_period_weeks",
    "min_daily_rest_hours",
    "min_weekly_rest_hours",
    "max_daily_hours",
    "break_after_hours",
    "break_minutes",
    "long_break_after_hours",
    "long_break_minutes",
    "min_break_gap_minutes",
    "account_cap_hours",
    "account_cap_period",
    "collective_agreement_exception",
    "collective_agreement_reference",
    "night_start",
    "night_end",
    "night_average_period",
]


class Violation(models.Model):
    class Rule(models.TextChoices):
        WEEKLY_AVERAGE = "weekly_average", "Average weekly hours"
        DAILY_REST = "daily_rest", "Daily rest"
        WEEKLY_REST = "weekly_rest", "Weekly rest"
        DAILY_MAX = "daily_max", "Maximum daily hours"
        BREAKS = "breaks", "Breaks"
        WORK_IN_A_ROW = "work_in_a_row", "Work in a row without a break"
        TIMES_NOT_RECORDED = "times_not_recorded", "Times not recorded"
        NIGHT_AVERAGE = "night_average", "Night workers' 8-hour average"
        SUNDAY_WORK = "sunday_work", "Work on a Sunday"
        HOLIDAY_WORK = "holiday_work", "Work on a public holiday"
        SUBSTITUTE_REST = "substitute_rest", "Substitute rest day"
        FREE_SUNDAYS = "free_sundays", "15 free Sundays a year"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="violations")
    rule = models.CharField(max_length=20, choices=Rule.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    measured = models.DecimalField(max_digits=7, decimal_places=2)
    limit = models.DecimalField(max_digits=7, decimal_places=2)
    message = models.CharField(max_length=255)
    entries = models.JSONField(default=list, blank=True, help_text="Ids of the time entries involved.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=2000)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True, max_length=2000, help_text="Why the violation was resolved.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_end", "user"]
        indexes = [models.Index(fields=["user", "period_end"], name="violation_user_period")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "rule", "period_start", "period_end"], name="violation_unique_user_rule_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="violation_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_rule_display()} {self.period_start} to {self.period_end}"
