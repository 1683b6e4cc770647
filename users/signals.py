"""Side effects of user changes: the Managers group follows the role, and authentication
is audited. Django fires the auth signals for session logins (pages, admin), and
`authenticate()` fires `user_login_failed` for the JWT login too."""

from auditlog.registry import auditlog
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from core.audit import audit_event_record
from users.backends import SINGLE_SIGN_ON_BACKEND
from users.models import (
    Contract,
    MonthClosing,
    MonthClosingRow,
    OidcIdentity,
    PersonalAccessToken,
    Team,
    TokenFamily,
    User,
)

auditlog.register(User, exclude_fields=["password", "last_login"], m2m_fields={"groups"})
auditlog.register(Team, m2m_fields={"managers"})
# Sign-ins and logouts over the API; bulk revocations write their own AuditEvent.
auditlog.register(TokenFamily)
auditlog.register(Contract)
# The hash stands for the secret: never copied into the history; last use is bookkeeping.
auditlog.register(PersonalAccessToken, exclude_fields=["hash", "last_used_at"])
# Close and reopen are also `month_closed`/`month_reopened` events; rows are written once.
auditlog.register(MonthClosing)
auditlog.register(MonthClosingRow)
auditlog.register(OidcIdentity, exclude_fields=["last_login_at"])


@receiver(user_logged_in, dispatch_uid="audit_session_login")
def audit_session_login(sender, request, user, **kwargs):
    method = "oidc" if request.session.get(BACKEND_SESSION_KEY) == SINGLE_SIGN_ON_BACKEND else "session"
    audit_event_record(action="login", actor=user, target=user, request=request, data={"method": method})


@receiver(user_logged_out, dispatch_uid="audit_session_logout")
def audit_session_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_event_record(action="logout", actor=user, target=user, request=request, data={"method": "session"})


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit_event_record(action="login_failed", request=request, data={"email": email})


MANAGERS_GROUP = "Managers"


@receiver(post_save, sender=User, dispatch_uid="managers_group_follows_role")
def managers_group_follows_role(sender, instance, raw=False, **kwargs):
    """Managers get the "Managers" group (the admin permissions each app's migration adds
    to it); admins are superusers and employees have no admin access. Whatever path
    saves a user (service, admin, shell, fixture), the group follows the role."""
    if raw:
        return
    group = Group.objects.filter(name=MANAGERS_GROUP).first()
    if group is None:
        return
    is_member = instance.groups.filter(pk=group.pk).exists()
    if instance.role == User.Role.MANAGER and not is_member:
        instance.groups.add(group)
    elif instance.role != User.Role.MANAGER and is_member:
        instance.groups.remove(group)
