"""GIN indexes for the database search backend, on PostgreSQL only (SQLite has no
to_tsvector). The expressions are exactly the ones `search.backends.DatabaseBackend`
queries, `to_tsvector('simple', coalesce(<column>, ''))`, so the planner can use them."""

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("timeentries", "0003_managers_permissions")]

    operations = [
        PostgresOnlySQL(
            sql="CREATE INDEX IF NOT EXISTS search_timeentry_description_fts ON timeentries_timeentry "
            "USING gin (to_tsvector('simple'::regconfig, COALESCE(description, ''::text)))",
            reverse_sql="DROP INDEX IF EXISTS search_timeentry_description_fts",
        ),
        PostgresOnlySQL(
            sql="CREATE INDEX IF NOT EXISTS search_project_name_fts ON timeentries_project "
            "USING gin (to_tsvector('simple'::regconfig, COALESCE(name, ''::text)))",
            reverse_sql="DROP INDEX IF EXISTS search_project_name_fts",
        ),
    ]
