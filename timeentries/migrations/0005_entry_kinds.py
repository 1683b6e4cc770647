"""Two kinds of entry (issue 14): `clocked` (start, end, breaks) and `duration` (hours on a
day, no times). Every existing entry is clocked; `day` becomes its start's local day in the
owner's time zone and `duration` its length (no entry had a break yet). Which of them the
week grid invented times for is decided in 0006.

The overlap exclusion constraint (0002) is rebuilt to judge clocked entries only: a
duration entry has no range, and `tstzrange(NULL, NULL)` would be the whole time line.
The running-timer index is rebuilt for clocked entries too.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models

OVERLAP = "timeentry_no_overlap"


def fill_day_and_duration(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE timeentries_timeentry AS e SET day = (e.start AT TIME ZONE u.timezone)::date, "
                'duration = e."end" - e.start FROM users_user AS u WHERE u.id = e.user_id'
            )
        return
    TimeEntry = apps.get_model("timeentries", "TimeEntry")
    zones: dict[str, ZoneInfo] = {}
    batch = []
    for entry in TimeEntry.objects.select_related("user").only("start", "end", "user__timezone").iterator():
        name = entry.user.timezone or "UTC"
        try:
            zone = zones.setdefault(name, ZoneInfo(name))
        except (ValueError, KeyError):
            zone = zones.setdefault(name, ZoneInfo("UTC"))
        entry.day = entry.start.astimezone(zone).date()
        entry.duration = None if entry.end is None else entry.end - entry.start
        batch.append(entry)
        if len(batch) >= 1000:
            TimeEntry.objects.bulk_update(batch, ["day", "duration"])
            batch = []
    TimeEntry.objects.bulk_update(batch, ["day", "duration"])


def overlap_for_clocked_entries(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE timeentries_timeentry DROP CONSTRAINT IF EXISTS {OVERLAP}")
    schema_editor.execute(
        f"ALTER TABLE timeentries_timeentry ADD CONSTRAINT {OVERLAP} EXCLUDE USING gist "
        "(user_id WITH =, tstzrange(start, COALESCE(\"end\", 'infinity'::timestamptz), '[)') WITH &&) "
        "WHERE (kind = 'clocked')"
    )


def overlap_for_all_entries(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE timeentries_timeentry DROP CONSTRAINT IF EXISTS {OVERLAP}")
    schema_editor.execute(
        f"ALTER TABLE timeentries_timeentry ADD CONSTRAINT {OVERLAP} EXCLUDE USING gist "
        "(user_id WITH =, tstzrange(start, COALESCE(\"end\", 'infinity'::timestamptz), '[)') WITH &&)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("timeentries", "0004_entry_length_check"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="timeentry",
            options={"ordering": ["-day", "-start", "-id"], "verbose_name_plural": "time entries"},
        ),
        migrations.RemoveConstraint(
            model_name="timeentry",
            name="timeentry_one_running_timer_per_user",
        ),
        migrations.AddField(
            model_name="timeentry",
            name="break_minutes",
            field=models.PositiveSmallIntegerField(
                default=0, help_text="Breaks taken between start and end (clocked entries only)."
            ),
        ),
        migrations.AddField(
            model_name="timeentry",
            name="day",
            field=models.DateField(
                help_text="The person's local day the work belongs to (a clocked entry's start day).", null=True
            ),
        ),
        migrations.AddField(
            model_name="timeentry",
            name="duration",
            field=models.DurationField(blank=True, help_text="Worked time; null while the timer runs.", null=True),
        ),
        migrations.AddField(
            model_name="timeentry",
            name="kind",
            field=models.CharField(
                choices=[("clocked", "Clocked (start and end)"), ("duration", "Duration on a day")],
                default="clocked",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="timesheet",
            name="submit_comment",
            field=models.TextField(blank=True, max_length=2000),
        ),
        migrations.RunPython(fill_day_and_duration, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="timeentry",
            name="day",
            field=models.DateField(
                help_text="The person's local day the work belongs to (a clocked entry's start day)."
            ),
        ),
        migrations.AlterField(
            model_name="timeentry",
            name="start",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="timeentry",
            index=models.Index(fields=["user", "day"], name="timeentry_user_day"),
        ),
        migrations.AddIndex(
            model_name="timeentry",
            index=models.Index(fields=["day"], name="timeentry_day"),
        ),
        migrations.AddConstraint(
            model_name="timeentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("end__isnull", True), ("kind", "clocked")),
                fields=("user",),
                name="timeentry_one_running_timer_per_user",
            ),
        ),
        migrations.AddConstraint(
            model_name="timeentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("kind", "clocked"),
                        ("start__isnull", False),
                        models.Q(
                            models.Q(("duration__isnull", True), ("end__isnull", True)),
                            models.Q(("duration__isnull", False), ("end__isnull", False)),
                            _connector="OR",
                        ),
                    ),
                    models.Q(
                        ("break_minutes", 0),
                        ("duration__isnull", False),
                        ("end__isnull", True),
                        ("kind", "duration"),
                        ("start__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="timeentry_kind_shape",
            ),
        ),
        migrations.AddConstraint(
            model_name="timeentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("duration__isnull", True),
                    models.Q(("duration__gt", datetime.timedelta(0)), ("duration__lte", datetime.timedelta(days=1))),
                    _connector="OR",
                ),
                name="timeentry_duration_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="timeentry",
            constraint=models.CheckConstraint(
                condition=models.Q(("break_minutes__lte", 1440)), name="timeentry_break_range"
            ),
        ),
        migrations.RunPython(overlap_for_clocked_entries, overlap_for_all_entries),
    ]
