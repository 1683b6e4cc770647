from django.contrib.auth.management import create_permissions
from django.db import migrations

# Managers decide their teams' requests (the admin actions need "change"); the ledger,
# leave types and holiday calendars they only see.
MANAGER_PERMISSIONS = [
    ("leave", "view_leaverequest"),
    ("leave", "change_leaverequest"),
    ("leave", "view_leaveledgerentry"),
    ("leave", "view_leavetype"),
    ("leave", "view_holidaycalendar"),
    ("leave", "view_holiday"),
]


def _permissions(apps):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in MANAGER_PERMISSIONS
    ]


def grant_managers(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name="Managers")
    group.permissions.add(*_permissions(apps))


def revoke_managers(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name="Managers").first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("leave", "0002_seed_leave_types"),
        ("users", "0002_managers_group"),
    ]

    operations = [migrations.RunPython(grant_managers, revoke_managers)]
