from datetime import UTC, date, timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import periods
from core.validators import color_validator
from users.models import Team


class Client(models.Model):
    name = models.CharField(verbose_name=_("name"), max_length=200, unique=True)
    archived = models.BooleanField(verbose_name=_("archived"), default=False)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    client = models.ForeignKey(
        Client, verbose_name=_("client"), null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(verbose_name=_("name"), max_length=200)
    code = models.CharField(verbose_name=_("code"), max_length=32, unique=True)
    color = models.CharField(verbose_name=_("color"), max_length=7, default="#3366cc", validators=[color_validator])
    billable = models.BooleanField(
        verbose_name=_("billable"), default=True, help_text=_("Default for new time entries on this project.")
    )
    hourly_rate = models.DecimalField(
        verbose_name=_("hourly rate"), max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    archived = models.BooleanField(verbose_name=_("archived"), default=False, db_index=True)
    # Empty means every team may log to the project.
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="projects")
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="project_hourly_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Task(models.Model):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="tasks")
    name = models.CharField(verbose_name=_("name"), max_length=200)
    archived = models.BooleanField(verbose_name=_("archived"), default=False)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["project", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="task_name_unique_per_project")]

    def __str__(self) -> str:
        return self.name


class TimeEntryQuerySet(models.QuerySet):
    def running(self):
        return self.filter(kind=TimeEntry.Kind.CLOCKED, end__isnull=True)

    def clocked(self):
        return self.filter(kind=TimeEntry.Kind.CLOCKED)

    def durations(self):
        return self.filter(kind=TimeEntry.Kind.DURATION)

    def overlapping(self, *, user_id: int, start, end, exclude_pk=None):
        """Entries of `user_id` whose [start, end) meets [start, end); a running entry
        reaches to infinity, and `end=None` asks about an open-ended range."""
        overlaps = Q(end__isnull=True) | Q(end__gt=start)
        qs = self.filter(overlaps, user_id=user_id, kind=TimeEntry.Kind.CLOCKED)
        if end is not None:
            qs = qs.filter(start__lt=end)
        return qs.exclude(pk=exclude_pk) if exclude_pk else qs


# The longest entry there can be; PostgreSQL checks it (migration 0004) so that reports may
# find every entry reaching into a range through the start index.
MAX_ENTRY_LENGTH = timedelta(hours=24)
MAX_BREAK_MINUTES = 24 * 60


