"""What every report shares: the groupings, the rounding of hours and money, the local-day
range, the people a per-person report covers, and the JSON form of a result."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.http import Http404
from django.utils.translation import gettext as _

from core import periods
from core.errors import DomainValidationError
from users.models import User
from users.selectors import teams_visible_to, users_visible_to

TIME_GROUPS = ("day", "week", "month")
ENTITY_GROUPS = ("user", "team", "client", "project", "task")
GROUPS = ENTITY_GROUPS + TIME_GROUPS
FILTERS = ("user", "team", "project", "client", "billable")
REPORT_DECIMALS = ("hours", "billable_hours", "amount")
ZERO = Decimal(0)
CENT = periods.CENT
hours_of_seconds = periods.hours_of_seconds  # the one rounding of hours (SQL's ROUND is held to it)


def seconds_of(duration: timedelta) -> Decimal:
    """A duration as exact (microsecond) seconds."""
    return Decimal(duration // timedelta(microseconds=1)) / Decimal(1_000_000)


MICROSECOND = timedelta(microseconds=1)


def worked_share(offset: timedelta, worked: timedelta, span: timedelta) -> int:
    """The worked microseconds in the first `offset` of a clocked entry's `span`: the offset
    scaled by worked / span (its breaks spread evenly over it), rounded half up to the
    microsecond. Integer arithmetic, as `sql._worked_share` computes it: a piece's worked
    time is the difference of the shares at its ends, so the pieces of an entry add up to
    exactly its worked time, however it is cut."""
    offset_us, worked_us, span_us = offset // MICROSECOND, worked // MICROSECOND, span // MICROSECOND
    return (2 * offset_us * worked_us + span_us) // (2 * span_us)


def worked_pieces(
    start: datetime, end: datetime, worked: timedelta | None, clip_start: datetime, pieces: Iterable[tuple]
) -> Iterator[tuple]:
    """(key, worked time) per (key, length) piece of a clocked entry [start, end) cut into
    consecutive pieces from `clip_start`: each piece's length scaled by worked / (end - start),
    so a break counts against every local day the entry touches in proportion."""
    span = end - start
    if worked is None or worked == span:
        yield from pieces
        return
    offset = clip_start - start
    done = worked_share(offset, worked, span)
    for key, length in pieces:
        offset += length
        upto = worked_share(offset, worked, span)
        yield key, timedelta(microseconds=upto - done)
        done = upto


def bucket_label(group: str, local_day: date) -> str:
    """The label of the day/week/month bucket a local day falls in."""
    if group == "day":
        return local_day.isoformat()
    if group == "week":
        return periods.iso_week_label(periods.week_start_of(local_day))
    return f"{local_day.year:04d}-{local_day.month:02d}"


def validate_group_by(group_by: list[str]) -> list[str]:
    if not 1 <= len(group_by) <= 2:
        raise DomainValidationError(
            _("Group by one or two of: %(groups)s.") % {"groups": ", ".join(GROUPS)}, field="group_by"
        )
    unknown = [g for g in group_by if g not in GROUPS]
    if unknown:
        raise DomainValidationError(
            _("Unknown grouping %(group)r; use %(groups)s.") % {"group": unknown[0], "groups": ", ".join(GROUPS)},
            field="group_by",
        )
    if len(set(group_by)) != len(group_by):
        raise DomainValidationError(_("Each grouping may appear once."), field="group_by")
    if sum(g in TIME_GROUPS for g in group_by) > 1:
        raise DomainValidationError(_("Group by at most one of day, week, month."), field="group_by")
    return list(group_by)


def report_range(date_from: date, date_to: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[local midnight of `date_from`, local midnight after `date_to`) in `tz`."""
    return periods.local_midnight(date_from, tz), periods.local_midnight(date_to + timedelta(days=1), tz)


@dataclass(frozen=True)
class TimeReportQuery:
    """A time report's validated input: what both the SQL and the Python path read."""

    actor: User
    range_start: datetime
    range_end: datetime
    group_by: list[str]
    tz: ZoneInfo
    filters: dict
    # The local days asked for: duration entries count on their own `day`, whatever `tz`.
    date_from: date
    date_to: date

    @classmethod
    def of(cls, actor, date_from, date_to, group_by, tz, filters) -> "TimeReportQuery":
        group_by = validate_group_by(group_by)
        filters = {key: value for key, value in (filters or {}).items() if key in FILTERS and value is not None}
        return cls(actor, *report_range(date_from, date_to, tz), group_by, tz, filters, date_from, date_to)


@dataclass
class Sums:
    seconds: Decimal = ZERO
    billable_seconds: Decimal = ZERO
    amount_seconds: Decimal = ZERO  # billable seconds x hourly rate
    entry_ids: set = field(default_factory=set)

    def add(self, entry_id: int, seconds: Decimal, billable: bool, rate: Decimal) -> None:
        self.seconds += seconds
        if billable:
            self.billable_seconds += seconds
            self.amount_seconds += seconds * rate
        self.entry_ids.add(entry_id)

    def numbers(self) -> dict:
        return {
            "hours": hours_of_seconds(self.seconds),
            "billable_hours": hours_of_seconds(self.billable_seconds),
            "amount": hours_of_seconds(self.amount_seconds),
            "entries": len(self.entry_ids),
        }


def finish(group_by: list[str], groups: dict[tuple, tuple[dict, Sums]], total: Sums) -> dict:
    """Rows rounded and ordered as the SQL report orders them, and the totals."""

    def sort_key(item):
        keys, _ = item
        parts = []
        for group in group_by:
            if group in TIME_GROUPS:
                parts.append((keys[group], 0))
            else:
                parts.append((keys[f"{group}_name"] or "", keys[group] or 0))
        return parts

    rows = [{**keys, **sums.numbers()} for keys, sums in sorted(groups.values(), key=sort_key)]
    return {"rows": rows, "totals": total.numbers()}


@dataclass
class ReportRows:
    """A report's rows read one at a time, for a file: `rows` yields each row's dict in the
    report's order, and `totals` is complete once they are all read (a streamed report
    learns its totals last)."""

    rows: Iterator[dict]
    totals: dict


def with_decimals(result: dict) -> dict:
    """A time report parsed from JSON, its amounts as Decimals again."""
    for item in (*result["rows"], result["totals"]):
        for key in REPORT_DECIMALS:
            item[key] = Decimal(item[key])
    return result


def jsonable(value):
    """Decimals as strings with two places (as DRF's DecimalField writes them)."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {key: jsonable(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [jsonable(inner) for inner in value]
    return value


def people_in_report(actor: User, *, user: int | None, team: int | None):
    """The people a per-person report covers: those the actor may see, narrowed to `user`
    and `team` when given. A user or team the actor may not see answers 404, as a missing
    one does."""
    people = users_visible_to(actor).order_by("email")
    if user is not None:
        people = people.filter(pk=user)
        if not people.exists():
            raise Http404(_("No such user."))
    if team is not None:
        if not teams_visible_to(actor).filter(pk=team).exists():
            raise Http404(_("No such team."))
        people = people.filter(team_id=team)
    return people
