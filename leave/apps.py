from django.apps import AppConfig


class LeaveConfig(AppConfig):
    name = "leave"
    verbose_name = "Leave"

    def ready(self):
        from leave import signals  # noqa: F401
