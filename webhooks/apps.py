from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from webhooks import receivers, signals  # noqa: F401  (signals registers the models with auditlog)

        receivers.connect()
