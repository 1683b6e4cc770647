from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Working-time compliance"

    def ready(self):
        from compliance import signals  # noqa: F401  (registers the models with auditlog)
