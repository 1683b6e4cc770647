from decimal import Decimal

from django.conf import settings
from django.db import migrations


def create_default(apps, schema_editor):
    WorkingTimePolicy = apps.get_model("compliance", "WorkingTimePolicy")
    if not WorkingTimePolicy.objects.filter(is_default=True).exists():
        WorkingTimePolicy.objects.create(
            name="EU Working Time Directive",
            is_default=True,
            max_weekly_hours=Decimal(str(settings.WORKING_TIME_MAX_WEEKLY_HOURS)),
            min_daily_rest_hours=Decimal(str(settings.WORKING_TIME_MIN_DAILY_REST)),
            enforcement="warn",
        )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
