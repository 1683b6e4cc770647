"""The time report computed in Python from the filtered entries (the SQLite path, and the
reference the SQL report is tested against)."""

from django.db.models import QuerySet

from analytics.reports.common import TIME_GROUPS, Sums, TimeReportQuery, bucket_label, finish, seconds_of
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
# The columns read per entry, in the order `_entity_of` unpacks them after the first five.
_COLUMNS = (
    "id",
    "start",
    "end",
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
    """The finished entries reaching into the range that the actor may see, filtered."""
    entries = TimeEntry.objects.filter(
        end__isnull=False,
        end__gt=query.range_start,
        start__lt=query.range_end,
        start__gte=query.range_start - MAX_ENTRY_LENGTH,
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


def time_report_python(query: TimeReportQuery) -> dict:
    """The time report's rows and totals (Decimals), as `sql.time_report_sql` answers them."""
    time_group = next((g for g in query.group_by if g in TIME_GROUPS), None)
    groups: dict[tuple, tuple[dict, Sums]] = {}
    total = Sums()
    for entry_id, start, end, billable, rate, *columns in entries_in_range(query).values_list(*_COLUMNS):
        entity = _entity_of(tuple(columns))
        start, end = max(start, query.range_start), min(end, query.range_end)
        if time_group:
            pieces = [
                (bucket_label(time_group, day), worked)
                for day, worked in periods.split_by_local_day(start, end, query.tz)
            ]
        else:
            pieces = [(None, end - start)]
        for label, worked in pieces:
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
