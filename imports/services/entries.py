"""The `time_entries` kind: rows become new entries of the people they name, checked one by
one and then as a set by `timeentries.services.bulk` (the rules of `time_entry_create`),
and written only when no row has a problem."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.errors import DomainError
from imports.services.context import Run
from imports.services.resolve import Catalog, People
from timeentries.models import TimeEntry
from timeentries.services.bulk import EntrySet

ENTRY_LABEL = TimeEntry._meta.label_lower
# Shares of a run's work done once the file is read and once the rows are checked as a set
# (then the write, a batch at a time): what the progress of a commit reports.
READ_SHARE, CHECKED_SHARE = 0.6, 0.7


def import_time_entries(run: Run, rows) -> None:
    people, catalog = People(run.actor), Catalog()
    zone = ZoneInfo(run.source.time_zone) if run.source.time_zone else None
    entries = EntrySet()
    try:
        for row in rows:
            run.counted()
            if row.errors:
                for field, message in row.errors:
                    run.errors.add(row.number, field, message)
                continue
            try:
                person = people.resolve(row.values)
                fields = _entry_fields(row.values, catalog, zone or person.tzinfo)
            except DomainError as error:
                run.errors.add(row.number, error.field or "row", error.detail)
                continue
            problem = entries.add(row=row.number, user=person, **fields)
            if problem:
                run.errors.add(row.number, *problem)
        run.advance(READ_SHARE)
        for row, field, message in entries.check():
            run.errors.add(row, field, message)
        if run.write and not run.errors:
            run.advance(CHECKED_SHARE)
            written = 0

            def created(pks: list[int]) -> None:
                nonlocal written
                run.created_add(ENTRY_LABEL, pks)
                written += len(pks)
                run.advance(CHECKED_SHARE + (1 - CHECKED_SHARE) * written / max(entries.count, 1))

            entries.insert(created)
    finally:
        entries.close()


def _aware(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A file's naive time read in `zone` (the import's, else the person's)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=zone)


def _entry_fields(values: dict, catalog: Catalog, zone: ZoneInfo) -> dict:
    """The arguments of `time_entry_create` a row gives. A tool exporting start, end and a
    duration is taken by its times (the duration follows from them)."""
    project = catalog.project(values)
    start, end = _aware(values.get("start"), zone), _aware(values.get("end"), zone)
    duration = values.get("duration")
    if start is not None and end is not None:
        duration = None
    return {
        "project": project,
        "task": catalog.task(project, values),
        "start": start,
        "end": end,
        "day": values.get("day") if start is None else None,
        "duration": duration if isinstance(duration, timedelta) or duration is None else None,
        "break_minutes": values.get("break_minutes") or 0,
        "description": values.get("description") or "",
        "billable": values.get("billable"),
    }
