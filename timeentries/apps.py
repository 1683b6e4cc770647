from django.apps import AppConfig


class TimeentriesConfig(AppConfig):
    name = "timeentries"
    verbose_name = "Time tracking"
    # `manage.py seed_demo` calls each app's seeder in INSTALLED_APPS order.
    demo_seeder = "timeentries.seed.seed_demo_time"

    def ready(self):
        from timeentries import signals  # noqa: F401
