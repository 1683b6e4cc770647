from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication

from core.audit import audit_actor_set
from core.i18n import activate_user_language


class AuditedJWTAuthentication(JWTAuthentication):
    """simplejwt's authentication (which rejects inactive users on every request) that also
    tells auditlog who the actor is."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            audit_actor_set(result[0])
            activate_user_language(result[0])
        return result


class AuditedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            audit_actor_set(result[0])
            activate_user_language(result[0])
        return result
