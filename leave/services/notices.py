"""Forfeiture notices: the employer tells each person, in good time, how much leave of the
year is left and when it lapses, and asks them to take it (CJEU C-684/16 Max-Planck,
C-619/16 Kreuziger; BAG 9 AZR 541/15). Unused leave lapses only with a notice on record
(`leave.selectors_lapse`). A daily job sends the notices from `LEAVE_NOTICE_DATE` to the
end of the year to everyone with days left and no notice yet; admins record a notice given
by letter or in person with the same service."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from core.audit import audit_event_record
from core.errors import DomainValidationError
from leave import selectors, selectors_lapse
from leave.models import LeaveForfeitureNotice, LeaveType
from users.models import User
from users.permissions import ensure_admin

Channel = LeaveForfeitureNotice.Channel
NOTIFY_TASK = "leave.tasks.notify_forfeiture_notice"


def notice_types():
    """The leave types whose days lapse and so need a notice: balance-tracking leave taken
    instead of work (not time off in lieu, which draws on the working-time account)."""
    return LeaveType.objects.filter(active=True, tracks_balance=True, reduces_expected_hours=True)


def notice_day(year: int) -> date:
    return date(year, settings.LEAVE_NOTICE_MONTH, settings.LEAVE_NOTICE_DAY)


def leave_remaining(user: User, leave_type: LeaveType, year: int) -> Decimal:
    """What is left of `year` once approved and pending leave is taken: the days the notice
    asks the person to take."""
    pending = selectors.pending_by_year(user, leave_type)
    return selectors.leave_balance_as_of(user, leave_type, date(year, 12, 31)) - sum(
        (total for pending_year, total in pending.items() if pending_year <= year), Decimal(0)
    )


@transaction.atomic
def leave_forfeiture_notice_record(
    *,
    user: User,
    leave_type: LeaveType,
    year: int,
    actor: User | None,
    channel: str = Channel.EMAIL,
    actor_label: str = "",
) -> LeaveForfeitureNotice | None:
    """Record that `user` is told how much `leave_type` of `year` is left and when it lapses
    (and mail it when the channel is email), once per person, type and year: None when a
    notice is on record already. Audited with the actor (None: the yearly job)."""
    if actor is not None:
        ensure_admin(actor, denied=_("Only admins can record forfeiture notices."))
    if channel not in Channel.values:
        raise DomainValidationError(_("Unknown channel '%(channel)s'.") % {"channel": channel}, field="channel")
    User.objects.select_for_update().filter(pk=user.pk).first()
    if LeaveForfeitureNotice.objects.filter(user=user, leave_type=leave_type, year=year).exists():
        return None
    carry_over_lapses_on = (
        selectors_lapse.carry_over_expiry(leave_type, year + 1) if leave_type.max_carry_over > 0 else None
    )
    try:
        with transaction.atomic():
            notice = LeaveForfeitureNotice.objects.create(
                user=user,
                leave_type=leave_type,
                year=year,
                sent_at=timezone.now(),
                sent_by=actor,
                channel=channel,
                remaining=leave_remaining(user, leave_type, year),
                lapses_on=date(year, 12, 31),
                max_carry_over=leave_type.max_carry_over if carry_over_lapses_on else Decimal(0),
                carry_over_lapses_on=carry_over_lapses_on,
            )
    except IntegrityError:
        return None
    audit_event_record(
        action="leave_forfeiture_notice_sent",
        actor=actor,
        actor_label=actor_label,
        target=notice,
        data={"year": year, "type": leave_type.code, "remaining": str(notice.remaining), "channel": channel},
    )
    if channel == Channel.EMAIL:
        outbox.enqueue(NOTIFY_TASK, notice.pk)
    return notice


def leave_forfeiture_notices_send_due(*, today: date, actor: User | None = None, actor_label: str = "") -> int:
    """The daily job: from `LEAVE_NOTICE_DATE` to 31 December, mail a notice for this year
    to every active person employed today with days of a lapsing type left and no notice
    yet (a person who joins or has days given back later in the autumn is told then).
    Returns the notices sent; a rerun sends none."""
    if today < notice_day(today.year):
        return 0
    sent = 0
    types = list(notice_types())
    people = User.objects.filter(is_active=True, employment_start__lte=today).exclude(employment_end__lt=today)
    for user in people.order_by("pk"):
        for leave_type in types:
            if LeaveForfeitureNotice.objects.filter(user=user, leave_type=leave_type, year=today.year).exists():
                continue
            if leave_remaining(user, leave_type, today.year) <= 0:
                continue
            if leave_forfeiture_notice_record(
                user=user, leave_type=leave_type, year=today.year, actor=actor, actor_label=actor_label
            ):
                sent += 1
    return sent
