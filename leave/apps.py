from django.apps import AppConfig


class LeaveConfig(AppConfig):
    name = "leave"
    verbose_name = "Leave"
    # `manage.py seed_demo` calls each app's seeder in INSTALLED_APPS order.
    demo_seeder = "leave.seed.seed_demo_leave"

    def ready(self):
        from leave import receivers, signals  # noqa: F401  (signals registers the models with auditlog)

        receivers.connect()
