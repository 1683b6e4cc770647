"""Changes that dashboards show make the cached widget data stale (`widgets.data_changed`;
a bulk write's through `core.signals.rows_written_in_bulk`).

A person's entries, leave, violations and account adjustments touch their own scope, their team's and the
admins'; holidays, calendars, leave types, teams and people (moving team, new role) touch
everyone's. Only cache versions move; nothing is computed and, when the row already holds
its user, nothing is queried, so a time entry write pays no extra round trip."""

from auditlog.registry import auditlog
from django.db.models.signals import m2m_changed, post_delete, post_save

from analytics.models import Dashboard, DashboardWidget, Export, SavedReport
from analytics.widgets import data_changed, people_data_changed
from compliance.models import Violation
from core.signals import rows_written_in_bulk
from leave.models import Holiday, HolidayCalendar, LeaveRequest, LeaveType, WorkingTimeAdjustment
from timeentries.models import TimeEntry
from users.models import Team, User

PERSONAL = (TimeEntry, LeaveRequest, Violation, WorkingTimeAdjustment)
SHARED = (Holiday, HolidayCalendar, LeaveType, Team)


def personal_data_changed(sender, instance, **kwargs) -> None:
    if sender.user.is_cached(instance):
        team_id = instance.user.team_id
    else:
        team_id = User.objects.filter(pk=instance.user_id).values_list("team_id", flat=True).first()
    data_changed(user_id=instance.user_id, team_id=team_id)


def personal_rows_written_in_bulk(sender, *, people: dict[int, int | None], **kwargs) -> None:
    """A bulk write of personal rows (no `post_save` per row): each scope once."""
    if sender in PERSONAL and people:
        people_data_changed(people)


def shared_data_changed(sender, **kwargs) -> None:
    data_changed()


def user_changed(sender, instance: User, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return  # signing in changes nothing a dashboard shows
    data_changed()


auditlog.register(Export, exclude_fields=["file"])
auditlog.register(Dashboard)
auditlog.register(SavedReport)
auditlog.register(DashboardWidget)


def connect() -> None:
    for model in PERSONAL:
        uid = f"analytics-dashboard-{model._meta.label_lower}"
        post_save.connect(personal_data_changed, sender=model, dispatch_uid=f"{uid}-saved")
        post_delete.connect(personal_data_changed, sender=model, dispatch_uid=f"{uid}-deleted")
    for model in SHARED:
        uid = f"analytics-dashboard-{model._meta.label_lower}"
        post_save.connect(shared_data_changed, sender=model, dispatch_uid=f"{uid}-saved")
        post_delete.connect(shared_data_changed, sender=model, dispatch_uid=f"{uid}-deleted")
    rows_written_in_bulk.connect(personal_rows_written_in_bulk, dispatch_uid="analytics-dashboard-bulk-written")
    m2m_changed.connect(shared_data_changed, sender=Team.managers.through, dispatch_uid="analytics-dashboard-managers")
    post_save.connect(user_changed, sender=User, dispatch_uid="analytics-dashboard-user-saved")
    post_delete.connect(shared_data_changed, sender=User, dispatch_uid="analytics-dashboard-user-deleted")
