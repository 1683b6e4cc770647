"""Names in a file to rows in the database: people (by email or full name, within what the
importer may act on), projects and tasks, leave types. Each is read once per import; an
unknown name is answered with the closest known ones (difflib)."""

from difflib import get_close_matches

from django.utils.translation import gettext as _

from core.errors import DomainValidationError
from leave.models import LeaveType
from timeentries.models import Project, Task
from users.models import User
from users.selectors import users_visible_to


def _suggest(name: str, known) -> str:
    close = get_close_matches(name.lower(), list(known), n=1, cutoff=0.75)
    return " " + _("Did you mean %(name)r?") % {"name": close[0]} if close else ""


def _suggest_email(email: str, known) -> str:
    """Addresses of one company share their domain, which makes any two look alike: the
    part before the @ is compared."""
    by_local = {address.partition("@")[0]: address for address in known}
    close = get_close_matches(email.lower().partition("@")[0], list(by_local), n=1, cutoff=0.75)
    return " " + _("Did you mean %(name)r?") % {"name": by_local[close[0]]} if close else ""


class People:
    """The people `actor` may import for: an admin everyone, a manager their teams' people
    and themselves, anyone else themselves (`users_visible_to`, the API's scoping)."""

    def __init__(self, actor: User):
        self.actor = actor
        visible = users_visible_to(actor).select_related("team")
        self.by_email = {user.email.lower(): user for user in visible}
        by_name: dict[str, list[User]] = {}
        for user in self.by_email.values():
            by_name.setdefault(user.get_full_name().strip().lower(), []).append(user)
        self.by_name = by_name

    def resolve(self, values: dict) -> User:
        """The person a row names by `email` or (tools exporting names only) `person`."""
        email, name = values.get("email"), values.get("person")
        if email:
            user = self.by_email.get(str(email).strip().lower())
            if user is None:
                raise self._unknown(str(email), "email", self.by_email)
            return user
        if name:
            found = self.by_name.get(str(name).strip().lower(), [])
            if len(found) > 1:
                raise DomainValidationError(
                    _("%(count)s people are called %(name)r; give the email.") % {"count": len(found), "name": name},
                    field="person",
                )
            if not found:
                raise self._unknown(str(name), "person", self.by_name)
            return found[0]
        raise DomainValidationError(_("Name the person: give the email (or the full name)."), field="email")

    def _unknown(self, name: str, field: str, known) -> DomainValidationError:
        if not self.actor.is_admin and not self.actor.is_manager:
            return DomainValidationError(
                _("You can import only your own rows; %(name)r is not you (%(email)s).")
                % {"name": name, "email": self.actor.email},
                field=field,
            )
        if self.actor.is_admin:
            message = _("%(name)r is not anyone.") % {"name": name}
        else:
            message = _("%(name)r is not anyone on your teams.") % {"name": name}
        suggestion = _suggest_email(name, known) if field == "email" else _suggest(name, known)
        return DomainValidationError(message + suggestion, field=field)


class Catalog:
    """Projects (by code, or by name within the client named) and their tasks."""

    def __init__(self):
        projects = Project.objects.select_related("client").prefetch_related("teams")
        self.by_code = {project.code.lower(): project for project in projects}
        self.by_name: dict[str, list[Project]] = {}
        for project in self.by_code.values():
            self.by_name.setdefault(project.name.lower(), []).append(project)
        self.tasks = {(task.project_id, task.name.lower()): task for task in Task.objects.all()}
        self.found: dict[tuple, Project] = {}  # (project cell, client cell) -> project: a file names few

    def project(self, values: dict) -> Project:
        key = (values.get("project"), values.get("client"))
        project = self.found.get(key)
        if project is None:
            project = self.found[key] = self._project(values)
        return project

    def _project(self, values: dict) -> Project:
        name = str(values.get("project") or "").strip()
        if not name:
            raise DomainValidationError(_("Name the project."), field="project")
        project = self.by_code.get(name.lower())
        if project is not None:
            return project
        found = self.by_name.get(name.lower(), [])
        client = str(values.get("client") or "").strip().lower()
        if client and len(found) > 1:
            found = [project for project in found if project.client and project.client.name.lower() == client]
        if len(found) == 1:
            return found[0]
        if found:
            raise DomainValidationError(
                _("%(count)s projects are called %(name)r; give the code.") % {"count": len(found), "name": name},
                field="project",
            )
        known = [*self.by_code, *self.by_name]
        raise DomainValidationError(_("No project %(name)r.") % {"name": name} + _suggest(name, known), field="project")

    def task(self, project: Project, values: dict) -> Task | None:
        name = str(values.get("task") or "").strip()
        if not name:
            return None
        task = self.tasks.get((project.pk, name.lower()))
        if task is None:
            known = [task_name for project_id, task_name in self.tasks if project_id == project.pk]
            raise DomainValidationError(
                _("Project %(code)s has no task %(name)r.") % {"code": project.code, "name": name}
                + _suggest(name, known),
                field="task",
            )
        return task


class LeaveTypes:
    def __init__(self):
        self.by_key: dict[str, LeaveType] = {}
        for leave_type in LeaveType.objects.all():
            self.by_key[leave_type.code.lower()] = leave_type
            self.by_key.setdefault(leave_type.name.lower(), leave_type)

    def resolve(self, values: dict) -> LeaveType:
        name = str(values.get("leave_type") or "").strip()
        leave_type = self.by_key.get(name.lower())
        if leave_type is None:
            raise DomainValidationError(
                _("No leave type %(name)r.") % {"name": name} + _suggest(name, self.by_key), field="leave_type"
            )
        return leave_type
