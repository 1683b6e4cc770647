"""Reads for leave: working-day arithmetic, balances as ledger sums, scoped lists, and the
expected hours that analytics and compliance use."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from core.periods import hours as to_hours
from leave.models import Holiday, LeaveForfeitureNotice, LeaveLedgerEntry, LeaveRequest, LeaveType
from timeentries.selectors import day_worked
from users.models import Contract, User
from users.schedules import Schedule, Terms, schedules_of
from users.selectors import owned_rows_visible_to, user_ids_visible_to, users_whose_absences_visible_to

HALVES = frozenset({"morning", "afternoon"})
ZERO = Decimal(0)
AMOUNT = DecimalField(max_digits=9, decimal_places=2)


def daterange(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def holidays_of(calendar_id: int | None, start: date, end: date) -> dict[date, Holiday]:
    if calendar_id is None:
        return {}
    return {
        h.date: h
        for h in Holiday.objects.filter(calendar_id=calendar_id, date__range=(start, end)).select_related("calendar")
    }


def calendar_id_on(user: User, terms: Terms | None) -> int | None:
    """The holiday calendar of a day: the contract version's when it names one, else the
    person's own or their team's (`User.effective_holiday_calendar_id`)."""
    return (terms.holiday_calendar_id if terms is not None else None) or user.effective_holiday_calendar_id


def holidays_by_calendar(calendar_ids: Iterable[int | None], start: date, end: date) -> dict[int | None, dict]:
    """`holidays_of` of several calendars in one query ({} for None)."""
    result: dict[int | None, dict] = {calendar_id: {} for calendar_id in calendar_ids}
    wanted = [calendar_id for calendar_id in result if calendar_id is not None]
    if wanted:
        for holiday in Holiday.objects.filter(calendar_id__in=wanted, date__range=(start, end)).select_related(
            "calendar"
        ):
            result[holiday.calendar_id][holiday.date] = holiday
    return result


@dataclass(frozen=True)
class ContractDay:
    """One day of a person's contract: the version in force (None when not employed) and
    that day's holidays' calendar."""

    day: date
    terms: Terms | None
    calendar_id: int | None


def contract_days(user: User, schedule: Schedule, start: date, end: date) -> list[ContractDay]:
    """Each day from `start` to `end` with the version in force and its holiday calendar."""
    days = []
    for day in daterange(start, end):
        terms = schedule.terms_on(day)
        days.append(ContractDay(day=day, terms=terms, calendar_id=calendar_id_on(user, terms)))
    return days


def working_halves(terms: Terms | None, day: date, holidays: dict[date, Holiday]) -> frozenset[str]:
    """The halves of `day` the person normally works under `terms` (the version in force
    that day; None when not employed): none on days off and full holidays; only the
    morning on a half-day holiday (Christmas Eve style)."""
    if terms is None or day.isoweekday() not in terms.work_days:
        return frozenset()
    holiday = holidays.get(day)
    if holiday is None:
        return HALVES
    return frozenset({"morning"}) if holiday.half_day else frozenset()


def requested_halves(day: date, start: date, end: date, start_half: str, end_half: str) -> frozenset[str]:
    halves = set(HALVES)
    if day == start and start_half:
        halves &= {start_half}
    if day == end and end_half:
        halves &= {end_half}
    return frozenset(halves)


@dataclass(frozen=True)
class LeaveLength:
    working_days: Decimal
    hours: Decimal


def leave_length(user: User, start: date, end: date, start_half: str = "", end_half: str = "") -> LeaveLength:
    """Working days (0.5 per half day) and hours a request from `start` to `end` takes,
    each day counted under the contract version in force that day (its work days, its
    hours per work day, its holiday calendar), days outside employment not at all."""
    days = contract_days(user, schedules_of([user])[user.pk], start, end)
    holidays = holidays_by_calendar({day.calendar_id for day in days}, start, end)
    halves, hours = 0, ZERO
    for item in days:
        taken = len(
            working_halves(item.terms, item.day, holidays[item.calendar_id])
            & requested_halves(item.day, start, end, start_half, end_half)
        )
        halves += taken
        if taken:
            hours += item.terms.hours_per_work_day * taken / 2
    return LeaveLength(working_days=Decimal(halves) / 2, hours=hours.quantize(Decimal("0.01")))


def leave_balance_as_of(user: User, leave_type: LeaveType, as_of: date) -> Decimal:
    """The balance on `as_of` (`LeaveLedgerQuerySet.balances`)."""
    rows = LeaveLedgerEntry.objects.filter(user=user, leave_type=leave_type).balances(as_of)
    return next((row["balance"] for row in rows), None) or ZERO


def ledger_balance_of_row(as_of: date | None = None) -> Coalesce:
    """The balance (`LeaveLedgerQuerySet.balances`) of the outer row's `user` and
    `leave_type` as one subquery, to annotate a list without a query per row."""
    rows = LeaveLedgerEntry.objects.filter(user=OuterRef("user"), leave_type=OuterRef("leave_type")).balances(as_of)
    return Coalesce(Subquery(rows.values("balance"), output_field=AMOUNT), Value(ZERO), output_field=AMOUNT)


@dataclass(frozen=True)
class YearPart:
    """The share of a request (or of some of its days) that falls in one leave year."""

    year: int
    first_day: date
    working_days: Decimal
    amount: Decimal


def year_parts(request: LeaveRequest, start: date, end: date, start_half: str, end_half: str) -> list[YearPart]:
    """The days of `request` from `start` to `end` (halves as given) split by leave year,
    each part with its first day and the amount it takes in the request type's unit."""
    parts = []
    for year in range(start.year, end.year + 1):
        first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        length = leave_length(
            request.user, first, last, start_half if first == start else "", end_half if last == end else ""
        )
        amount = length.hours if request.leave_type.unit == LeaveType.Unit.HOUR else length.working_days
        parts.append(YearPart(year=year, first_day=first, working_days=length.working_days, amount=amount))
    return parts


