"""Time entry changes make the dashboards of everyone who sees that entry stale: the owner,
the managers of their team and the admins. Only a cache version moves; nothing is computed."""

from auditlog.registry import auditlog
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from analytics.models import Dashboard, DashboardWidget, Export
from analytics.widgets import data_version_bump
from timeentries.models import TimeEntry
from users.models import User


def _viewers_of(user_id: int) -> list[int]:
    team_id = User.objects.filter(pk=user_id).values_list("team_id", flat=True).first()
    viewers = Q(pk=user_id) | Q(role=User.Role.ADMIN)
    if team_id:
        viewers |= Q(managed_teams=team_id)
    return list(User.objects.filter(viewers).values_list("pk", flat=True).distinct())


def time_entry_changed(sender, instance: TimeEntry, **kwargs) -> None:
    viewers = _viewers_of(instance.user_id)
    data_version_bump(viewers)
    # Again after commit, so no request that read the old rows meanwhile leaves them cached.
    transaction.on_commit(lambda: data_version_bump(viewers))


auditlog.register(Export, exclude_fields=["file"])
auditlog.register(Dashboard)
auditlog.register(DashboardWidget)


def connect() -> None:
    post_save.connect(time_entry_changed, sender=TimeEntry, dispatch_uid="analytics-dashboard-entry-saved")
    post_delete.connect(time_entry_changed, sender=TimeEntry, dispatch_uid="analytics-dashboard-entry-deleted")
