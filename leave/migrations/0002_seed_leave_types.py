from decimal import Decimal

from django.db import migrations

LEAVE_TYPES = [
    {
        "code": "vacation",
        "name": "Vacation",
        "color": "#2e7d32",
        "unit": "day",
        "paid": True,
        "requires_approval": True,
        "tracks_balance": True,
        "annual_allowance": Decimal(25),
        "max_carry_over": Decimal(5),
        "carry_over_expires_month": 3,
        "carry_over_expires_day": 31,
        "half_days_allowed": True,
        "neutral_for_working_time": True,
    },
    {
        "code": "sick",
        "name": "Sick",
        "color": "#c62828",
        "unit": "day",
        "paid": True,
        "requires_approval": False,
        "tracks_balance": False,
        "allow_negative": True,
        "half_days_allowed": True,
        "neutral_for_working_time": True,
    },
    {
        "code": "unpaid",
        "name": "Unpaid",
        "color": "#6d4c41",
        "unit": "day",
        "paid": False,
        "requires_approval": True,
        "tracks_balance": False,
        "allow_negative": True,
        "half_days_allowed": True,
        "neutral_for_working_time": False,
    },
    {
        "code": "comp-time",
        "name": "Compensatory time",
        "color": "#1565c0",
        "unit": "hour",
        "paid": True,
        "requires_approval": True,
        "tracks_balance": True,
        "half_days_allowed": True,
        "neutral_for_working_time": False,
    },
]


def seed(apps, schema_editor):
    LeaveType = apps.get_model("leave", "LeaveType")
    for spec in LEAVE_TYPES:
        LeaveType.objects.update_or_create(code=spec["code"], defaults=spec)


class Migration(migrations.Migration):
    dependencies = [("leave", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