def request_year_parts(request: LeaveRequest) -> list[YearPart]:
    """The request's own days by leave year: one part, as counted on the request, unless it
    spans New Year. The parts add up to the request's own count: the last part takes the
    rest, so rounding of hours cannot make a cent appear or vanish."""
    if request.start_date.year == request.end_date.year:
        return [YearPart(request.start_date.year, request.start_date, request.working_days, request.amount)]
    parts = year_parts(request, request.start_date, request.end_date, request.start_half, request.end_half)
    rest = request.amount - sum((part.amount for part in parts[:-1]), ZERO)
    parts[-1] = YearPart(parts[-1].year, parts[-1].first_day, parts[-1].working_days, rest)
    return parts


def _pending_amounts_by_year(pending: QuerySet[LeaveRequest]) -> dict[tuple[int, int, int], Decimal]:
    """Pending amounts in each type's unit per (user, leave type, leave year), in one query:
    a request spanning New Year counts each year's part in its year."""
    totals: dict[tuple[int, int, int], Decimal] = {}
    for request in pending.select_related("user", "leave_type").order_by():
        for part in request_year_parts(request):
            key = (request.user_id, request.leave_type_id, part.year)
            totals[key] = totals.get(key, ZERO) + part.amount
    return totals


def pending_by_year(user: User, leave_type: LeaveType, exclude_pk=None) -> dict[int, Decimal]:
    """Pending amounts by leave year, the year each part is debited in when approved (a
    request spanning New Year counts each year's part in its year)."""
    pending = LeaveRequest.objects.filter(user=user, leave_type=leave_type, status=LeaveRequest.Status.PENDING)
    if exclude_pk:
        pending = pending.exclude(pk=exclude_pk)
    return {year: total for (_, _, year), total in _pending_amounts_by_year(pending).items()}


# What requests took: their debits and credits, and the adjustments a holiday change made to
# them (a holiday added inside approved leave gives the day back).
SPENT_ON_REQUESTS = Q(
    kind__in=[LeaveLedgerEntry.Kind.DEBIT, LeaveLedgerEntry.Kind.CREDIT, LeaveLedgerEntry.Kind.SICK_CREDIT]
) | Q(kind=LeaveLedgerEntry.Kind.ADJUSTMENT, request__isnull=False)
# A year's entitlement rows: its accrual and the re-counts after it (`ledger.leave_entitlement_recount`).
ENTITLEMENT_ROWS = (
    Q(kind=LeaveLedgerEntry.Kind.ACCRUAL)
    | Q(idempotency_key__startswith="entitlement:")
    | Q(idempotency_key__startswith="leaver:")
)


def leave_balances(user: User, as_of: date) -> list[dict]:
    """Per balance-tracking type, for the leave year of `as_of`: entitlement (what the year
    gave, carry-over included), taken up to `as_of`, planned (approved, later this year),
    pending (what pending requests ask of this year), and left (balance minus planned and
    pending); the year's entitlement split into its statutory part and the contractual
    extra, and the statutory part left (`entitlement_parts_of`)."""
    return leave_balances_of([user], as_of)[user.pk]


