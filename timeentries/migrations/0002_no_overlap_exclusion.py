"""No two entries of one user overlap: a PostgreSQL exclusion constraint on the entry's
time range (a running entry reaches to infinity). SQLite has no such constraint; there
the service's check is the guard, which is why the concurrency tests run on PostgreSQL."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT = "timeentry_no_overlap"


def add_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE timeentries_timeentry ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(user_id WITH =, tstzrange(start, COALESCE(\"end\", 'infinity'::timestamptz), '[)') WITH &&)"
    )


def drop_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE timeentries_timeentry DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("timeentries", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_exclusion, drop_exclusion),
    ]
