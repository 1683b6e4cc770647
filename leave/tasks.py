"""Leave's background work: notifications after commit and the yearly/daily ledger jobs."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from core.audit import task_actor
from core.locks import PeriodicJob
from leave import services
from leave.models import LeaveRequest


def _describe(request: LeaveRequest) -> str:
    halves = []
    if request.start_half:
        halves.append(f"first day {request.start_half} only")
    if request.end_half:
        halves.append(f"last day {request.end_half} only")
    extra = f" ({', '.join(halves)})" if halves else ""
    return (
        f"{request.leave_type.name}: {request.start_date} to {request.end_date}{extra}, "
        f"{request.working_days} working days."
    )


@shared_task(name="leave.tasks.notify_leave_requested")
def notify_leave_requested(request_id: int) -> int:
    """Tell the requester's managers that a request waits for them."""
    request = LeaveRequest.objects.select_related("user", "user__team", "leave_type").filter(pk=request_id).first()
    if request is None or request.status != LeaveRequest.Status.PENDING or request.user.team is None:
        return 0
    managers = [m.email for m in request.user.team.managers.filter(is_active=True).exclude(pk=request.user_id)]
    if not managers:
        return 0
    return send_mail(
        subject=f"[{settings.PROJECT_NAME}] Leave request from {request.user}",
        message=f"{request.user} asks for {_describe(request)}\n\nReason: {request.reason or '-'}",
        from_email=None,
        recipient_list=managers,
    )


@shared_task(name="leave.tasks.notify_leave_decided")
def notify_leave_decided(request_id: int) -> int:
    request = LeaveRequest.objects.select_related("user", "leave_type", "decided_by").filter(pk=request_id).first()
    if request is None:
        return 0
    by = f" by {request.decided_by}" if request.decided_by else ""
    comment = f"\n\nComment: {request.decision_comment}" if request.decision_comment else ""
    return send_mail(
        subject=f"[{settings.PROJECT_NAME}] Your leave request was {request.status}",
        message=f"Your request for {_describe(request)} was {request.status}{by}.{comment}",
        from_email=None,
        recipient_list=[request.user.email],
    )


@shared_task(bind=True, base=PeriodicJob, name="leave.tasks.leave_accrue_year_task")
def leave_accrue_year_task(self, year: int | None = None, actor_id: int | None = None) -> dict[str, int]:
    with task_actor(actor_id, f"system:{self.name}") as acting:
        return services.leave_accrue_year(year=year or timezone.localdate().year, actor=acting.user)


@shared_task(bind=True, base=PeriodicJob, name="leave.tasks.leave_carry_over_expire_task")
def leave_carry_over_expire_task(self, actor_id: int | None = None) -> int:
    with task_actor(actor_id, f"system:{self.name}"):
        return services.leave_carry_over_expire(today=timezone.localdate())
