"""Reads for compliance: the policy that applies to someone, the violations an actor may
see, and the one read of recorded work that both the checks (`services`) and the summary
(`summary`) judge."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import BooleanField, ExpressionWrapper, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from compliance import rules
from compliance.models import Violation, WorkingTimePolicy
from compliance.policies import default_limits
from core import periods
from leave.selectors import holidays_by_calendar, neutral_leave_of
from timeentries.models import TimeEntry
from users.models import Contract, User
from users.schedules import schedules_of
from users.selectors import owned_rows_visible_to

# How far back the reads reach besides the reference period itself: the extension for
# neutral leave and the rest that may begin before the judged days.
LOOKBACK_MARGIN = timedelta(days=60)
# Holiday calendars of these countries make `require_clocked_times = auto` require them.
CLOCKED_TIMES_COUNTRIES = frozenset({"DE"})


def policy_for(user: User, on: date | None = None) -> WorkingTimePolicy:
    """The policy the person's contract version in force on `on` (today by default) names
    (per-person limits: a night-shift or collective-agreement contract), else their team's,
    else the default one, else an unsaved policy whose fields are
    `compliance.policies.default_limits()` (the settings). One query."""
    on = on or user.local_today()
    named = Contract.objects.filter(user_id=user.pk, valid_from__lte=on).order_by("-valid_from").values("policy_id")[:1]
    by_contract = Q(pk=Subquery(named))
    team_or_default = (Q(teams=user.team_id) | Q(is_default=True)) if user.team_id else Q(is_default=True)
    policies = WorkingTimePolicy.objects.filter(by_contract | team_or_default).annotate(
        by_contract=ExpressionWrapper(by_contract, output_field=BooleanField())
    )
    # The contract's policy wins, then a team's own, then the default.
    chosen = sorted(policies, key=lambda p: (not p.by_contract, p.is_default, p.pk))
    return chosen[0] if chosen else WorkingTimePolicy(name="Default (settings)")


def contract_policy_ids(users: list[User], on: date) -> dict[int, int | None]:
    """The policy each person's contract version in force on `on` names (None: none), in one
    query."""
    named: dict[int, int | None] = {user.pk: None for user in users}
    versions = Contract.objects.filter(user_id__in=list(named), valid_from__lte=on).order_by("user_id", "valid_from")
    for user_id, policy_id in versions.values_list("user_id", "policy_id"):
        named[user_id] = policy_id
    return named


def violations_visible_to(actor: User) -> QuerySet[Violation]:
    return owned_rows_visible_to(actor, Violation.objects.select_related("user", "acknowledged_by"))


@dataclass
class RecordedWork:
    """One person's work around a span of days, as the rules judge it."""

    user: User
    policy: WorkingTimePolicy
    limits: rules.Limits
    # Clocked entries, with their declared breaks.
    intervals: list[rules.Interval]
    # Whole days of neutral leave (their hours are left out of the average), and the share
    # of a working week each day of neutral leave takes out of the reference period.
    neutral_days: set[date]
    # The reference period never reaches before the employment start or the local day of
    # the first entry ever, so weeks before someone started do not count as zero.
    history_start: date
    neutral_share: dict[date, Decimal] = field(default_factory=dict)
    # Duration entries (hours on a local day, no times): their hours and ids per day.
    durations: dict[date, timedelta] = field(default_factory=dict)
    duration_entries: dict[date, tuple[int, ...]] = field(default_factory=dict)
    # Whether a day of durations only is a finding (`WorkingTimePolicy.require_clocked_times`).
    times_required: bool = False
    # The person's public holidays (their calendar on each day) and night-worker flag.
    holidays: set[date] = field(default_factory=set)
    night_worker: bool = False

    @property
    def has_work(self) -> bool:
        return bool(self.intervals or self.durations)

    def hours_by_day(self) -> dict[date, timedelta]:
        return rules.hours_by_day(self.intervals, self.user.tzinfo, self.durations)

    def evaluate(self, days: set[date], now: datetime) -> list[rules.Finding]:
        """Every rule for `days` (and their weeks), as the entries stand."""
        return rules.evaluate(
            self.intervals,
            self.user.tzinfo,
            self.limits,
            days=days,
            neutral_days=self.neutral_days,
            history_start=self.history_start,
            now=now,
            durations=self.durations,
            duration_entries=self.duration_entries,
            times_required=self.times_required,
            neutral_share=self.neutral_share,
            holidays=self.holidays,
            night_worker=self.night_worker,
        )

    def evaluate_averages(self, weeks: set[date]) -> list[rules.Finding]:
        """The weekly average of `weeks` alone: the later weeks whose reference period a
        write or a leave decision reached."""
        return rules.check_weekly_hours(
            self.intervals,
            self.user.tzinfo,
            self.limits,
            weeks,
            self.neutral_days,
            self.history_start,
            self.durations,
            self.neutral_share,
        )

    def night_hours_by_day(self) -> dict[date, timedelta]:
        return rules.night_hours_by_day(self.intervals, self.user.tzinfo, self.limits)

    def substitute_rest_days(self, now: datetime) -> list[rules.SubstituteRest]:
        return rules.substitute_rest_days(
            self.hours_by_day(),
            self.holidays,
            self.neutral_days,
            periods.local_date(now, self.user.tzinfo),
            self.history_start,
        )


