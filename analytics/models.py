from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Export(models.Model):
    """A report file built in the background (`analytics.tasks.export_run`) for its owner."""

    class Report(models.TextChoices):
        TIME = "time", pgettext_lazy("report", "Time")
        OVERTIME = "overtime", pgettext_lazy("report", "Overtime")
        LEAVE = "leave", pgettext_lazy("report", "Leave")
        PAYROLL = "payroll", pgettext_lazy("report", "Payroll")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", _("Excel")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("export status", "Pending")
        RUNNING = "running", pgettext_lazy("export status", "Running")
        DONE = "done", pgettext_lazy("export status", "Done")
        FAILED = "failed", pgettext_lazy("export status", "Failed")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports")
    report = models.CharField(max_length=16, choices=Report.choices)
    params = models.JSONField(default=dict, blank=True)
    format = models.CharField(max_length=8, choices=Format.choices)
    # The file's number conventions (`core.i18n.CSV_LOCALES`): "de" writes a CSV with ";" and
    # a decimal comma and German date and number formats in xlsx; "" or "en" locale-neutral.
    locale = models.CharField(
        max_length=2,
        blank=True,
        default="",
        choices=[("en", "English"), ("de", "Deutsch")],
        verbose_name=_("file locale"),
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True, help_text=_("When the current attempt started building."))
    requeued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the reaper queued it again after a worker died with it (once at most)."),
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.report} export #{self.pk} ({self.format}, {self.status})"


class SavedReport(models.Model):
    """A report's filters under a name its owner chose, to open again on the reports page.

    `params` holds the report's query-string parameters as strings (only keys the report or
    the page knows, checked by `analytics.saved_reports`), so opening it asks the same question."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_reports", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=100)
    report = models.CharField(pgettext_lazy("report filter", "report"), max_length=16, choices=Export.Report.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_report_unique_name_per_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.report})"


class Dashboard(models.Model):
    """A person's dashboard: the widgets they chose, in order. Created on the first save."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Dashboard of {self.owner}"


class DashboardWidget(models.Model):
    """One chart on a dashboard: what it shows, where, and over how many days."""

    class Kind(models.TextChoices):
        HOURS_PER_WEEK = "hours_per_week", _("Hours per week")
        MONTH_BY_PROJECT = "month_by_project", _("This month by project")
        OVERTIME_TREND = "overtime_trend", _("Overtime trend")
        TEAM_ABSENCES = "team_absences", _("Team absences")
        OPEN_VIOLATIONS = "open_violations", _("Open violations")
        UTILISATION = "utilisation", _("Utilisation")

    DEFAULT_RANGE_DAYS = {
        Kind.HOURS_PER_WEEK: 84,
        Kind.MONTH_BY_PROJECT: 30,
        Kind.OVERTIME_TREND: 84,
        Kind.TEAM_ABSENCES: 30,
        Kind.OPEN_VIOLATIONS: 365,
        Kind.UTILISATION: 30,
    }

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="widgets")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    position = models.PositiveSmallIntegerField()
    range_days = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["dashboard", "position"]
        constraints = [
            models.UniqueConstraint(fields=["dashboard", "position"], name="dashboard_widget_unique_position"),
            models.CheckConstraint(
                condition=Q(range_days__gte=1, range_days__lte=366), name="dashboard_widget_range_days_1_366"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.position} ({self.range_days} days)"

    def save(self, *args, **kwargs):
        if self.range_days is None:
            self.range_days = self.DEFAULT_RANGE_DAYS[self.kind]
        super().save(*args, **kwargs)
