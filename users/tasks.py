"""Users' background work: the daily job that keeps `User.weekly_contract_hours`/`work_days`
equal to the contract version in force today (versions that start later)."""

from celery import shared_task

from core.audit import task_actor
from core.locks import PeriodicJob
from users import services


@shared_task(bind=True, base=PeriodicJob, name="users.tasks.contract_mirror_today")
def contract_mirror_today(self, actor_id: int | None = None) -> int:
    with task_actor(actor_id, f"system:{self.name}"):
        return services.contract_mirror_today()
