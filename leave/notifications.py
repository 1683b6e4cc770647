"""Leave's mails, sent after commit through the outbox. They read the request and mail;
they never call back into the services, so `leave.services` imports them at the top and
`leave.tasks` (the ledger jobs, which call the services) re-exports them for Celery."""

from functools import partial

from celery import shared_task
from django.conf import settings
from django.utils import dateformat, formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.i18n import send_mail_translated
from core.outbox import RETRY_ON_OUTAGE, send_once
from core.texts import text_translated
from leave.models import APPROVED_AUTOMATICALLY, LeaveForfeitureNotice, LeaveRequest
from users.models import User

# Whole sentences per half and per decision, so that translators never assemble fragments.
FIRST_DAY_HALF = {
    "morning": gettext_lazy("first day morning only"),
    "afternoon": gettext_lazy("first day afternoon only"),
}
LAST_DAY_HALF = {
    "morning": gettext_lazy("last day morning only"),
    "afternoon": gettext_lazy("last day afternoon only"),
}
DECIDED_SUBJECT = {
    LeaveRequest.Status.APPROVED: gettext_lazy("Your leave request was approved"),
    LeaveRequest.Status.REJECTED: gettext_lazy("Your leave request was rejected"),
    LeaveRequest.Status.CANCELLED: gettext_lazy("Your leave request was cancelled"),
    LeaveRequest.Status.PENDING: gettext_lazy("Your leave request is pending"),
}
DECIDED_BODY = {
    LeaveRequest.Status.APPROVED: gettext_lazy("Your request for %(request)s was approved."),
    LeaveRequest.Status.REJECTED: gettext_lazy("Your request for %(request)s was rejected."),
    LeaveRequest.Status.CANCELLED: gettext_lazy("Your request for %(request)s was cancelled."),
    LeaveRequest.Status.PENDING: gettext_lazy("Your request for %(request)s is pending."),
}
DECIDED_BY_BODY = {
    LeaveRequest.Status.APPROVED: gettext_lazy("Your request for %(request)s was approved by %(actor)s."),
    LeaveRequest.Status.REJECTED: gettext_lazy("Your request for %(request)s was rejected by %(actor)s."),
    LeaveRequest.Status.CANCELLED: gettext_lazy("Your request for %(request)s was cancelled by %(actor)s."),
    LeaveRequest.Status.PENDING: gettext_lazy("Your request for %(request)s is pending."),
}


def _describe(request: LeaveRequest) -> str:
    halves = []
    if request.start_half:
        halves.append(str(FIRST_DAY_HALF[request.start_half]))
    if request.end_half:
        halves.append(str(LAST_DAY_HALF[request.end_half]))
    values = {
        "type": request.leave_type.name,
        "start": request.start_date,
        "end": request.end_date,
        "days": formats.localize(request.working_days),
    }
    if halves:
        return _("%(type)s: %(start)s to %(end)s (%(halves)s), %(days)s working days.") % {
            **values,
            "halves": ", ".join(halves),
        }
    return _("%(type)s: %(start)s to %(end)s, %(days)s working days.") % values


@shared_task(name="leave.tasks.notify_leave_requested", **RETRY_ON_OUTAGE)
def notify_leave_requested(request_id: int) -> int:
    """Tell the requester's managers that a request waits for them (once)."""
    request = LeaveRequest.objects.select_related("user", "user__team", "leave_type").filter(pk=request_id).first()
    if request is None or request.status != LeaveRequest.Status.PENDING:
        return 0
    managers = _managers_of(request.user)
    if not managers:
        return 0

    def compose():
        subject = _("Leave request from %(person)s") % {"person": request.user}
        body = _("%(person)s asks for %(request)s\n\nReason: %(reason)s") % {
            "person": request.user,
            "request": _describe(request),
            "reason": request.reason or "-",
        }
        return subject, body

    return send_once(f"leave_requested:{request.pk}", lambda: send_mail_translated(managers, _with_prefix(compose)))


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
    mails = []
    if request.user_id != decided_by_id:
        mails.append(([request.user.email], partial(_decided_mail, request, status, decided_by, comment)))
    if status == LeaveRequest.Status.CANCELLED:
        managers = [email for email in _managers_of(request.user) if email != getattr(decided_by, "email", None)]
        if managers:
            mails.append((managers, partial(_cancelled_mail, request, decided_by, comment)))
    if not mails:
        return 0
    return send_once(
        f"leave_decided:{request.pk}:{status}:{decided_at}",
        lambda: sum(send_mail_translated(recipients, _with_prefix(compose)) for recipients, compose in mails),
    )


