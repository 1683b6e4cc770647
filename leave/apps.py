from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeaveConfig(AppConfig):
    name = "leave"
    verbose_name = _("Leave")
    # `manage.py seed_demo` calls each app's seeder in INSTALLED_APPS order.
    demo_seeder = "leave.seed.seed_demo_leave"

    def ready(self):
        from leave import receivers, signals  # noqa: F401  (signals registers the models with auditlog)

        receivers.connect()
