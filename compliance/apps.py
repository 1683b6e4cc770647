from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Working-time compliance"

    def ready(self):
        from compliance import receivers, signals  # noqa: F401  (signals registers the models with auditlog)

        receivers.connect()
