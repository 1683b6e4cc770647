from django.db import migrations, models
from django.db.models import Q

# How sick leave is known: the seeded type's code is "sick" (migration 0002); types an admin
# added for the same thing are caught by their code or name ("sick-child", "Krankheit", "Illness").
SICK_LIKE = Q(code__icontains="sick") | Q(name__icontains="sick") | Q(code__icontains="krank")
SICK_LIKE |= Q(name__icontains="krank") | Q(code__istartswith="ill") | Q(name__istartswith="ill")


def mark_sick_types_private(apps, schema_editor):
    apps.get_model("leave", "LeaveType").objects.filter(SICK_LIKE).update(private=True)


class Migration(migrations.Migration):
    dependencies = [("leave", "0003_managers_permissions")]

    operations = [
        migrations.AddField(
            model_name="leavetype",
            name="private",
            field=models.BooleanField(
                default=False,
                help_text="Only the person, their managers and admins see this type; team mates, shared "
                "calendars, search and dashboards show the leave as 'Absent' (sick leave is private).",
            ),
        ),
        migrations.RunPython(mark_sick_types_private, migrations.RunPython.noop),
    ]