def leave_balances_of(users: Iterable[User], as_of: date) -> dict[int, list[dict]]:
    """`leave_balances` of several people: the same few queries whatever their number."""
    user_ids = [user.pk for user in users]
    year_start, year_end = date(as_of.year, 1, 1), date(as_of.year, 12, 31)
    types = list(LeaveType.objects.filter(active=True, tracks_balance=True))
    rows = LeaveLedgerEntry.objects.filter(user_id__in=user_ids, leave_type__in=types)
    spent = SPENT_ON_REQUESTS

    def by_user_and_type(queryset, field="amount") -> dict[tuple[int, int], Decimal]:
        sums = queryset.order_by().values_list("user_id", "leave_type").annotate(s=Sum(field))
        return {(user_id, type_id): total for user_id, type_id, total in sums.values_list("user_id", "leave_type", "s")}

    balance = {(row["user"], row["leave_type"]): row["balance"] for row in rows.balances(as_of)}
    taken = by_user_and_type(rows.filter(spent, date__range=(year_start, as_of)))
    planned = by_user_and_type(rows.filter(spent, date__gt=as_of, date__lte=year_end))
    # Pending: only what the requests ask of this leave year (a request of next year, or
    # next year's part of one spanning New Year, leaves this year's "left" alone).
    pending_requests = LeaveRequest.objects.filter(
        user_id__in=user_ids, status=LeaveRequest.Status.PENDING, start_date__lte=year_end, end_date__gte=year_start
    )
    pending_this_year = {
        key[:2]: total for key, total in _pending_amounts_by_year(pending_requests).items() if key[2] == as_of.year
    }
    result: dict[int, list[dict]] = {}
    for user_id in user_ids:
        result[user_id] = []
        for leave_type in types:
            key = (user_id, leave_type.pk)
            pending = pending_this_year.get(key) or ZERO
            now = balance.get(key) or ZERO
            used = -(taken.get(key) or ZERO)
            later = -(planned.get(key) or ZERO)
            result[user_id].append(
                {
                    "type": leave_type.pk,
                    "type_code": leave_type.code,
                    "type_name": leave_type.name,
                    "unit": leave_type.unit,
                    "entitlement": now + used,
                    "taken": used,
                    "planned": later,
                    "pending": pending,
                    "left": now - later - pending,
                }
            )
    parts = entitlement_parts_of(user_ids, types, as_of)
    for user_id, rows_of_user in result.items():
        for row in rows_of_user:
            row.update(parts[(user_id, row["type"])])
    return result


def entitlement_parts_of(user_ids: list[int], types: list[LeaveType], as_of: date) -> dict[tuple[int, int], dict]:
    """Per (user, type), for the leave year of `as_of`: `statutory_entitlement` and
    `contractual_entitlement`, the parts of what the year's entitlement rows dated up to
    `as_of` gave; and `statutory_left`, the statutory part of what is left once taken and
    planned leave are set off (first against the carry-over, which lapses first, then
    against the statutory part, then the extra), less the statutory part paid out on
    leaving. Carry-over is neither part (it is `entitlement` - both)."""
    year_start, year_end = date(as_of.year, 1, 1), date(as_of.year, 12, 31)
    rows = LeaveLedgerEntry.objects.filter(user_id__in=user_ids, leave_type__in=types, date__gte=year_start).order_by()

    def sums(queryset, **fields) -> dict[tuple[int, int], dict]:
        grouped = queryset.values("user_id", "leave_type_id").annotate(**{name: Sum(f) for name, f in fields.items()})
        return {(row["user_id"], row["leave_type_id"]): row for row in grouped}

    entitled = sums(rows.filter(ENTITLEMENT_ROWS, date__lte=as_of), amount=F("amount"), statutory=F("statutory"))
    spent = sums(rows.filter(SPENT_ON_REQUESTS, date__lte=year_end), amount=F("amount"))
    carried = sums(rows.filter(kind=LeaveLedgerEntry.Kind.CARRY_OVER, date__lte=year_end), amount=F("amount"))
    lapsed = sums(
        rows.filter(kind=LeaveLedgerEntry.Kind.EXPIRY, date__gt=year_start, date__lte=year_end), amount=F("amount")
    )
    paid = sums(rows.filter(kind=LeaveLedgerEntry.Kind.PAYOUT, date__lte=year_end), statutory=F("statutory"))
    at_year_end = LeaveLedgerEntry.objects.filter(user_id__in=user_ids, leave_type__in=types).balances(year_end)
    balance = {(row["user"], row["leave_type"]): row["balance"] for row in at_year_end}
    result = {}
    for user_id in user_ids:
        for leave_type in types:
            key = (user_id, leave_type.pk)
            total = (entitled.get(key) or {}).get("amount") or ZERO
            statutory = (entitled.get(key) or {}).get("statutory") or ZERO
            used = -((spent.get(key) or {}).get("amount") or ZERO)
            carry_used = max(
                ZERO, ((carried.get(key) or {}).get("amount") or ZERO) + ((lapsed.get(key) or {}).get("amount") or ZERO)
            )
            statutory_used = max(ZERO, used - carry_used)
            statutory_paid = -((paid.get(key) or {}).get("statutory") or ZERO)
            left = max(ZERO, statutory - statutory_used - statutory_paid)
            result[key] = {
                "statutory_entitlement": statutory,
                "contractual_entitlement": total - statutory,
                "statutory_left": min(left, max(ZERO, balance.get(key) or ZERO)),
            }
    return result


