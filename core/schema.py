"""drf-spectacular extensions for the project's own authentication classes."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class AuditedJWTScheme(SimpleJWTScheme):
    target_class = "core.authentication.AuditedJWTAuthentication"
    match_subclasses = True  # users.authentication.SessionJWTAuthentication


class AuditedSessionScheme(SessionScheme):
    target_class = "core.authentication.AuditedSessionAuthentication"


class PersonalAccessTokenScheme(OpenApiAuthenticationExtension):
    # Named by path, not imported: core sits below users.
    target_class = "users.authentication.PersonalAccessTokenAuthentication"
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "tt_pat_…",
            "description": "A personal access token from POST /api/v1/tokens. A token with only the "
            "`read` scope gets 403 on every write.",
        }


def strip_trailing_slashes(endpoints):
    """Routes accept an optional trailing slash; the schema documents the canonical form
    without it, as the issues write the paths."""
    return [(path.rstrip("/") or "/", path_regex, method, callback) for path, path_regex, method, callback in endpoints]
