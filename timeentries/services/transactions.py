"""The transaction of a write on time, and what follows its commit.

A write's transaction holds only the checks, the row and its audit: the timesheets it
locks are held for as short as can be. What the write leaves on the person's working time
is judged once it has committed (`time_entry_written`: compliance records its findings and
answers them for the entry's `compliance_warnings`), in the same request, before the
answer is built; recording is never refused over it (issue 16.12), so the judgement need
not be inside the transaction. Several writes in one transaction (a copied day, a week
grid row, a timer started while another ran) are judged together after it commits.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from types import SimpleNamespace

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.signals import send_collecting, time_entry_written
from timeentries.models import TimeEntry
from timeentries.services.refusals import overlap_conflict

logger = logging.getLogger(__name__)

OVERLAP_CONSTRAINT = "timeentry_no_overlap"
RUNNING_CONSTRAINT = "timeentry_one_running_timer_per_user"

# The judgements the time writes in progress leave for after the commit; None outside one.
_to_judge: ContextVar[list | None] = ContextVar("time_writes_to_judge", default=None)
# The innermost time write's scope: the entry it is saving, for its constraint's 409.
_scope: ContextVar[SimpleNamespace | None] = ContextVar("time_write_scope", default=None)


@contextmanager
def time_write():
    """A time write's transaction (usable as a decorator). A constraint that a concurrent
    request won (overlap, one running timer) is answered with the checks' own 409 about the
    entry being saved (`saving`), read after the transaction rolled back, so the write needs
    no savepoint of its own. When the outermost time write commits, the judgements its
    writes left (`judge_after_commit`) run."""
    pending = _to_judge.get()
    outermost = pending is None
    if outermost:
        pending = []
        token = _to_judge.set(pending)
    scope = SimpleNamespace(entry=None)
    scope_token = _scope.set(scope)
    try:
        with transaction.atomic():
            yield scope
    except IntegrityError as error:
        refusal = _constraint_refusal(error, scope.entry)
        if refusal is None:
            raise
        raise refusal from error
    finally:
        _scope.reset(scope_token)
        if outermost:
            _to_judge.reset(token)
    if outermost and pending:
        _after_commit(lambda: _judge(pending))


def saving(entry: TimeEntry) -> None:
    """Name the entry the time write in progress saves (for its constraint's 409)."""
    scope = _scope.get()
    if scope is not None:
        scope.entry = entry


def judge_after_commit(*, entry: TimeEntry | None, user, spans) -> None:
    """Have the working time the write left on `spans` judged after the commit; the findings
    go to `entry.compliance_warnings` (empty until then)."""
    if entry is not None:
        entry.compliance_warnings = []
    pending = _to_judge.get()
    if pending is None:
        _after_commit(lambda: _judge([(entry, user, spans)]))
    else:
        pending.append((entry, user, spans))


def _in_callers_transaction() -> bool:
    """Whether a transaction the caller opened is still open (the admin's, the bench's).
    Django's TestCase wraps each test in transactions that never commit; as for
    `atomic(durable=True)`, those do not count, so a test sees what production sees right
    after the commit."""
    blocks = transaction.get_connection().atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


def _after_commit(function) -> None:
    if _in_callers_transaction():
        transaction.on_commit(function)
    else:
        function()


def _judge(pending: list) -> None:
    for entry, user, spans in pending:
        try:
            with transaction.atomic():
                warnings = send_collecting(time_entry_written, sender=TimeEntry, user=user, spans=spans, may_veto=False)
        except Exception:
            # The entry is recorded; the daily scan judges its days again.
            logger.exception("judging the working time of %s after a write failed", user)
            warnings = []
        if entry is not None:
            entry.compliance_warnings = warnings


def _constraint_refusal(error: IntegrityError, entry: TimeEntry | None) -> Conflict | None:
    """The 409 for a constraint a concurrent request won, as the checks word it; None for
    any other."""
    message = str(error)
    if OVERLAP_CONSTRAINT in message and entry is not None:
        clash = (
            TimeEntry.objects.overlapping(user_id=entry.user_id, start=entry.start, end=entry.end, exclude_pk=entry.pk)
            .select_related("project", "task", "user")
            .first()
        )
        return overlap_conflict(clash) if clash else Conflict(_("Overlaps another time entry."), code="overlap")
    if RUNNING_CONSTRAINT in message:
        return Conflict(_("A timer is already running."), code="timer_running")
    return None
