"""Drop the single-column user and project indexes of time entries: the (user, start),
(user, day) and (project, start) indexes lead with those columns and serve every lookup by
either alone (the foreign keys' checks on delete included), so the two only cost writes and
space (7 to 8 MB each at 1,000,000 entries). The `day` index becomes the lists' order
(day, start nulls last, id, all descending; written per database, outside the model's
state, as SQLite cannot declare NULLS LAST): a list page is read off it instead of sorting
the newest day's entries (an admin's first page sorted 509 rows), and it still serves `day`.

By hand rather than AlterField(db_index=False): Django's AlterField drops every
non-Meta index on the column, which on user_id includes the partial unique index
`timeentry_one_running_timer_per_user`, and it drops and re-validates the foreign keys."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The names Django gave the foreign keys' indexes (the same on PostgreSQL and SQLite).
FK_INDEXES = {
    "user_id": "timeentries_timeentry_user_id_df3ab447",
    "project_id": "timeentries_timeentry_project_id_17d35e23",
}


LIST_ORDER_INDEX = "timeentry_list_order"


def list_order_index_create(apps, schema_editor):
    # SQLite sorts nulls first ascending, so last descending, and cannot say NULLS LAST here.
    nulls_last = " NULLS LAST" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX {LIST_ORDER_INDEX} ON timeentries_timeentry (day DESC, start DESC{nulls_last}, id DESC)"
    )


def list_order_index_drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {LIST_ORDER_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("timeentries", "0007_verbose_names_for_translation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="timeentry",
                    name="project",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="time_entries",
                        to="timeentries.project",
                        verbose_name="project",
                    ),
                ),
                migrations.AlterField(
                    model_name="timeentry",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="time_entries",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f"DROP INDEX IF EXISTS {name}",
                    reverse_sql=f"CREATE INDEX IF NOT EXISTS {name} ON timeentries_timeentry ({column})",
                )
                for column, name in FK_INDEXES.items()
            ],
        ),
        migrations.RemoveIndex(model_name="timeentry", name="timeentry_day"),
        migrations.RunPython(list_order_index_create, list_order_index_drop),
    ]
