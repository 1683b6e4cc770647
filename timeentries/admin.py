"""Admin for time: every changelist is scoped through the selectors, and every write that has
a business rule (entries, approvals, the payroll lock) goes through `timeentries.services`,
so the admin refuses what the API refuses, with the same message."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import periods
from core.admin import CatalogAdmin, ScopedAdminMixin, ServiceAdmin, adopt
from core.admin_actions import comment_form, confirm_comment_then, report_per_row
from core.forms import ServiceModelForm
from timeentries import selectors, services
from timeentries.models import Client, LockPeriod, Project, Task, TimeEntry, Timesheet

# --- catalogue -----------------------------------------------------------------------------


@admin.register(Client)
class ClientAdmin(CatalogAdmin):
    list_display = ["name", "archived", "created_at"]
    list_filter = ["archived"]
    search_fields = ["name"]

    def scoped_queryset(self, user):
        return selectors.clients_visible_to(user)


@admin.register(Project)
class ProjectAdmin(CatalogAdmin):
    list_display = ["code", "name", "client", "billable", "hourly_rate", "archived", "team_names"]
    list_filter = ["archived", ("client", admin.RelatedOnlyFieldListFilter), "billable"]
    search_fields = ["name", "code"]
    filter_horizontal = ["teams"]
    list_select_related = ["client"]

    def scoped_queryset(self, user):
        return selectors.projects_visible_to(user)

    @admin.display(description=_("Teams"))
    def team_names(self, project):
        return ", ".join(team.name for team in project.teams.all()) or _("all teams")


@admin.register(Task)
class TaskAdmin(CatalogAdmin):
    list_display = ["name", "project", "archived"]
    list_filter = [("project", admin.RelatedOnlyFieldListFilter), "archived"]
    search_fields = ["name", "project__code", "project__name"]
    list_select_related = ["project"]

    def scoped_queryset(self, user):
        return selectors.tasks_visible_to(user)


# --- time entries --------------------------------------------------------------------------


class TimeEntryAdminForm(ServiceModelForm):
    """Start and end (and a break) make a clocked entry; a day and a duration with no times
    a duration entry. The service decides, as for the API."""

    class Meta:
        model = TimeEntry
        fields = ["project", "task", "day", "start", "end", "break_minutes", "duration", "description", "billable"]
        help_texts = {
            "day": _("For a duration entry; a clocked entry's day is its start's."),
            "duration": _("For a duration entry (hh:mm:ss); a clocked entry's is end - start - break."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("day", "duration", "break_minutes"):
            if name in self.fields:
                self.fields[name].required = False
        if self.instance.pk and self.instance.is_clocked:  # day and duration follow from the times
            for name in ("day", "duration"):
                if name in self.fields:
                    self.fields[name].disabled = True
        # Offer what the actor may see, plus what the entry already has (its project may
        # since have been archived); the service decides what may be logged.
        projects = Q(pk__in=selectors.projects_visible_to(self.actor).values("pk"))
        tasks = Q(pk__in=selectors.tasks_visible_to(self.actor).values("pk"))
        if self.instance.pk:
            projects |= Q(pk=self.instance.project_id)
            tasks |= Q(pk=self.instance.task_id)
        if "project" in self.fields:
            self.fields["project"].queryset = Project.objects.filter(projects)
        if "task" in self.fields:
            self.fields["task"].queryset = Task.objects.filter(tasks).select_related("project")


@admin.register(TimeEntry)
class TimeEntryAdmin(ScopedAdminMixin, ServiceAdmin):
    # Years of rows: no second COUNT over the whole table on every changelist page.
    show_full_result_count = False
    form = TimeEntryAdminForm
    list_display = ["user", "project", "task", "kind", "day", "start", "end", "break_minutes", "hours", "billable"]
    list_filter = [
        ("user", admin.RelatedOnlyFieldListFilter),
        ("project", admin.RelatedOnlyFieldListFilter),
        "kind",
        "billable",
    ]
    date_hierarchy = "day"
    search_fields = ["description", "user__email", "project__code"]
    list_select_related = ["user", "project", "task"]
    readonly_fields = ["user", "kind", "created_at", "updated_at"]

    def scoped_queryset(self, user):
        return selectors.entries_visible_to(user)

    def get_fields(self, request, obj=None):
        if obj is None:  # new entries are always the actor's own
            return TimeEntryAdminForm.Meta.fields
        return ["user", "kind", *TimeEntryAdminForm.Meta.fields, "created_at", "updated_at"]

    @admin.display(description=_("Hours"))
    def hours(self, entry):
        return "running" if entry.duration is None else periods.hours(entry.duration)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = {name: data[name] for name in form.changed_data}
            if "project" in fields:
                fields["task"] = data["task"]  # a new project needs its task checked with it
            saved = self.call_service(lambda: services.time_entry_update(entry=obj, actor=request.user, **fields))
        else:
            clocked = data["start"] is not None or data["end"] is not None
            shape = (
                {"start": data["start"], "end": data["end"], "break_minutes": data["break_minutes"] or 0}
                if clocked
                else {"day": data["day"], "duration": data["duration"], "break_minutes": data["break_minutes"] or 0}
            )
            saved = self.call_service(
                lambda: services.time_entry_create(
                    actor=request.user,
                    project=data["project"],
                    task=data["task"],
                    description=data["description"],
                    billable=data["billable"] if "billable" in form.changed_data else None,
                    **shape,
                )
            )
        adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        """A time entry has no related rows to save."""

    def service_delete(self, request, obj):
        services.time_entry_delete(entry=obj, actor=request.user)


# --- timesheets ----------------------------------------------------------------------------


RejectForm = comment_form(
    _("Why are these weeks rejected?"), _("Each owner sees this comment and can correct and submit the week again.")
)


@admin.register(Timesheet)
class TimesheetAdmin(ScopedAdminMixin, ServiceAdmin):
    list_display = ["user", "week", "status", "submitted_at", "submit_comment", "decided_by", "decided_at"]
    list_filter = ["status", "week_start"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "decided_by"]
    actions = ["approve_selected", "reject_selected", "reopen_selected"]
    fields = [
        "user",
        "week_start",
        "status",
        "submitted_at",
        "submit_comment",
        "decided_by",
        "decided_at",
        "decision_comment",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields  # the status only moves through the actions (the services)

    def scoped_queryset(self, user):
        return selectors.timesheets_visible_to(user)

    @admin.display(description=_("Week"), ordering="week_start")
    def week(self, timesheet):
        return timesheet.week

    def has_add_permission(self, request):
        return False  # a week gets its timesheet with its first entry

    def has_change_permission(self, request, obj=None):
        # "Change" is what the actions need; a single timesheet is only ever viewed.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Approve selected weeks"), permissions=["change"])
    def approve_selected(self, request, queryset):
        report_per_row(
            self,
            request,
            queryset,
            lambda timesheet: services.timesheet_approve(timesheet_id=timesheet.pk, actor=request.user),
            pgettext_lazy("a week", "approved."),
        )

    @admin.action(description=_("Reject selected weeks"), permissions=["change"])
    def reject_selected(self, request, queryset):
        """Asks for the reason on a confirmation page first; nothing changes without it."""
        return confirm_comment_then(
            self,
            request,
            queryset,
            form_class=RejectForm,
            title=_("Reject weeks"),
            intro=_("These weeks go back to their owners, with your comment:"),
            submit_label=_("Reject"),
            call=lambda timesheet, comment: services.timesheet_reject(
                timesheet_id=timesheet.pk, actor=request.user, comment=comment
            ),
            done=pgettext_lazy("a week", "rejected."),
        )

    @admin.action(description=_("Reopen selected weeks"), permissions=["change"])
    def reopen_selected(self, request, queryset):
        report_per_row(
            self,
            request,
            queryset,
            lambda timesheet: services.timesheet_reopen(timesheet_id=timesheet.pk, actor=request.user),
            pgettext_lazy("a week", "reopened."),
        )


# --- payroll lock ----------------------------------------------------------------------------


class LockPeriodAdminForm(ServiceModelForm):
    class Meta:
        model = LockPeriod
        fields = ["locked_before", "note"]


@admin.register(LockPeriod)
class LockPeriodAdmin(ServiceAdmin):
    """The history of the payroll lock: admins add a new date, nobody edits or deletes one."""

    form = LockPeriodAdminForm
    list_display = ["locked_before", "set_by", "set_at", "note"]
    list_select_related = ["set_by"]
    date_hierarchy = "set_at"
    fields = ["locked_before", "note"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["locked_before", "note", "set_by", "set_at"]

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else ["locked_before", "note", "set_by", "set_at"]

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_admin

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        lock = self.call_service(
            lambda: services.lock_period_set(actor=request.user, locked_before=data["locked_before"], note=data["note"])
        )
        adopt(obj, lock)