def leave_requests_visible_to(actor: User) -> QuerySet[LeaveRequest]:
    return owned_rows_visible_to(
        actor, LeaveRequest.objects.select_related("user", "user__team", "leave_type", "decided_by")
    )


def ledger_visible_to(actor: User) -> QuerySet[LeaveLedgerEntry]:
    return owned_rows_visible_to(actor, LeaveLedgerEntry.objects.select_related("leave_type", "user"))


def forfeiture_notices_visible_to(actor: User) -> QuerySet[LeaveForfeitureNotice]:
    """Forfeiture notices, scoped like the ledger: one's own, one's people's, all for admins."""
    return owned_rows_visible_to(actor, LeaveForfeitureNotice.objects.select_related("user", "leave_type", "sent_by"))


def overlapping_requests(user: User, start: date, end: date, exclude_pk=None) -> QuerySet[LeaveRequest]:
    """The user's own pending or approved requests whose dates meet [start, end] (indexed)."""
    live = [LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED]
    qs = LeaveRequest.objects.filter(user=user, status__in=live, start_date__lte=end, end_date__gte=start)
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


def absences(users: QuerySet[User], start: date, end: date) -> QuerySet[LeaveRequest]:
    """Approved and pending leave of `users` that meets [start, end]."""
    live = [LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED]
    return (
        LeaveRequest.objects.filter(user__in=users, status__in=live, start_date__lte=end, end_date__gte=start)
        .select_related("user", "leave_type")
        .order_by("start_date", "user__email")
    )


@dataclass(frozen=True)
class ShownType:
    """What stands in for a leave type its reader may not see: no name, code or colour of its own."""

    name: str
    code: str
    color: str


ABSENT = ShownType(name=gettext_lazy("Absent"), code="absent", color="#757575")


def with_type_hidden(actor: User, rows: QuerySet[LeaveRequest]) -> QuerySet[LeaveRequest]:
    """`rows` with `type_hidden`: the one rule for private leave types (GDPR Art. 9). Only
    the person, their managers and admins (the people `users_visible_to(actor)` holds) see a
    private type; to everyone else the leave is "Absent", with no type, reason or colour."""
    if actor.is_admin:
        return rows.annotate(type_hidden=Value(False, output_field=BooleanField()))
    hidden = Q(leave_type__private=True) & ~Q(user_id__in=user_ids_visible_to(actor))
    return rows.annotate(type_hidden=Case(When(hidden, then=Value(True)), default=Value(False)))


def absences_seen_by(actor: User, start: date, end: date, *, team_id: int | None = None) -> QuerySet[LeaveRequest]:
    """Approved and pending leave meeting [start, end] of the people whose absences `actor`
    sees (their own people, and their team mates unless the team keeps absences to its
    managers), of one team when `team_id` is given, with `type_hidden` (`with_type_hidden`)."""
    people = users_whose_absences_visible_to(actor)
    if team_id is not None:
        people = people.filter(team_id=team_id)
    return with_type_hidden(actor, absences(people, start, end))


def shown_type(leave_request: LeaveRequest) -> LeaveType | ShownType:
    """The request's leave type, or `ABSENT` where it is hidden from the reader (rows of
    `with_type_hidden`)."""
    return ABSENT if leave_request.type_hidden else leave_request.leave_type


