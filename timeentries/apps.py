from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimeentriesConfig(AppConfig):
    name = "timeentries"
    verbose_name = _("Time tracking")
    # `manage.py seed_demo` calls each app's seeder in INSTALLED_APPS order.
    demo_seeder = "timeentries.seed.seed_demo_time"

    def ready(self):
        from timeentries import signals  # noqa: F401
