"""Who may act on whom. Services call these before every write that touches another
person's data (approvals, edits on their behalf)."""

from core.errors import Forbidden
from core.permissions import ensure_admin as ensure_admin  # its home is core; services import it here too
from users.models import User


def user_manages(actor: User, subject: User) -> bool:
    """True if `actor` is an admin or manages a team `subject` belongs to."""
    if not actor.is_active:
        return False
    if actor.is_admin:
        return True
    if not actor.is_manager or subject.team_id is None:
        return False
    return actor.managed_teams.filter(pk=subject.team_id).exists()


def ensure_can_decide_for(actor: User, subject: User, *, own: str, others: str) -> None:
    """Approvals are made by the subject's manager or an admin, and never by oneself. The
    refusals are whole translated sentences: `own` ("You cannot approve your own week.")
    and `others`, naming the subject as %(person)s."""
    if actor.pk == subject.pk:
        raise Forbidden(str(own))
    if not user_manages(actor, subject):
        raise Forbidden(str(others) % {"person": subject})
