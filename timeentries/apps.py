from django.apps import AppConfig


class TimeentriesConfig(AppConfig):
    name = "timeentries"
    verbose_name = "Time tracking"

    def ready(self):
        from timeentries import signals  # noqa: F401