def expected_hours(user: User, start: date, end: date) -> dict[date, Decimal]:
    """Contract hours the user is expected to work each day from `start` to `end`: nothing
    on days off, holidays and approved leave; half of it on half days."""
    return expected_hours_of([user], start, end)[user.pk]


def expected_hours_of(users: Iterable[User], start: date, end: date) -> dict[int, dict[date, Decimal]]:
    """`expected_hours` of several people, each day under the contract version in force
    that day (`users.schedules`; 0 before `employment_start` and after `employment_end`)
    with that day's holiday calendar: one query for their versions, one for their leave and
    one for the holidays, whatever their number (and one per person with sick leave in the
    range, for the work recorded on those days).

    Approved leave takes its halves out. Sick leave (a type that `interrupts_leave`) covers
    only the contract hours not worked that day: someone who worked 3 of 8 hours and went
    home sick is expected 3 hours, and 8 hours worked on a day booked sick stay 8 hours
    expected, never overtime."""
    users = list(users)
    schedules = schedules_of(users)
    days = {user.pk: contract_days(user, schedules[user.pk], start, end) for user in users}
    holidays = holidays_by_calendar({item.calendar_id for per_user in days.values() for item in per_user}, start, end)
    on_leave, on_sick = leave_halves(users, start, end)
    result = {}
    for user in users:
        off, sick = on_leave[user.pk], on_sick[user.pk]
        worked = worked_hours_on(user, sorted(sick)) if sick else {}
        result[user.pk] = {
            item.day: expected_on(
                item, holidays, off.get(item.day, set()), sick.get(item.day, set()), worked.get(item.day, ZERO)
            )
            for item in days[user.pk]
        }
    return result


def leave_reducing_expected_hours(users: list[User], start: date, end: date) -> QuerySet:
    """The approved leave of `users` meeting `start`..`end` whose type reduces expected
    hours, as (user_id, start_date, end_date, start_half, end_half, sick) rows: `sick` for a
    type that `interrupts_leave`, which covers only the hours not worked."""
    return LeaveRequest.objects.filter(
        user_id__in=[user.pk for user in users],
        status=LeaveRequest.Status.APPROVED,
        leave_type__reduces_expected_hours=True,
        start_date__lte=end,
        end_date__gte=start,
    ).values_list("user_id", "start_date", "end_date", "start_half", "end_half", "leave_type__interrupts_leave")


def leave_halves(users: list[User], start: date, end: date) -> tuple[dict, dict]:
    """Per person and day from `start` to `end`, the halves of approved leave that reduces
    expected hours: (other leave, sick leave)."""
    on_leave: dict[int, dict[date, set[str]]] = {user.pk: {} for user in users}
    on_sick: dict[int, dict[date, set[str]]] = {user.pk: {} for user in users}
    for user_id, first, last, start_half, end_half, sick in leave_reducing_expected_hours(users, start, end):
        for day in daterange(max(first, start), min(last, end)):
            halves = requested_halves(day, first, last, start_half, end_half)
            (on_sick if sick else on_leave)[user_id].setdefault(day, set()).update(halves)
    return on_leave, on_sick


def worked_hours_on(user: User, days: list[date]) -> dict[date, Decimal]:
    """Hours `user` recorded on each of `days` (one query)."""
    return {day: to_hours(worked) for day, worked in day_worked(user, days).items()}


def expected_on(
    item: ContractDay, holidays: dict, off_halves: set[str], sick_halves: set[str] = frozenset(), worked=ZERO
) -> Decimal:
    """The hours expected of a person on one day: its working halves less those on leave,
    sick halves covering only what was not worked."""
    if item.terms is None:
        return ZERO
    halves = working_halves(item.terms, item.day, holidays[item.calendar_id]) - off_halves
    expected = Decimal(len(halves)) * item.terms.hours_per_work_day / 2
    sick = Decimal(len(halves & sick_halves)) * item.terms.hours_per_work_day / 2
    return expected - min(sick, max(expected - worked, ZERO))


def users_on_calendar(calendar_id: int, *, since: date | None = None) -> QuerySet[User]:
    """Users whose holidays may come from `calendar_id` on `since` or later (on any day when
    `since` is None): everyone with a contract version naming it that is still in force then
    (not replaced by a later version by `since`), and everyone whose own calendar, else their
    team's, is it (a version that names none falls back to those). A superset is harmless:
    re-counting a request that did not change books nothing."""
    versions = Contract.objects.filter(holiday_calendar_id=calendar_id)
    if since is not None:
        replaced = Contract.objects.filter(
            user_id=OuterRef("user_id"), valid_from__gt=OuterRef("valid_from"), valid_from__lte=since
        )
        versions = versions.exclude(Exists(replaced))
    return User.objects.filter(
        Q(holiday_calendar_id=calendar_id)
        | Q(holiday_calendar__isnull=True, team__holiday_calendar_id=calendar_id)
        | Q(pk__in=versions.values("user_id"))
    )


