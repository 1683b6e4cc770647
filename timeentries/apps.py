from django.apps import AppConfig


class TimeentriesConfig(AppConfig):
    name = "timeentries"
    verbose_name = "Time tracking"
