"""The `users`, `projects` and `leave` kinds: each row goes through the service that writes
one such row from the API (`user_create`, `catalog_save`, `team_create`,
`leave_request_record`), so an import validates exactly as they do; each row runs in its own
savepoint, so a refused row leaves nothing behind while the rows before it stay visible to
the rows after (a person named twice, leave overlapping an earlier row)."""

import re
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.catalog import catalog_save
from core.errors import DomainError, DomainValidationError
from imports.services.context import Run
from imports.services.resolve import LeaveTypes, People
from leave.models import LeaveRequest
from leave.services import leave_request_record
from timeentries.models import Client, Project, Task
from users.models import Team, User
from users.services import team_create, user_create

# The services' field names that a file calls otherwise.
FIELD_NAMES = {
    "timezone": "time_zone",
    "weekly_contract_hours": "weekly_hours",
    "name": "project",
    "type": "leave_type",
}


def _each_row(run: Run, rows, write_row, on_refused=lambda: None) -> None:
    """`write_row(values)` for every row without a reading error, in a savepoint; its
    refusal is the row's error (and `on_refused()` forgets what the row had cached)."""
    for row in rows:
        run.counted()
        if row.errors:
            for field, message in row.errors:
                run.errors.add(row.number, field, message)
            continue
        mark = run.created_mark()
        try:
            with transaction.atomic():
                write_row(row.values)
        except (DomainError, ValidationError) as error:
            field, message = _field_and_message(error)
            run.errors.add(row.number, FIELD_NAMES.get(field, field), message)
            run.created_reset(mark)
            on_refused()


def _field_and_message(error: DomainError | ValidationError) -> tuple[str, str]:
    if isinstance(error, DomainError):
        return error.field or "row", error.detail
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        return ("row" if field == "__all__" else field), messages[0]
    return "row", error.messages[0]


class _Teams:
    """Teams by name, created (through `team_create`) the first time a file names them."""

    def __init__(self, run: Run):
        self.run = run
        self.reload()

    def reload(self) -> None:
        self.by_name = {team.name.lower(): team for team in Team.objects.all()}

    def get(self, name: str | None) -> Team | None:
        name = (name or "").strip()
        if not name:
            return None
        team = self.by_name.get(name.lower())
        if team is None:
            team = team_create(actor=self.run.actor, name=name)
            self.by_name[name.lower()] = team
            self.run.created_add(Team._meta.label_lower, [team.pk])
        return team


def import_users(run: Run, rows) -> None:
    teams = _Teams(run)

    def write(values: dict) -> None:
        fields = {
            "email": values.get("email"),
            "first_name": values.get("first_name") or "",
            "last_name": values.get("last_name") or "",
            "team": teams.get(values.get("team")),
            "role": values.get("role") or User.Role.EMPLOYEE,
            "timezone": values.get("time_zone") or "UTC",
            "employment_start": values.get("employment_start"),
            "employment_end": values.get("employment_end"),
            "weekly_contract_hours": values.get("weekly_hours"),
            "work_days": values.get("work_days"),
        }
        # People sign in through a password reset: nobody knows this one.
        user = user_create(actor=run.actor, password=secrets.token_urlsafe(32), **fields)
        run.created_add(User._meta.label_lower, [user.pk])

    _each_row(run, rows, write, on_refused=teams.reload)


def _project_code(name: str) -> str:
    """A code for a project the file names without one: its name's letters, unique."""
    base = re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")[:28] or "PROJECT"
    code, number = base, 1
    while Project.objects.filter(code__iexact=code).exists():
        number += 1
        code = f"{base}-{number}"
    return code


def import_projects(run: Run, rows) -> None:
    teams = _Teams(run)

    def saved(model, instance=None, **fields):
        created = instance is None
        instance = catalog_save(actor=run.actor, instance=instance or model(), **fields)
        if created:
            run.created_add(model._meta.label_lower, [instance.pk])
        return instance

    def write(values: dict) -> None:
        client = None
        if values.get("client"):
            client = Client.objects.filter(name__iexact=values["client"]).first() or saved(
                Client, name=values["client"]
            )
        name = values["project"]
        code = values.get("code")
        project = Project.objects.filter(code__iexact=code).first() if code else None
        if project is None and not code:
            project = Project.objects.filter(name__iexact=name, client=client).first()
        if project is None:
            fields = {"name": name, "client": client, "code": code or _project_code(name)}
            if values.get("billable") is not None:
                fields["billable"] = values["billable"]
            if values.get("hourly_rate") is not None:
                fields["hourly_rate"] = values["hourly_rate"]
            named = [teams.get(team) for team in values.get("teams") or []]
            project = saved(Project, **fields, teams=[team for team in named if team])
        task = (values.get("task") or "").strip()
        if task and not project.tasks.filter(name__iexact=task).exists():
            saved(Task, project=project, name=task)

    _each_row(run, rows, write, on_refused=teams.reload)


def import_leave(run: Run, rows) -> None:
    people, types = People(run.actor), LeaveTypes()

    def write(values: dict) -> None:
        status = values.get("status") or LeaveRequest.Status.APPROVED
        if status not in (LeaveRequest.Status.APPROVED, LeaveRequest.Status.PENDING):
            raise DomainValidationError(_("A status is approved or pending."), field="status")
        request = leave_request_record(
            actor=run.actor,
            user=people.resolve(values),
            leave_type=types.resolve(values),
            start_date=values["start_date"],
            end_date=values["end_date"],
            start_half=values.get("start_half") or "",
            end_half=values.get("end_half") or "",
            reason=values.get("reason") or "",
            approved=status == LeaveRequest.Status.APPROVED,
        )
        run.created_add(LeaveRequest._meta.label_lower, [request.pk])

    _each_row(run, rows, write)