class TimeEntry(models.Model):
    """Work of one person, of one of two kinds:

    - **clocked**: from `start` to `end` (UTC) less `break_minutes`; `end` is null while the
      timer runs. This is what the law asks to be recorded (beginning, end, duration).
    - **duration**: `duration` of work on the local `day`, with no times (the week grid's
      hours cell, imports of duration-only data). `start` and `end` are null: nothing here
      invents the times, so compliance never derives rests or breaks from such an entry.

    `day` (the person's local day the entry belongs to: a clocked entry's start day) and
    `duration` (worked time: end - start - break; null only while the timer runs) are set
    for both kinds, so totals never need to know which kind they add up.

    PostgreSQL holds the invariants: each kind's shape, end after start, one running timer
    per user, and no two clocked entries of one user overlapping (an exclusion constraint,
    migrations 0002 and 0005).
    """

    class Kind(models.TextChoices):
        CLOCKED = "clocked", _("Clocked (start and end)")
        DURATION = "duration", _("Duration on a day")

    # No single-column indexes on user and project: the (user, start), (user, day) and
    # (project, start) indexes lead with them and serve every lookup by either alone.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="time_entries",
        db_index=False,
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="time_entries", db_index=False
    )
    task = models.ForeignKey(
        Task, verbose_name=_("task"), null=True, blank=True, on_delete=models.PROTECT, related_name="time_entries"
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=8, choices=Kind.choices, default=Kind.CLOCKED)
    day = models.DateField(
        verbose_name=_("day"), help_text=_("The person's local day the work belongs to (a clocked entry's start day).")
    )
    start = models.DateTimeField(verbose_name=_("start"), null=True, blank=True)
    end = models.DateTimeField(verbose_name=_("end"), null=True, blank=True)
    break_minutes = models.PositiveSmallIntegerField(
        verbose_name=_("break minutes"),
        default=0,
        help_text=_("Breaks taken between start and end (clocked entries only)."),
    )
    duration = models.DurationField(
        verbose_name=_("duration"), null=True, blank=True, help_text=_("Worked time; null while the timer runs.")
    )
    description = models.TextField(verbose_name=_("description"), blank=True, max_length=2000)
    billable = models.BooleanField(verbose_name=_("billable"), default=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ["-day", "-start", "-id"]
        indexes = [
            models.Index(fields=["user", "start"], name="timeentry_user_start"),
            models.Index(fields=["project", "start"], name="timeentry_project_start"),
            models.Index(fields=["start"], name="timeentry_start"),
            models.Index(fields=["user", "day"], name="timeentry_user_day"),
            # `timeentry_list_order` (day, start nulls last, id, all descending: the lists'
            # order, which also serves `day` alone) is created by migration 0008: SQLite
            # cannot declare NULLS LAST in an index, so it is written per database there.
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")), name="timeentry_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(kind="clocked", end__isnull=True),
                name="timeentry_one_running_timer_per_user",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="clocked", start__isnull=False)
                    & (Q(end__isnull=True, duration__isnull=True) | Q(end__isnull=False, duration__isnull=False))
                )
                | Q(kind="duration", start__isnull=True, end__isnull=True, break_minutes=0, duration__isnull=False),
                name="timeentry_kind_shape",
            ),
            models.CheckConstraint(
                condition=Q(duration__isnull=True) | Q(duration__gt=timedelta(0), duration__lte=timedelta(hours=24)),
                name="timeentry_duration_range",
            ),
            models.CheckConstraint(condition=Q(break_minutes__lte=MAX_BREAK_MINUTES), name="timeentry_break_range"),
        ]

    def __str__(self) -> str:
        when = f"{self.start:%Y-%m-%d %H:%M}" if self.start else f"{self.day:%Y-%m-%d}"
        return f"{self.user} {when} {self.project.code}"

    def save(self, *args, **kwargs):
        # A clocked entry's day and duration follow from its times; deriving them here
        # keeps every writer (services, admin, fixtures) consistent. bulk_create bypasses
        # this and must set both itself.
        if self.is_clocked and self.start is not None:
            self.day = periods.local_date(self.start, self.user.tzinfo)
            self.duration = self.worked()
        super().save(*args, **kwargs)

    @property
    def is_clocked(self) -> bool:
        return self.kind == self.Kind.CLOCKED

    @property
    def is_running(self) -> bool:
        return self.is_clocked and self.end is None

    @property
    def break_duration(self) -> timedelta:
        return timedelta(minutes=self.break_minutes)

    def worked(self) -> timedelta | None:
        """Worked time as the fields now stand (the services store it in `duration`)."""
        if not self.is_clocked:
            return self.duration
        if self.end is None:
            return None
        # Elapsed time: two datetimes of one zone subtract on the wall clock, UTC never does.
        return self.end.astimezone(UTC) - self.start.astimezone(UTC) - self.break_duration


class Timesheet(models.Model):
    """One user's ISO week (Monday `week_start` in their time zone) and its approval."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="timesheets"
    )
    week_start = models.DateField(
        verbose_name=_("week start"), help_text=_("Monday of the ISO week, in the user's time zone.")
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    submitted_at = models.DateTimeField(verbose_name=_("submitted at"), null=True, blank=True)
    # Why a week is submitted well below or above the expected hours: asked for on submit,
    # shown to the manager who decides.
    submit_comment = models.TextField(verbose_name=_("submit comment"), blank=True, max_length=2000)
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
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("timesheet")
        verbose_name_plural = _("timesheets")
        ordering = ["-week_start", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="timesheet_one_per_user_week"),
            models.CheckConstraint(condition=Q(week_start__week_day=2), name="timesheet_week_starts_monday"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.week}"

    @property
    def week(self) -> str:
        year, number, _ = self.week_start.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def is_locked(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.APPROVED)


class LockPeriod(models.Model):
    """Payroll close: everything before `locked_before` is read-only. The newest row is in
    force; older rows are the history of who moved the date."""

    locked_before = models.DateField(verbose_name=_("locked before"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(verbose_name=_("set at"), auto_now_add=True)
    note = models.CharField(verbose_name=_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("lock period")
        verbose_name_plural = _("lock periods")
        ordering = ["-set_at", "-id"]
        get_latest_by = ["set_at", "id"]

    def __str__(self) -> str:
        return f"locked before {self.locked_before}"

    @classmethod
    def current_lock_date(cls) -> date | None:
        latest = cls.objects.order_by("-set_at", "-id").values_list("locked_before", flat=True).first()
        return latest