def calendar_ids_of_user(user: User, start: date, end: date) -> set[int]:
    """The holiday calendars of `user`'s employed days from `start` to `end` (by version)."""
    days = contract_days(user, schedules_of([user])[user.pk], start, end)
    return {item.calendar_id for item in days if item.terms is not None and item.calendar_id is not None}


def holidays_of_user(user: User, start: date, end: date) -> dict[date, Holiday]:
    """The holidays of `user`'s own days from `start` to `end`: each day's from the calendar
    of the contract version in force that day (`calendar_id_on`); none outside employment."""
    days = contract_days(user, schedules_of([user])[user.pk], start, end)
    holidays = holidays_by_calendar({item.calendar_id for item in days if item.terms is not None}, start, end)
    return {
        item.day: holidays[item.calendar_id][item.day]
        for item in days
        if item.terms is not None and item.day in holidays[item.calendar_id]
    }


def calendar_id_today(user: User) -> int | None:
    """The holiday calendar of the version in force today (before the employment starts,
    the first version's; after it ends, the last one's)."""
    schedule = schedules_of([user])[user.pk]
    today = user.local_today()
    day = min(max(today, user.employment_start), user.employment_end or today)
    return calendar_id_on(user, schedule.terms_on(day))


@dataclass(frozen=True)
class NeutralLeave:
    """One person's approved leave of types neutral for the working-time average (paid
    annual leave, sick leave; WTD Art. 16(b)) between two dates.

    `days` are the whole days on such leave, any weekday: their hours are left out.
    `week_share` is what each day of it takes out of the reference period, in weeks: a
    contract work day on leave is 1 / (work days a week), half of it for a half day, a day
    off 0. So a week of leave is one week left out whether the request covers Monday to
    Friday or Monday to Sunday, and 49 hours worked in every other week average 49."""

    days: frozenset[date] = frozenset()
    week_share: dict[date, Decimal] = field(default_factory=dict)


def neutral_leave_of(users: Iterable[User], start: date, end: date) -> dict[int, NeutralLeave]:
    """`NeutralLeave` of several people from `start` to `end`: one query for the leave, one
    for the contract versions."""
    users = list(users)
    requests: dict[int, list[LeaveRequest]] = {user.pk: [] for user in users}
    leave = LeaveRequest.objects.filter(
        user_id__in=list(requests),
        status=LeaveRequest.Status.APPROVED,
        leave_type__neutral_for_working_time=True,
        start_date__lte=end,
        end_date__gte=start,
    ).only("user_id", "start_date", "end_date", "start_half", "end_half")
    for request in leave:
        requests[request.user_id].append(request)
    schedules = schedules_of([user for user in users if requests[user.pk]])
    result = {}
    for user in users:
        whole, share = set(), {}
        for request in requests[user.pk]:
            for day in daterange(max(request.start_date, start), min(request.end_date, end)):
                halves = requested_halves(
                    day, request.start_date, request.end_date, request.start_half, request.end_half
                )
                if halves == HALVES:
                    whole.add(day)
                terms = schedules[user.pk].terms_on(day)
                if terms is not None and day.isoweekday() in terms.work_days:
                    taken = Decimal(len(halves)) / 2 / len(terms.work_days)
                    share[day] = min(share.get(day, ZERO) + taken, Decimal(1) / len(terms.work_days))
        result[user.pk] = NeutralLeave(days=frozenset(whole), week_share=share)
    return result


def neutral_leave_days(user: User, start: date, end: date) -> set[date]:
    """Whole days of approved leave whose type is neutral for the working-time average
    (paid annual leave, sick leave): compliance leaves these days out of the average."""
    return neutral_leave_days_of([user], start, end)[user.pk]


def neutral_leave_days_of(users: Iterable[User], start: date, end: date) -> dict[int, set[date]]:
    """`neutral_leave_days` of several people (`neutral_leave_of`'s whole days)."""
    return {pk: set(leave.days) for pk, leave in neutral_leave_of(users, start, end).items()}
