"""Reads for compliance: the policy that applies to someone, the violations an actor may
see, and the one read of recorded work that both the checks (`services`) and the summary
(`summary`) judge."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from compliance import rules
from compliance.models import Violation, WorkingTimePolicy
from core import periods
from leave.selectors import neutral_leave_days_of
from timeentries.models import TimeEntry
from users.models import User
from users.selectors import owned_rows_visible_to

# How far back the reads reach besides the reference period itself: the extension for
# neutral leave and the rest that may begin before the judged days.
LOOKBACK_MARGIN = timedelta(days=60)


def policy_for(user: User) -> WorkingTimePolicy:
    """The user's team's policy, else the default one, else an unsaved policy whose fields
    are `compliance.policies.default_limits()` (the settings)."""
    policies = (
        WorkingTimePolicy.objects.filter(Q(teams=user.team_id) | Q(is_default=True))
        if user.team_id
        else (WorkingTimePolicy.objects.filter(is_default=True))
    )
    chosen = sorted(policies, key=lambda p: (p.is_default, p.pk))  # a team's own policy wins
    return chosen[0] if chosen else WorkingTimePolicy(name="Default (settings)")


def violations_visible_to(actor: User) -> QuerySet[Violation]:
    return owned_rows_visible_to(actor, Violation.objects.select_related("user", "acknowledged_by"))


@dataclass
class RecordedWork:
    """One person's work around a span of days, as the rules judge it."""

    user: User
    policy: WorkingTimePolicy
    limits: rules.Limits
    intervals: list[rules.Interval]
    neutral_days: set[date]
    # The reference period never reaches before the local day of the first entry ever, so
    # the weeks before someone started recording do not count as zero.
    history_start: date


def _reading_window(limits: rules.Limits, first_day: date, last_day: date, tz) -> tuple[datetime, datetime]:
    """The UTC span whose entries can count for `first_day` to `last_day`: the reference
    period before the first day's week plus the margin, to the day after the last week (a
    night shift reaching into it)."""
    weeks_back = timedelta(days=7 * limits.reference_period_weeks)
    return (
        periods.local_midnight(first_day - weeks_back, tz) - LOOKBACK_MARGIN,
        periods.local_midnight(last_day + timedelta(days=8), tz),
    )


def _intervals_by_user(
    users: list[User], start: datetime, end: datetime, now: datetime
) -> tuple[dict[int, list[rules.Interval]], dict[int, datetime]]:
    """Everyone's entries meeting [start, end) (a running one lasts until now, at least a
    minute) and each person's first entry ever, in one query; one more only for people
    with nothing in the span."""
    intervals: dict[int, list[rules.Interval]] = {user.pk: [] for user in users}
    first_ever: dict[int, datetime] = {}
    first_start = TimeEntry.objects.filter(user_id=OuterRef("user_id")).order_by("start").values("start")[:1]
    rows = (
        TimeEntry.objects.filter(user_id__in=list(intervals), start__lt=end)
        .exclude(end__lt=start)
        .annotate(first_start=Subquery(first_start))
        .order_by("start", "pk")
        .values_list("user_id", "pk", "start", "end", "first_start")
    )
    for user_id, pk, entry_start, entry_end, first in rows:
        entry_end = entry_end or max(now, entry_start + timedelta(minutes=1))
        intervals[user_id].append(rules.Interval(pk, entry_start, entry_end))
        first_ever[user_id] = first
    idle = [user_id for user_id, found in intervals.items() if not found]
    if idle:
        firsts = TimeEntry.objects.filter(user_id__in=idle).order_by().values("user_id").annotate(first=Min("start"))
        first_ever.update(firsts.values_list("user_id", "first"))
    return intervals, first_ever


def recorded_work(
    users: list[User], first_day: date, last_day: date, *, now: datetime | None = None, policy=None
) -> dict[int, RecordedWork]:
    """Everything the rules need to judge `users` from `first_day` to `last_day` (local
    days) and their weeks: policy and limits, entries, neutral leave, history start.

    A fixed number of queries whatever the number of people, plus one policy lookup per
    team unless `policy` is given."""
    if not users:
        return {}
    now = now or timezone.now()
    policies: dict[int | None, WorkingTimePolicy] = {}
    windows = {}
    for user in users:
        if user.team_id not in policies:
            policies[user.team_id] = policy or policy_for(user)
        windows[user.pk] = _reading_window(rules.Limits.of(policies[user.team_id]), first_day, last_day, user.tzinfo)
    intervals, first_ever = _intervals_by_user(
        users, min(start for start, _ in windows.values()), max(end for _, end in windows.values()), now
    )
    neutral_from = min(periods.local_date(windows[user.pk][0], user.tzinfo) for user in users)
    neutral = neutral_leave_days_of(users, neutral_from, last_day + timedelta(days=7))
    work = {}
    for user in users:
        first = first_ever.get(user.pk)
        work[user.pk] = RecordedWork(
            user=user,
            policy=policies[user.team_id],
            limits=rules.Limits.of(policies[user.team_id]),
            intervals=intervals[user.pk],
            neutral_days=neutral[user.pk],
            history_start=periods.local_date(first, user.tzinfo) if first else first_day,
        )
    return work
