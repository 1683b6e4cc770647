"""Leave's mails, sent after commit through the outbox. They read the request and mail;
they never call back into the services, so `leave.services` imports them at the top and
`leave.tasks` (the ledger jobs, which call the services) re-exports them for Celery."""

from celery import shared_task
from django.conf import settings

from core.i18n import send_mail_translated
from core.outbox import RETRY_ON_OUTAGE, send_once
from leave.models import LeaveForfeitureNotice, LeaveRequest
from users.models import User


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


@shared_task(name="leave.tasks.notify_leave_requested", **RETRY_ON_OUTAGE)
def notify_leave_requested(request_id: int) -> int:
    """Tell the requester's managers that a request waits for them (once)."""
    request = LeaveRequest.objects.select_related("user", "user__team", "leave_type").filter(pk=request_id).first()
    if request is None or request.status != LeaveRequest.Status.PENDING:
        return 0
    managers = _managers_of(request.user)
    if not managers:
        return 0
    return send_once(
        f"leave_requested:{request.pk}",
        lambda: send_mail_translated(
            managers,
            lambda: (
                f"[{settings.PROJECT_NAME}] Leave request from {request.user}",
                f"{request.user} asks for {_describe(request)}\n\nReason: {request.reason or '-'}",
            ),
        ),
    )


@shared_task(name="leave.tasks.notify_leave_decided", **RETRY_ON_OUTAGE)
def notify_leave_decided(
    request_id: int,
    status: str | None = None,
    decided_by_id: int | None = None,
    comment: str | None = None,
    decided_at: str | None = None,
) -> int:
    """Announce one decision (approved, rejected, cancelled), as the service passed it when it
    was taken, once. The requester hears of it; a cancellation also reaches their managers;
    nobody is mailed about what they did themselves. (Messages queued without a decision
    announce the request's current one.)"""
    request = LeaveRequest.objects.select_related("user", "user__team", "leave_type").filter(pk=request_id).first()
    if request is None:
        return 0
    if status is None:
        status, decided_by_id, comment = request.status, request.decided_by_id, request.decision_comment
        decided_at = request.decided_at.isoformat() if request.decided_at else ""
    decided_by = User.objects.filter(pk=decided_by_id).first() if decided_by_id else None
    by = f" by {decided_by}" if decided_by else ""
    note = f"\n\nComment: {comment}" if comment else ""
    mails = []
    if request.user_id != decided_by_id:
        mails.append(
            (
                lambda: (
                    f"Your leave request was {status}",
                    f"Your request for {_describe(request)} was {status}{by}.{note}",
                ),
                [request.user.email],
            )
        )
    if status == LeaveRequest.Status.CANCELLED:
        managers = [email for email in _managers_of(request.user) if email != getattr(decided_by, "email", None)]
        if managers:
            mails.append(
                (
                    lambda: (
                        f"Leave of {request.user} was cancelled",
                        f"{request.user}'s request for {_describe(request)} was cancelled{by}.{note}",
                    ),
                    managers,
                )
            )
    if not mails:
        return 0
    return send_once(
        f"leave_decided:{request.pk}:{status}:{decided_at}",
        lambda: sum(send_mail_translated(to, _with_prefix(compose)) for compose, to in mails),
    )


def forfeiture_notice_text(notice: LeaveForfeitureNotice) -> str:
    """What a forfeiture notice tells the person (the mail, and what /leave/ shows of it)."""
    unit = "hours" if notice.leave_type.unit == "hour" else "days"
    amount = format(notice.remaining.normalize(), "f")
    text = (
        f"{amount} {unit} of your {notice.leave_type.name} for {notice.year} are not taken or planned yet. "
        f"Leave not taken by {notice.lapses_on:%d %B %Y} lapses"
    )
    if notice.carry_over_lapses_on:
        carry = format(notice.max_carry_over.normalize(), "f")
        text += f", except up to {carry} {unit}, which lapse if not taken by {notice.carry_over_lapses_on:%d %B %Y}"
    return text + "."


@shared_task(name="leave.tasks.notify_forfeiture_notice", **RETRY_ON_OUTAGE)
def notify_forfeiture_notice(notice_id: int) -> int:
    """Mail a forfeiture notice to the person it is for (once): how much is left, when it
    lapses, and the request to take it."""
    notice = LeaveForfeitureNotice.objects.select_related("user", "leave_type").filter(pk=notice_id).first()
    if notice is None:
        return 0
    return send_once(
        f"forfeiture_notice:{notice.pk}",
        lambda: send_mail_translated([notice.user.email], lambda: _forfeiture_mail(notice)),
    )


def _forfeiture_mail(notice: LeaveForfeitureNotice) -> tuple[str, str]:
    body = (
        f"Hello {notice.user.first_name or notice.user},\n\n{forfeiture_notice_text(notice)}\n\n"
        "Please plan and request these days in good time so that you can take them. Days that are "
        "neither taken nor carried over by then lapse; this is your employer's notice of it."
    )
    subject = f"[{settings.PROJECT_NAME}] Take your {notice.year} {notice.leave_type.name.lower()} before it lapses"
    return subject, body


def _with_prefix(compose):
    """The decision mails' subjects carry the product's name in front, as every mail's does."""

    def composed() -> tuple[str, str]:
        subject, body = compose()
        return f"[{settings.PROJECT_NAME}] {subject}", body

    return composed


def _managers_of(user: User) -> list[str]:
    if user.team is None:
        return []
    return [m.email for m in user.team.managers.filter(is_active=True).exclude(pk=user.pk)]
