from django.utils.functional import SimpleLazyObject

from analytics.approvals import pending_count


def approvals(request):
    """`approvals_pending`: the header badge of managers and admins, counted (one query)
    only when a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_manager or user.is_admin):
        return {}
    return {"approvals_pending": SimpleLazyObject(lambda: pending_count(user))}
