"""Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is `whsec_` +
base64 of the key; `Webhook-Signature` is `v1,` + base64 HMAC-SHA256 of
`{Webhook-Id}.{Webhook-Timestamp}.{body}`. Receivers recompute it and refuse a timestamp
too far from their clock, so a replayed request is rejected."""

import base64
import binascii
import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import DomainValidationError

PREFIX = "whsec_"
KEY_BYTES = 32
MIN_KEY_BYTES, MAX_KEY_BYTES = 24, 64


def secret_generate() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def secret_check(secret: str) -> str:
    """A secret given by the client: `whsec_` + base64 of 24 to 64 bytes (400 on `secret`)."""
    try:
        key = base64.b64decode(secret.removeprefix(PREFIX), validate=True) if secret.startswith(PREFIX) else b""
    except binascii.Error:
        key = b""
    if not MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES:
        raise DomainValidationError(
            _(
                "A secret is %(prefix)s followed by the base64 of %(min)s to %(max)s random bytes; "
                "leave it out to have one made."
            )
            % {"prefix": PREFIX, "min": MIN_KEY_BYTES, "max": MAX_KEY_BYTES},
            field="secret",
        )
    return secret


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": f"{settings.PROJECT_NAME} webhooks",
        "Webhook-Id": message_id,
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": signature(secret, message_id, timestamp, body),
    }
