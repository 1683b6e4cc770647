"""Leave follows the people's side through `core.signals.leave_basis_changed` (the list of
every signal and receiver is in core/signals.py)."""

from core.signals import leave_basis_changed
from leave.services import leave_requests_recount


def leave_recount(sender, *, user_ids, since, actor, reason: str, **kwargs) -> None:
    """Inside the sender's transaction: re-count these people's leave from `since` on."""
    leave_requests_recount(user_ids=user_ids, since=since, actor=actor, reason=reason)


def connect() -> None:
    leave_basis_changed.connect(leave_recount, dispatch_uid="leave-recount-on-basis-change")
