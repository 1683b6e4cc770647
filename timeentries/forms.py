"""Forms of the timesheet pages. They only parse input; every rule is checked by the
services the pages call, so a page and the API refuse the same things with the same words."""

from datetime import timedelta
from decimal import ROUND_UP, Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import BoundedDateFormField
from core.timeinput import HoursField
from timeentries.models import Project, Task


def work_key(project_id: int, task_id: int | None) -> str:
    """One select value for a project ("12") or one of its tasks ("12:34")."""
    return f"{project_id}:{task_id}" if task_id else str(project_id)


def work_choices(projects: list[Project], tasks: list[Task]) -> list:
    """Projects as option groups, each offering "no task" and then its tasks, so one select
    picks both without JavaScript."""
    tasks_by_project: dict[int, list[Task]] = {}
    for task in tasks:
        tasks_by_project.setdefault(task.project_id, []).append(task)
    choices: list = [("", _("Choose a project and task"))]
    for project in projects:
        options = [(work_key(project.pk, None), _("%(code)s (no task)") % {"code": project.code})]
        options += [(work_key(project.pk, task.pk), task.name) for task in tasks_by_project.get(project.pk, [])]
        choices.append((f"{project.code} {project.name}", options))
    return choices


class WorkForm(forms.Form):
    """Picks a project and optional task from what the user may log to."""

    work = forms.ChoiceField(label=_("Project and task"))

    def __init__(self, *args, projects: list[Project], tasks: list[Task], **kwargs):
        super().__init__(*args, **kwargs)
        self.projects = {project.pk: project for project in projects}
        self.tasks = {task.pk: task for task in tasks}
        self.fields["work"].choices = work_choices(projects, tasks)

    def clean_work(self) -> tuple[Project, Task | None]:
        project_id, _, task_id = self.cleaned_data["work"].partition(":")
        project = self.projects[int(project_id)]
        return project, self.tasks[int(task_id)] if task_id else None


class AddRowForm(WorkForm):
    prefix = "row"


class TimerStartForm(WorkForm):
    prefix = "timer"

    description = forms.CharField(
        label=_("What are you working on?"), required=False, max_length=2000, widget=forms.TextInput
    )


class CellForm(forms.Form):
    """One cell of the week grid: the hours of one project/task on one local day, typed as
    1.5, 1,5 or 1:30, and the cell's note (its duration entry's description).

    Blank hours mean zero: clearing a cell deletes its entry.
    """

    project = forms.ModelChoiceField(queryset=Project.objects.all(), widget=forms.HiddenInput)
    task = forms.ModelChoiceField(queryset=Task.objects.all(), required=False, widget=forms.HiddenInput)
    day = BoundedDateFormField(widget=forms.HiddenInput, input_formats=["%Y-%m-%d"])
    hours = HoursField(required=False)
    note = forms.CharField(required=False, max_length=2000)

    def clean_hours(self) -> Decimal:
        """The hours as the service takes them; rounded up in the ninth decimal so that the
        service's whole seconds are the typed ones (1:20 is 4800 s, not 4799)."""
        worked = self.cleaned_data["hours"] or timedelta()
        return (Decimal(int(worked.total_seconds())) / 3600).quantize(Decimal("1e-9"), rounding=ROUND_UP)


class RowForm(forms.Form):
    """A row's description and billable, for its duration entries of the week and new cells."""

    project = forms.ModelChoiceField(queryset=Project.objects.all(), widget=forms.HiddenInput)
    task = forms.ModelChoiceField(queryset=Task.objects.all(), required=False, widget=forms.HiddenInput)
    description = forms.CharField(required=False, max_length=2000)
    billable = forms.BooleanField(required=False)


class SubmitForm(forms.Form):
    comment = forms.CharField(label=_("Comment for your manager"), required=False, max_length=2000)
