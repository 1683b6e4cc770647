from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from core.schedules import PERIODIC_TASKS


class Command(BaseCommand):
    help = "Create or update the celery-beat schedules declared in core.schedules (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        for name, (task, cron) in PERIODIC_TASKS.items():
            crontab, _ = CrontabSchedule.objects.get_or_create(timezone="UTC", **cron)
            _, created = PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": task, "crontab": crontab, "interval": None, "enabled": True}
            )
            self.stdout.write(f"{'created' if created else 'updated'}: {name}")
