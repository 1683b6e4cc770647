"""Employment dates and contract versions (issue 15).

Every existing person's `employment_start` becomes the local date they joined
(`date_joined` in their time zone), and they get one contract version from that date with
today's `weekly_contract_hours`, `work_days` and their own holiday calendar (if any): what
the product assumed for every past day until now, so no figure moves by this migration.
HR then records the real history as further versions.
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import users.models
from django.conf import settings
from django.db import migrations, models


def _zone(name):
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def employment_and_first_versions(apps, schema_editor):
    User = apps.get_model("users", "User")
    Contract = apps.get_model("users", "Contract")
    alias = schema_editor.connection.alias
    versions = []
    for user in User.objects.using(alias).order_by("pk").iterator():
        start = user.date_joined.astimezone(_zone(user.timezone)).date()
        User.objects.using(alias).filter(pk=user.pk).update(employment_start=start)
        versions.append(
            Contract(
                user_id=user.pk,
                valid_from=start,
                weekly_hours=user.weekly_contract_hours,
                work_days=user.work_days,
                holiday_calendar_id=user.holiday_calendar_id,
            )
        )
    Contract.objects.using(alias).bulk_create(versions, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("compliance", "0006_resolve_invented_time_findings"),
        ("leave", "0004_leavetype_private"),
        ("users", "0005_team_absences_visible_to_members"),
    ]

    operations = [
        migrations.CreateModel(
            name="Contract",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("valid_from", models.DateField()),
                (
                    "weekly_hours",
                    models.DecimalField(
                        decimal_places=1,
                        max_digits=4,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(80),
                        ],
                    ),
                ),
                (
                    "work_days",
                    models.CharField(default="12345", max_length=7, validators=[users.models.validate_work_days]),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["user", "valid_from"],
            },
        ),
        migrations.AddField(
            model_name="user",
            name="employment_end",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="employment_start",
            field=models.DateField(default=django.utils.timezone.localdate),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("employment_end__isnull", True),
                    ("employment_end__gte", models.F("employment_start")),
                    _connector="OR",
                ),
                name="user_employment_end_after_start",
            ),
        ),
        migrations.AddField(
            model_name="contract",
            name="holiday_calendar",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="leave.holidaycalendar",
            ),
        ),
        migrations.AddField(
            model_name="contract",
            name="policy",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="compliance.workingtimepolicy",
            ),
        ),
        migrations.AddField(
            model_name="contract",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="contracts", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.UniqueConstraint(fields=("user", "valid_from"), name="contract_one_version_per_day"),
        ),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.CheckConstraint(
                condition=models.Q(("weekly_hours__gte", 0), ("weekly_hours__lte", 80)),
                name="contract_weekly_hours_range",
            ),
        ),
        migrations.RunPython(employment_and_first_versions, migrations.RunPython.noop),
    ]
