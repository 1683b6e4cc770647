"""The time report computed in Python from the filtered entries (the SQLite path, and the
reference the SQL report is tested against)."""

from django.db.models import Q, QuerySet

from analytics.reports.common import (
    TIME_GROUPS,
    Sums,
    TimeReportQuery,
    bucket_label,
    finish,
    seconds_of,
    worked_pieces,
)
from core import periods
from timeentries.models import MAX_ENTRY_LENGTH, TimeEntry
from users.selectors import owned_rows_visible_to

_FILTER_LOOKUPS = {
    "user": "user_id",
    "team": "user__team_id",
    "project": "project_id",
    "client": "project__client_id",
    "billable": "billable",
}
# The columns read per entry, in the order `_entity_of` unpacks them after the first eight.
_COLUMNS = (
    "id",
    "kind",
    "day",
    "start",
    "end",
    "duration",
    "billable",
    "project__hourly_rate",
    "user_id",
    "user__first_name",
    "user__last_name",
    "user__email",
    "user__team_id",
    "user__team__name",
    "project__client_id",
    "project__client__name",
    "project_id",
    "project__name",
    "task_id",
    "task__name",
)


def entries_in_range(query: TimeReportQuery) -> QuerySet:
    """The entries the actor may see, filtered: finished clocked entries reaching into the
    range, and duration entries on its days."""
    entries = TimeEntry.objects.filter(
        Q(
            end__isnull=False,
            end__gt=query.range_start,
            start__lt=query.range_end,
            start__gte=query.range_start - MAX_ENTRY_LENGTH,
        )
        | Q(kind=TimeEntry.Kind.DURATION, day__gte=query.date_from, day__lte=query.date_to)
    )
    entries = owned_rows_visible_to(query.actor, entries)
    return entries.filter(**{_FILTER_LOOKUPS[key]: value for key, value in query.filters.items()})


def _entity_of(columns: tuple) -> dict[str, tuple]:
    (user_id, first_name, last_name, email, team_id, team_name, client_id, client_name) = columns[:8]
    project_id, project_name, task_id, task_name = columns[8:]
    return {
        "user": (user_id, f"{first_name} {last_name}".strip() or email),
        "team": (team_id, team_name),
        "client": (client_id, client_name),
        "project": (project_id, project_name),
        "task": (task_id, task_name),
    }


def _pieces(query: TimeReportQuery, time_group, kind, day, start, end, duration) -> list[tuple]:
    """(bucket label, worked time) per piece of one entry: a duration entry is one piece on
    its day; a clocked one is clipped to the range and cut at local midnights in the
    report's zone, each piece scaled by worked / (end - start) (`common.worked_pieces`)."""
    if kind == TimeEntry.Kind.DURATION:
        return [(bucket_label(time_group, day) if time_group else None, duration)]
    clip_start, clip_end = max(start, query.range_start), min(end, query.range_end)
    if time_group:
        lengths = [
            (bucket_label(time_group, local_day), length)
            for local_day, length in periods.split_by_local_day(clip_start, clip_end, query.tz)
        ]
    else:
        lengths = [(None, clip_end - clip_start)]
    return list(worked_pieces(start, end, duration, clip_start, lengths))


def time_report_python(query: TimeReportQuery) -> dict:
    """The time report's rows and totals (Decimals), as `sql.time_report_sql` answers them."""
    time_group = next((g for g in query.group_by if g in TIME_GROUPS), None)
    groups: dict[tuple, tuple[dict, Sums]] = {}
    total = Sums()
    for entry_id, kind, day, start, end, duration, billable, rate, *columns in entries_in_range(query).values_list(
        *_COLUMNS
    ):
        entity = _entity_of(tuple(columns))
        for label, worked in _pieces(query, time_group, kind, day, start, end, duration):
            keys: dict = {}
            for group in query.group_by:
                if group in TIME_GROUPS:
                    keys[group] = label
                else:
                    keys[group], keys[f"{group}_name"] = entity[group]
            _, sums = groups.setdefault(tuple(keys.items()), (keys, Sums()))
            seconds = seconds_of(worked)
            sums.add(entry_id, seconds, billable, rate)
            total.add(entry_id, seconds, billable, rate)
    return finish(query.group_by, groups, total)
