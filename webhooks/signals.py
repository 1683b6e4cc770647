"""Field-level history of webhooks (django-auditlog), never of their secret."""

from auditlog.registry import auditlog

from webhooks.models import Webhook

auditlog.register(Webhook, exclude_fields=["secret"])
