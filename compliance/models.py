from functools import partial

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from compliance.policies import default_limit
from core.texts import text_render
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
        WARN = "warn", _("Warn (save and report)")
        BLOCK = "block", _("Block approval (save and report; a week with open violations needs a manager's reason)")

    class ClockedTimes(models.TextChoices):
        AUTO = "auto", _("Auto (required on German holiday calendars)")
        ON = "on", _("Required")
        OFF = "off", _("Not required")

    class AccountCapPeriod(models.TextChoices):
        MONTH = "month", _("Month (every month's close)")
        QUARTER = "quarter", _("Quarter (the close of March, June, September, December)")
        YEAR = "year", _("Year (the close of December)")

    class NightAveragePeriod(models.TextChoices):
        MONTH = "month", _("Calendar month")
        FOUR_WEEKS = "4weeks", _("4 weeks")

    name = models.CharField(verbose_name=_("name"), max_length=100, unique=True)
    is_default = models.BooleanField(verbose_name=_("is default"), default=False)
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="working_time_policies")
    max_weekly_hours = models.DecimalField(
        verbose_name=_("max weekly hours"),
        max_digits=5,
        decimal_places=2,
        default=partial(default_limit, "max_weekly_hours"),
    )
    reference_period_weeks = models.PositiveSmallIntegerField(
        verbose_name=_("reference period weeks"),
        default=partial(default_limit, "reference_period_weeks"),
        validators=[MinValueValidator(1), MaxValueValidator(52)],
    )
    min_daily_rest_hours = models.DecimalField(
        verbose_name=_("min daily rest hours"),
        max_digits=4,
        decimal_places=2,
        default=partial(default_limit, "min_daily_rest_hours"),
    )
    min_weekly_rest_hours = models.DecimalField(
        verbose_name=_("min weekly rest hours"),
        max_digits=4,
        decimal_places=2,
        default=partial(default_limit, "min_weekly_rest_hours"),
        help_text=_("Taken together with one daily rest."),
    )
    max_daily_hours = models.DecimalField(
        verbose_name=_("max daily hours"),
        max_digits=4,
        decimal_places=2,
        default=partial(default_limit, "max_daily_hours"),
    )
    break_after_hours = models.DecimalField(
        verbose_name=_("break after hours"),
        max_digits=4,
        decimal_places=2,
        default=partial(default_limit, "break_after_hours"),
    )
    break_minutes = models.PositiveSmallIntegerField(
        verbose_name=_("break minutes"), default=partial(default_limit, "break_minutes")
    )
    long_break_after_hours = models.DecimalField(
        verbose_name=_("long break after hours"),
        max_digits=4,
        decimal_places=2,
        default=partial(default_limit, "long_break_after_hours"),
    )
    long_break_minutes = models.PositiveSmallIntegerField(
        verbose_name=_("long break minutes"), default=partial(default_limit, "long_break_minutes")
    )
    min_break_gap_minutes = models.PositiveSmallIntegerField(
        verbose_name=_("min break gap minutes"),
        default=partial(default_limit, "min_break_gap_minutes"),
        help_text=_("A gap at least this long counts as a break; shorter gaps join entries into one block."),
    )
    night_start = models.TimeField(
        verbose_name=_("night start"),
        default=partial(default_limit, "night_start"),
        help_text=_("Night time begins (ArbZG §2(3): 23:00); work covering more than 2 hours of it is night work."),
    )
    night_end = models.TimeField(
        verbose_name=_("night end"),
        default=partial(default_limit, "night_end"),
        help_text=_("Night time ends (06:00)."),
    )
    night_average_period = models.CharField(
        verbose_name=_("night average period"),
        max_length=8,
        choices=NightAveragePeriod.choices,
        default=NightAveragePeriod.MONTH,
        help_text=_("Over which period a night worker's working day must average 8 hours at most (ArbZG §6(2))."),
    )
    collective_agreement_exception = models.BooleanField(
        verbose_name=_("collective agreement exception"),
        default=False,
        help_text=_(
            "The limits deviate from the statutory ones under a collective agreement (ArbZG §7, "
            "Directive Art. 18-19): without it, limits looser than the law are refused."
        ),
    )
    collective_agreement_reference = models.CharField(
        verbose_name=_("collective agreement reference"),
        max_length=200,
        blank=True,
        help_text=_("The agreement and clause the deviation rests on."),
    )
    account_cap_hours = models.DecimalField(
        verbose_name=_("account cap hours"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "The most a working-time account may carry at the end of each cap period; the hours above it "
            "are forfeited when the period's last month is closed. Empty: no cap."
        ),
    )
    account_cap_period = models.CharField(
        verbose_name=_("account cap period"),
        max_length=8,
        choices=AccountCapPeriod.choices,
        default=AccountCapPeriod.MONTH,
    )
    enforcement = models.CharField(
        verbose_name=_("enforcement"),
        max_length=8,
        choices=Enforcement.choices,
        default=Enforcement.WARN,
        help_text=_(
            "Recording is never refused: every entry is saved and its findings raised as violations. "
            "Block stops the approval of a week with open violations until a manager acknowledges each or "
            "approves with a reason, recorded on each."
        ),
    )
    require_clocked_times = models.CharField(
        verbose_name=_("require clocked times"),
        max_length=4,
        choices=ClockedTimes.choices,
        default=ClockedTimes.AUTO,
        help_text=_(
            "Whether a day recorded only as hours (no start and end) is a finding. German employers must "
            "record the beginning, end and duration of working time (BAG 1 ABR 22/21): auto requires them for "
            "people whose holiday calendar is German."
        ),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("working time policy")
        verbose_name_plural = _("working-time policies")
        ordering = ["name"]
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
        WEEKLY_AVERAGE = "weekly_average", _("Average weekly hours")
        DAILY_REST = "daily_rest", _("Daily rest")
        WEEKLY_REST = "weekly_rest", _("Weekly rest")
        DAILY_MAX = "daily_max", _("Maximum daily hours")
        BREAKS = "breaks", _("Breaks")
        WORK_IN_A_ROW = "work_in_a_row", _("Work in a row without a break")
        TIMES_NOT_RECORDED = "times_not_recorded", _("Times not recorded")
        NIGHT_AVERAGE = "night_average", _("Night workers' 8-hour average")
        SUNDAY_WORK = "sunday_work", _("Work on a Sunday")
        HOLIDAY_WORK = "holiday_work", _("Work on a public holiday")
        SUBSTITUTE_REST = "substitute_rest", _("Substitute rest day")
        FREE_SUNDAYS = "free_sundays", _("15 free Sundays a year")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="violations"
    )
    rule = models.CharField(verbose_name=_("rule"), max_length=20, choices=Rule.choices)
    period_start = models.DateField(verbose_name=_("period start"))
    period_end = models.DateField(verbose_name=_("period end"))
    measured = models.DecimalField(verbose_name=_("measured"), max_digits=7, decimal_places=2)
    limit = models.DecimalField(verbose_name=_("limit"), max_digits=7, decimal_places=2)
    # The message in English, as the API and webhooks have always carried it; what people
    # read is `message_text`: the code (its English msgid) and parameters in their language.
    message = models.CharField(verbose_name=_("message"), max_length=255)
    message_code = models.TextField(verbose_name=_("message code"), blank=True, default="")
    message_params = models.JSONField(verbose_name=_("message parameters"), default=dict, blank=True)
    entries = models.JSONField(
        verbose_name=_("entries"), default=list, blank=True, help_text=_("Ids of the time entries involved.")
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(verbose_name=_("acknowledged at"), null=True, blank=True)
    comment = models.TextField(verbose_name=_("comment"), blank=True, max_length=2000)
    resolved_at = models.DateTimeField(verbose_name=_("resolved at"), null=True, blank=True)
    resolution_note = models.TextField(
        verbose_name=_("resolution note"), blank=True, max_length=2000, help_text=_("Why the violation was resolved.")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
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

    @property
    def message_text(self) -> str:
        """The message in the active language (`core.texts`), else as stored."""
        return text_render(self.message_code, self.message_params, self.message)
