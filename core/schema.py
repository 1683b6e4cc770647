"""drf-spectacular extensions for the project's own authentication classes."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class AuditedJWTScheme(SimpleJWTScheme):
    target_class = "core.authentication.AuditedJWTAuthentication"
    match_subclasses = True  # users.authentication.SessionJWTAuthentication


class AuditedSessionScheme(SessionScheme):
    target_class = "core.authentication.AuditedSessionAuthentication"


def strip_trailing_slashes(endpoints):
    """Routes accept an optional trailing slash; the schema documents the canonical form
    without it, as the issues write the paths."""
    return [(path.rstrip("/") or "/", path_regex, method, callback) for path, path_regex, method, callback in endpoints]
