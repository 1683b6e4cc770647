from django.conf import settings


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies append to
    X-Forwarded-For, in which case the address the outermost trusted proxy saw.

    Only the entries our own proxies appended are believed, so a client cannot reset its
    rate limit by sending a forged X-Forwarded-For.
    """
    remote_addr = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (an address, not a bind)
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote_addr
    return forwarded[-proxies]
