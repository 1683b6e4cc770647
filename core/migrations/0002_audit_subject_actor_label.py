import django.db.models.deletion
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Cast


def backfill_subjects(apps, schema_editor):
    """Existing events get the person they are about: the target user itself, or the
    `user` of the target row (leave request, timesheet…) while that row still exists.
    Models this migration's state does not know are skipped; their events keep no subject."""
    AuditEvent = apps.get_model("core", "AuditEvent")
    user_label = settings.AUTH_USER_MODEL.lower()
    pending = AuditEvent.objects.filter(subject__isnull=True, target_id__regex=r"^[0-9]+$")
    for target_type in pending.exclude(target_type="").values_list("target_type", flat=True).distinct():
        try:
            model = apps.get_model(target_type)
        except (LookupError, ValueError):
            continue
        if not isinstance(model._meta.pk, models.IntegerField):
            continue
        if target_type == user_label:
            column = "pk"
        else:
            try:
                field = model._meta.get_field("user")
            except FieldDoesNotExist:
                continue
            if not field.many_to_one or field.related_model._meta.label_lower != user_label:
                continue
            column = field.attname
        owner = model._default_manager.filter(pk=Cast(OuterRef("target_id"), models.BigIntegerField())).values(column)
        pending.filter(target_type=target_type).update(subject_id=Subquery(owner[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="actor_label",
            field=models.CharField(
                blank=True,
                help_text='A system actor such as "system:celery-beat" when no person acted.',
                max_length=100,
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="subject",
            field=models.ForeignKey(
                blank=True,
                help_text="The person the event is about.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="audit_events_about",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(backfill_subjects, migrations.RunPython.noop, elidable=True),
    ]
