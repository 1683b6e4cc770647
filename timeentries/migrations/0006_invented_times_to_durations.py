"""Entries whose times the week grid invented become duration entries (issue 14).

Until issue 14 the grid's hours cell wrote a clocked entry with made-up times: a new cell
started at 09:00 local time, or, when that was taken, at the nearest free stretch of the day
(right after the work already logged, or at midnight when nothing else fitted, e.g. a 24 h
cell), and changing the hours kept that start and moved the end. Compliance then judged those
times: every 7.5-8 h day "without a break", a 24 h day cut back to 3 h at 00:00-03:00
"without rest". This migration gives such entries back what they really are: hours on a day.

Nothing in a row says which page wrote it, so the rule looks for the grid's pattern and
errs on the side of keeping times. A clocked entry becomes a duration entry when ALL hold:

- it is finished (has an end), has no break (`break_minutes` = 0: the grid never wrote one),
  has no description (the grid's cell never wrote one either), and starts and ends on one
  local day of its owner (ending at the next midnight at most);
- it starts exactly (to the second) at 09:00:00 or 00:00:00 local time, or exactly at the end
  of another entry of the same person and day that itself matches (a back-to-back chain
  from such an anchor, as the grid laid cells out);
- it was not written by the timer: the timer's entries are created the moment they start,
  so an entry created within a minute of its start keeps its times.

An API or admin entry with real times that happens to follow the pattern (09:00 sharp, no
break, no description, logged later) is converted too: the hours, day, project, task, description and
billable flag stay, only the two times go. The demo data of `seed_demo` (timeentries/seed.py
before issue 14: 08:00-08:45 starts, a lunch gap, then the afternoon) does not follow the
pattern and stays clocked; the new seed writes duration entries itself.

A converted entry keeps its id, `day` and `duration` (end - start); `start`/`end` become
NULL and `kind` "duration". Like 0004 the migration is not atomic: one short transaction per
person, so a rerun after a failure continues (converted rows no longer match). Each person
with converted entries gets one AuditEvent `time_entries_times_removed` (actor
"system:migration timeentries.0006", subject the person) listing every entry's id and the
times it had; the migration prints how many entries it converted. Rows are written with
historical models, so no signal fires: the compliance migration that depends on this one
resolves the violations those times caused; with Elasticsearch, reindex time entries
afterwards (README, "Search"). Reversing does nothing: the invented times are gone for good.
"""

from collections import defaultdict
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from django.db import migrations, transaction

ACTOR_LABEL = "system:migration timeentries.0006"
ANCHORS = (time(9, 0), time(0, 0))
TIMER_WINDOW = timedelta(minutes=1)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def grid_pattern(entries, zone: ZoneInfo) -> list:
    """The entries of one person (clocked, finished, without a break, by start) that the
    grid laid out: anchored at 09:00 or 00:00 local, or back to back after such an entry."""
    matched, ends = [], set()
    for entry in entries:
        start, end = entry.start.astimezone(zone), entry.end.astimezone(zone)
        same_day = end.date() == start.date() or (end.date() == start.date() + timedelta(days=1) and end.time() == time())
        from_timer = abs(entry.created_at - entry.start) < TIMER_WINDOW
        anchored = start.time() in ANCHORS or entry.start in ends
        if same_day and not from_timer and anchored:
            matched.append(entry)
            ends.add(entry.end)
    return matched


def invented_times_to_durations(apps, schema_editor):
    TimeEntry = apps.get_model("timeentries", "TimeEntry")
    AuditEvent = apps.get_model("core", "AuditEvent")
    User = apps.get_model("users", "User")
    alias = schema_editor.connection.alias
    candidates = (
        TimeEntry.objects.using(alias)
        .filter(kind="clocked", end__isnull=False, break_minutes=0, description="")
        .values_list("user_id", flat=True)
        .distinct()
    )
    converted = 0
    for user in User.objects.using(alias).filter(pk__in=list(candidates)).order_by("pk"):
        with transaction.atomic(using=alias):
            entries = list(
                TimeEntry.objects.using(alias)
                .select_for_update()
                .filter(user_id=user.pk, kind="clocked", end__isnull=False, break_minutes=0, description="")
                .order_by("start", "pk")
            )
            matched = grid_pattern(entries, _zone(user.timezone))
            if not matched:
                continue
            removed = []
            for entry in matched:
                removed.append({"id": entry.pk, "start": entry.start.isoformat(), "end": entry.end.isoformat()})
                entry.duration = entry.end - entry.start
                entry.kind, entry.start, entry.end = "duration", None, None
            TimeEntry.objects.using(alias).bulk_update(matched, ["kind", "start", "end", "duration"], batch_size=500)
            by_day = defaultdict(int)
            for entry in matched:
                by_day[entry.day.isoformat()] += 1
            AuditEvent.objects.using(alias).create(
                action="time_entries_times_removed",
                actor_label=ACTOR_LABEL,
                subject_id=user.pk,
                target_type="users.user",
                target_id=str(user.pk),
                target_repr=str(user.email)[:255],
                data={
                    "reason": "times invented by the week grid (09:00 start, back to back, no break)",
                    "entries": removed,
                    "days": dict(sorted(by_day.items())),
                },
            )
            converted += len(matched)
    if converted:
        print(
            f"\n  timeentries.0006: {converted} entries with times invented by the week grid are duration entries "
            "now (audit events 'time_entries_times_removed')"
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("timeentries", "0005_entry_kinds"),
        ("core", "0002_audit_subject_actor_label"),
    ]

    operations = [
        migrations.RunPython(invented_times_to_durations, migrations.RunPython.noop, atomic=False),
    ]