@dataclass
class _Entries:
    """What `_entries_by_user` reads of one person."""

    intervals: list[rules.Interval] = field(default_factory=list)
    durations: dict[date, timedelta] = field(default_factory=lambda: defaultdict(timedelta))
    duration_entries: dict[date, list[int]] = field(default_factory=lambda: defaultdict(list))
    first_day: date | None = None
    # The country of the person's effective holiday calendar (their own, else their team's);
    # read with the entries, so only known for people with entries in the span (the others
    # have no day to judge for recorded times).
    country: str = ""
    # That calendar's id, read with the entries too (`calendar_known`).
    calendar_id: int | None = None
    calendar_known: bool = False


def _reading_window(limits: rules.Limits, first_day: date, last_day: date, tz) -> tuple[datetime, datetime]:
    """The UTC span whose entries can count for `first_day` to `last_day`: the reference
    period before the first day's week plus the margin, to the day after the last week (a
    night shift reaching into it)."""
    weeks_back = timedelta(days=7 * limits.reference_period_weeks)
    return (
        periods.local_midnight(first_day - weeks_back, tz) - LOOKBACK_MARGIN,
        periods.local_midnight(last_day + timedelta(days=8), tz),
    )


def _entries_by_user(users: list[User], start: datetime, end: datetime, now: datetime) -> dict[int, _Entries]:
    """Everyone's clocked entries meeting [start, end) (a running one lasts until now, at
    least a minute) with their breaks, their duration entries on the local days of that
    span, each person's first day of work ever and their holiday calendar's country, in one
    query; one more only for people with nothing in the span."""
    found: dict[int, _Entries] = {user.pk: _Entries() for user in users}
    first_day = TimeEntry.objects.filter(user_id=OuterRef("user_id")).order_by("day").values("day")[:1]
    # The local days of the span in any zone: a day more on each side, trimmed per person
    # by the rules, which only look at the days they judge.
    day_from, day_to = (start - timedelta(days=1)).date(), (end + timedelta(days=1)).date()
    clocked = Q(kind=TimeEntry.Kind.CLOCKED, start__lt=end) & ~Q(end__lt=start)
    durations = Q(kind=TimeEntry.Kind.DURATION, day__gte=day_from, day__lte=day_to)
    rows = (
        TimeEntry.objects.filter(clocked | durations, user_id__in=list(found))
        .annotate(first_day=Subquery(first_day))
        .order_by("day", "start", "pk")
        .values_list(
            "user_id",
            "pk",
            "kind",
            "start",
            "end",
            "break_minutes",
            "day",
            "duration",
            "first_day",
            "user__holiday_calendar__country",
            "user__team__holiday_calendar__country",
            "user__holiday_calendar_id",
            "user__team__holiday_calendar_id",
        )
    )
    for user_id, pk, kind, entry_start, entry_end, break_minutes, day, duration, first, own, team, *calendars in rows:
        entries = found[user_id]
        entries.first_day, entries.country = first, (own or team or "").upper()
        entries.calendar_id, entries.calendar_known = calendars[0] or calendars[1], True
        if kind == TimeEntry.Kind.DURATION:
            entries.durations[day] += duration
            entries.duration_entries[day].append(pk)
            continue
        entry_end = entry_end or max(now, entry_start + timedelta(minutes=1))
        entries.intervals.append(rules.Interval(pk, entry_start, entry_end, break_minutes or 0))
    idle = [user_id for user_id, entries in found.items() if entries.first_day is None]
    if idle:
        firsts = TimeEntry.objects.filter(user_id__in=idle).order_by().values("user_id").annotate(first=Min("day"))
        for user_id, first in firsts.values_list("user_id", "first"):
            found[user_id].first_day = first
    for entries in found.values():
        entries.intervals.sort(key=lambda interval: (interval.start, interval.id or 0))
    return found


def _calendar_window(first_day: date, last_day: date, tz) -> tuple[datetime, datetime]:
    """The UTC span the Sunday, holiday and night rules read: the calendar years of the
    judged days (15 free Sundays a year, night work on 48 days of a year), from the longest
    substitute rest window before the first (a holiday's, 8 weeks, that may claim a free
    day) to the end of the one after the last."""
    window = timedelta(weeks=rules.HOLIDAY_SUBSTITUTE_WEEKS + 1)
    return (
        periods.local_midnight(date(first_day.year, 1, 1), tz) - window,
        periods.local_midnight(max(date(last_day.year + 1, 1, 1), last_day + timedelta(days=1)), tz) + window,
    )


