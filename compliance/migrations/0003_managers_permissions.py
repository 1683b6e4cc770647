from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGER_PERMISSIONS = [
    ("compliance", "view_violation"),
    ("compliance", "change_violation"),
    ("compliance", "view_workingtimepolicy"),
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
        ("compliance", "0002_default_policy"),
        ("users", "0002_managers_group"),
    ]

    operations = [migrations.RunPython(grant_managers, revoke_managers)]
