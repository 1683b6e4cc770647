"""No entry is longer than 24 hours (`MAX_ENTRY_LENGTH`), checked by PostgreSQL.

The services refuse longer entries with a field error already; the constraint makes the
bound an invariant that reports rely on to find entries through the start index. It is
PostgreSQL only, like the overlap constraint: on SQLite the interval arithmetic would need
Django's own SQL functions inside a CHECK.

Safe on a populated table, in three steps, each in its own short transaction (the migration
is not atomic, so no lock is held from one step to the next):

1. ADD CONSTRAINT ... NOT VALID: a brief lock and no table scan; from here on every new or
   changed row is checked, so no offending row can appear behind step 2's back.
2. Older rows the rule refuses (written before the services checked, or by hand) are split
   into back-to-back pieces of at most 24 hours each, on the same project, task,
   description and billable flag: the first keeps its id and is shortened, the rest are new
   rows. Splitting keeps every recorded minute, where capping the end would silently drop
   work time and refusing would block every deploy until someone edits rows by hand. The
   pieces cover exactly the old range, so the overlap constraint still holds. Each split
   writes an AuditEvent `time_entry_split` (actor "system:migration timeentries.0004",
   subject the entry's owner) with the original range and the pieces, and the migration
   prints how many entries it split, so people can review them. The pieces were written
   with historical models, not the services, so no signal fires: if Elasticsearch is used,
   reindex time entries afterwards (README, "Search").
3. VALIDATE CONSTRAINT: scans the table under SHARE UPDATE EXCLUSIVE, which lets reads and
   writes go on.

Databases that applied the earlier version of this migration (a plain, validated ADD
CONSTRAINT) keep their constraint: Django does not run an applied migration again, and
each step here also skips what is already done, so a rerun after a failure continues.
Reversing drops the constraint; split entries stay split.
"""

from datetime import timedelta

from django.db import migrations, transaction
from django.db.models import F

CONSTRAINT = "timeentry_at_most_24_hours"
MAX_LENGTH = timedelta(hours=24)
ACTOR_LABEL = "system:migration timeentries.0004"


def _constraint_state(cursor):
    """None when the constraint is missing, else whether it is validated."""
    cursor.execute(
        "SELECT convalidated FROM pg_constraint WHERE conname = %s AND conrelid = 'timeentries_timeentry'::regclass",
        [CONSTRAINT],
    )
    row = cursor.fetchone()
    return None if row is None else row[0]


def add_check_not_valid(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with transaction.atomic(using=schema_editor.connection.alias), schema_editor.connection.cursor() as cursor:
        if _constraint_state(cursor) is not None:
            return
        # Waiting long for the lock would queue every query on the table behind this one.
        cursor.execute("SET LOCAL lock_timeout = '10s'")
        cursor.execute(
            f"ALTER TABLE timeentries_timeentry ADD CONSTRAINT {CONSTRAINT} "
            "CHECK (\"end\" IS NULL OR \"end\" - start <= interval '24 hours') NOT VALID"
        )


def split_entries_longer_than_24_hours(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    TimeEntry = apps.get_model("timeentries", "TimeEntry")
    AuditEvent = apps.get_model("core", "AuditEvent")
    alias = schema_editor.connection.alias
    copied = [f.attname for f in TimeEntry._meta.concrete_fields if not f.primary_key]
    split = 0
    with transaction.atomic(using=alias):
        long_entries = (
            TimeEntry.objects.using(alias)
            .select_for_update()
            .filter(end__isnull=False, end__gt=F("start") + MAX_LENGTH)
            .select_related("project")
            .order_by("pk")
        )
        for entry in long_entries:
            original_end = entry.end
            entry.end = entry.start + MAX_LENGTH
            entry.save(update_fields=["end", "updated_at"])  # shortened first: the pieces must not overlap it
            pieces = [(entry.pk, entry.start, entry.end)]
            piece_start = entry.end
            while piece_start < original_end:
                values = {name: getattr(entry, name) for name in copied}
                values.update(start=piece_start, end=min(piece_start + MAX_LENGTH, original_end))
                piece = TimeEntry.objects.using(alias).create(**values)
                pieces.append((piece.pk, piece.start, piece.end))
                piece_start = piece.end
            AuditEvent.objects.using(alias).create(
                action="time_entry_split",
                actor_label=ACTOR_LABEL,
                subject_id=entry.user_id,
                target_type="timeentries.timeentry",
                target_id=str(entry.pk),
                target_repr=f"{entry.start:%Y-%m-%d %H:%M} {entry.project.code}"[:255],
                data={
                    "reason": "entries are at most 24 hours",
                    "original": {"start": entry.start.isoformat(), "end": original_end.isoformat()},
                    "pieces": [{"id": pk, "start": s.isoformat(), "end": e.isoformat()} for pk, s, e in pieces],
                },
            )
            split += 1
    if split:
        print(f"\n  timeentries.0004: split {split} entries longer than 24 hours (audit events 'time_entry_split')")


def validate_check(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if _constraint_state(cursor) is False:
            cursor.execute(f"ALTER TABLE timeentries_timeentry VALIDATE CONSTRAINT {CONSTRAINT}")


def drop_check(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE timeentries_timeentry DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("timeentries", "0003_managers_permissions"),
        ("core", "0002_audit_subject_actor_label"),
    ]

    operations = [
        migrations.RunPython(add_check_not_valid, drop_check, atomic=False),
        migrations.RunPython(split_entries_longer_than_24_hours, migrations.RunPython.noop, atomic=False),
        migrations.RunPython(validate_check, migrations.RunPython.noop, atomic=False),
    ]