def _with_comment(body: str, comment: str | None) -> str:
    """The body and the decision's comment, the system's own in the mail's language."""
    if not comment:
        return body
    return body + "\n\n" + _("Comment: %(comment)s") % {"comment": text_translated(comment, [APPROVED_AUTOMATICALLY])}


def _decided_mail(request: LeaveRequest, status: str, decided_by: User | None, comment: str | None):
    values = {"request": _describe(request), "actor": decided_by}
    body = (DECIDED_BY_BODY if decided_by else DECIDED_BODY)[status] % values
    return str(DECIDED_SUBJECT[status]), _with_comment(body, comment)


def _cancelled_mail(request: LeaveRequest, decided_by: User | None, comment: str | None):
    values = {"person": request.user, "request": _describe(request), "actor": decided_by}
    if decided_by:
        body = _("%(person)s's request for %(request)s was cancelled by %(actor)s.") % values
    else:
        body = _("%(person)s's request for %(request)s was cancelled.") % values
    return _("Leave of %(person)s was cancelled") % values, _with_comment(body, comment)


def forfeiture_notice_text(notice: LeaveForfeitureNotice) -> str:
    """What a forfeiture notice tells the person (the mail, and what /leave/ shows of it)."""
    hours = notice.leave_type.unit == "hour"
    values = {
        "amount": formats.localize(notice.remaining.normalize()),
        "type": notice.leave_type.name,
        "year": notice.year,
        "lapses_on": dateformat.format(notice.lapses_on, "d F Y"),
    }
    text = (
        _("%(amount)s hours of your %(type)s for %(year)s are not taken or planned yet.")
        if hours
        else _("%(amount)s days of your %(type)s for %(year)s are not taken or planned yet.")
    ) % values
    if not notice.carry_over_lapses_on:
        return text + " " + _("Leave not taken by %(lapses_on)s lapses.") % values
    values["carry"] = formats.localize(notice.max_carry_over.normalize())
    values["carry_lapses_on"] = dateformat.format(notice.carry_over_lapses_on, "d F Y")
    lapses = (
        _(
            "Leave not taken by %(lapses_on)s lapses, except up to %(carry)s hours, "
            "which lapse if not taken by %(carry_lapses_on)s."
        )
        if hours
        else _(
            "Leave not taken by %(lapses_on)s lapses, except up to %(carry)s days, "
            "which lapse if not taken by %(carry_lapses_on)s."
        )
    )
    return text + " " + lapses % values


@shared_task(name="leave.tasks.notify_forfeiture_notice", **RETRY_ON_OUTAGE)
def notify_forfeiture_notice(notice_id: int) -> int:
    """Mail a forfeiture notice to the person it is for (once): how much is left, when it
    lapses, and the request to take it."""
    notice = LeaveForfeitureNotice.objects.select_related("user", "leave_type").filter(pk=notice_id).first()
    if notice is None:
        return 0

    def compose():
        body = _(
            "Hello %(name)s,\n\n%(notice)s\n\n"
            "Please plan and request these days in good time so that you can take them. Days that are "
            "neither taken nor carried over by then lapse; this is your employer's notice of it."
        ) % {"name": notice.user.first_name or notice.user, "notice": forfeiture_notice_text(notice)}
        subject = _("Take your %(year)s %(type)s before it lapses") % {
            "year": notice.year,
            "type": notice.leave_type.name.lower(),
        }
        return subject, body

    return send_once(
        f"forfeiture_notice:{notice.pk}", lambda: send_mail_translated([notice.user.email], _with_prefix(compose))
    )


def _with_prefix(compose):
    """Every mail's subject carries the product's name in front."""

    def composed() -> tuple[str, str]:
        subject, body = compose()
        return f"[{settings.PROJECT_NAME}] {subject}", body

    return composed


def _managers_of(user: User) -> list[str]:
    if user.team is None:
        return []
    return [m.email for m in user.team.managers.filter(is_active=True).exclude(pk=user.pk)]
