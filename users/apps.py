from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = gettext_lazy("Users and teams")

    def ready(self):
        from users import signals  # noqa: F401


class TimeTrackerAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with `admin.site` being our site (rate-limited login)."""

    default = False  # "users" in INSTALLED_APPS still means UsersConfig

    default_site = "users.admin_site.TimeTrackerAdminSite"
