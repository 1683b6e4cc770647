from rest_framework import permissions

from core.errors import Forbidden


def ensure_admin(actor, *, denied: str) -> None:
    """Only an active admin may go on; anyone else is refused with `denied`, a whole
    translated sentence ("Only admins can delete teams."), so that no phrase is glued into
    a frame another language would build differently."""
    if not (actor.is_active and actor.is_admin):
        raise Forbidden(str(denied))


class AdminWritesOthersRead(permissions.BasePermission):
    """Anyone signed in reads what their scope shows; only admins write.

    Checked on the object for detail routes, so an object outside the scope is a 404
    (the queryset hides it) before it could be a 403.
    """

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS or view.detail:
            return True
        return request.user.is_admin

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or request.user.is_admin
