"""No entry is longer than 24 hours (`MAX_ENTRY_LENGTH`), checked by PostgreSQL.

The services refuse longer entries with a field error already; the constraint makes the
bound an invariant that reports rely on to find entries through the start index. It is
PostgreSQL only, like the overlap constraint: on SQLite the interval arithmetic would need
Django's own SQL functions inside a CHECK."""

from django.db import migrations

CONSTRAINT = "timeentry_at_most_24_hours"


def add_check(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE timeentries_timeentry ADD CONSTRAINT {CONSTRAINT} "
        "CHECK (\"end\" IS NULL OR \"end\" - start <= interval '24 hours')"
    )


def drop_check(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE timeentries_timeentry DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("timeentries", "0003_managers_permissions")]

    operations = [migrations.RunPython(add_check, drop_check)]
