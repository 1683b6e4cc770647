from django.db.models import Q, QuerySet

from compliance.models import Violation, WorkingTimePolicy
from users.models import User
from users.selectors import user_ids_visible_to


def policy_for(user: User) -> WorkingTimePolicy:
    """The user's team's policy, else the default one, else the settings' limits."""
    policies = (
        WorkingTimePolicy.objects.filter(Q(teams=user.team_id) | Q(is_default=True))
        if user.team_id
        else (WorkingTimePolicy.objects.filter(is_default=True))
    )
    chosen = sorted(policies, key=lambda p: (p.is_default, p.pk))  # a team's own policy wins
    return chosen[0] if chosen else WorkingTimePolicy(name="Default (settings)")


def violations_visible_to(actor: User) -> QuerySet[Violation]:
    violations = Violation.objects.select_related("user", "acknowledged_by")
    if actor.is_admin:
        return violations
    return violations.filter(user_id__in=user_ids_visible_to(actor))
