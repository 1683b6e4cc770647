from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Working-time compliance")

    def ready(self):
        from compliance import receivers, signals  # noqa: F401  (signals registers the models with auditlog)

        receivers.connect()