def _holidays_by_user(
    users: list[User], start: date, end: date, calendar_ids: dict[int, int | None]
) -> dict[int, set[date]]:
    """Each person's public holidays from `start` to `end`: the calendar of their contract
    version on the day, else their own or their team's (`calendar_ids`, when the entries
    told; else asked of the user). Half days (24 and 31 December in
    some calendars) are working days in law."""
    schedules = schedules_of(users)
    own = {user.pk: user.effective_holiday_calendar_id for user in users if user.pk not in calendar_ids} | calendar_ids
    calendars = {
        user.pk: {own[user.pk]}
        | {terms.holiday_calendar_id for terms in schedules[user.pk].versions if terms.holiday_calendar_id}
        for user in users
    }
    holidays = holidays_by_calendar(set().union(*calendars.values()), start, end)
    found: dict[int, set[date]] = {}
    for user in users:
        schedule = schedules[user.pk]
        found[user.pk] = {
            day
            for calendar_id in calendars[user.pk]
            for day, holiday in holidays[calendar_id].items()
            if not holiday.half_day and _calendar_on(own[user.pk], schedule.terms_on(day)) == calendar_id
        }
    return found


def _calendar_on(own: int | None, terms) -> int | None:
    """`leave.selectors.calendar_id_on` with the person's own calendar known."""
    return (terms.holiday_calendar_id if terms is not None else None) or own


def times_required(policy: WorkingTimePolicy, country: str) -> bool:
    """Whether `policy` requires clocked times of someone on a holiday calendar of
    `country`: "auto" requires them on German calendars (the issue's default)."""
    if policy.require_clocked_times == WorkingTimePolicy.ClockedTimes.AUTO:
        return country in CLOCKED_TIMES_COUNTRIES
    return policy.require_clocked_times == WorkingTimePolicy.ClockedTimes.ON


def recorded_work(
    users: list[User], first_day: date, last_day: date, *, now: datetime | None = None, policy=None
) -> dict[int, RecordedWork]:
    """Everything the rules need to judge `users` from `first_day` to `last_day` (local
    days) and their weeks: policy and limits, clocked entries and durations, neutral leave,
    history start, whether clocked times are required.

    A fixed number of queries whatever the number of people, plus one policy lookup per
    team and per policy a contract names unless `policy` is given. The policy is the one in
    force on `last_day` (a contract version may name its own)."""
    if not users:
        return {}
    now = now or timezone.now()
    named = {} if policy is not None else contract_policy_ids(users, last_day)
    policies: dict[tuple, WorkingTimePolicy] = {}
    policy_of: dict[int, WorkingTimePolicy] = {}
    windows = {}
    for user in users:
        key = (user.team_id, named.get(user.pk))
        if key not in policies:
            policies[key] = policy or policy_for(user, on=last_day)
        policy_of[user.pk] = policies[key]
        start, end = _reading_window(rules.Limits.of(policies[key]), first_day, last_day, user.tzinfo)
        calendar_start, calendar_end = _calendar_window(first_day, last_day, user.tzinfo)
        windows[user.pk] = (min(start, calendar_start), max(end, calendar_end))
    entries = _entries_by_user(
        users, min(start for start, _ in windows.values()), max(end for _, end in windows.values()), now
    )
    neutral_from = min(periods.local_date(windows[user.pk][0], user.tzinfo) for user in users)
    neutral_to = max(
        max(periods.local_date(windows[user.pk][1], user.tzinfo) for user in users), last_day + timedelta(days=7)
    )
    neutral = neutral_leave_of(users, neutral_from, neutral_to)
    holidays = _holidays_by_user(
        users,
        neutral_from,
        neutral_to,
        {user.pk: entries[user.pk].calendar_id for user in users if entries[user.pk].calendar_known},
    )
    work = {}
    for user in users:
        mine, policy_of_user = entries[user.pk], policy_of[user.pk]
        work[user.pk] = RecordedWork(
            user=user,
            policy=policy_of_user,
            limits=rules.Limits.of(policy_of_user),
            intervals=mine.intervals,
            neutral_days=set(neutral[user.pk].days),
            neutral_share=neutral[user.pk].week_share,
            history_start=max(mine.first_day or first_day, user.employment_start),
            durations=dict(mine.durations),
            duration_entries={day: tuple(ids) for day, ids in mine.duration_entries.items()},
            times_required=times_required(policy_of_user, mine.country),
            holidays=holidays[user.pk],
            night_worker=user.night_worker,
        )
    return work


def longest_reference_period_weeks() -> int:
    """The longest reference period of any policy, the settings' default included: how far
    back the nightly scan re-judges."""
    longest = WorkingTimePolicy.objects.aggregate(longest=Max("reference_period_weeks"))["longest"] or 0
    return max(longest, default_limits().reference_period_weeks)
