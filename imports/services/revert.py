"""Undoing a whole import: exactly the rows it created and their ledger effects go, in one
transaction, while nothing newer touches them (then 409, naming what does)."""

from collections import defaultdict
from datetime import date

from django.db import connection, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core import periods
from core.audit import audit_event_record
from core.errors import Conflict
from core.permissions import ensure_admin
from imports.models import Import, ImportedObject
from imports.selectors import imports_visible_to
from imports.services.follow import follow_up
from leave.models import LeaveLedgerEntry, LeaveRequest
from leave.services.locks import ensure_leave_days_open
from timeentries.models import Client, LockPeriod, Project, Task, TimeEntry, Timesheet
from timeentries.services import day_is_payroll_locked, payroll_locked_conflict
from users.closings import ClosedMonths, month_closed_conflict
from users.models import Contract, Team, User


def _touched(reason: str) -> Conflict:
    """A 409 naming `reason` (a clause, already translated) as what keeps the revert from happening."""
    return Conflict(_("%(reason)s; the import cannot be reverted.") % {"reason": reason}, code="import_touched")


def _delete_linked(source: Import, model) -> int:
    """Delete the rows of `model` the import created, in one statement (no per-row signals)."""
    table, label = model._meta.db_table, model._meta.label_lower
    links = ImportedObject._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT object_id FROM {links} WHERE source_id = %s AND model = %s)",  # noqa: S608
            [source.pk, label],
        )
        return cursor.rowcount


def _revert_entries(source: Import, pks: list[int]) -> dict:
    """Entries: none changed or deleted since, none in a submitted or approved week, before
    the payroll lock or in a closed month. Answers each person's first and last day."""
    entries = TimeEntry.objects.filter(pk__in=pks)
    changed = entries.filter(updated_at__gt=source.committed_at).select_related("user").first()
    if changed is not None:
        raise _touched(
            _("Entry %(id)s of %(person)s was changed on %(moment)s UTC")
            % {"id": changed.pk, "person": changed.user, "moment": f"{changed.updated_at:%Y-%m-%d %H:%M}"}
        )
    days: dict[int, set[date]] = defaultdict(set)
    for user_id, day in entries.order_by().values_list("user_id", "day").distinct().iterator():
        days[user_id].add(day)
    missing = len(pks) - entries.count()
    if missing:
        raise _touched(_("%(count)s of its entries were deleted since") % {"count": missing})
    _ensure_entry_days_open(days)
    _delete_linked(source, TimeEntry)
    return {str(user_id): [min(found).isoformat(), max(found).isoformat()] for user_id, found in days.items()}


def _ensure_entry_days_open(days: dict[int, set[date]]) -> None:
    people = User.objects.in_bulk(list(days))
    lock_date, closed = LockPeriod.current_lock_date(), ClosedMonths()
    weeks = {(user_id, periods.week_start_of(day)) for user_id, found in days.items() for day in found}
    locked = Timesheet.objects.filter(
        user_id__in=list(days), status__in=(Timesheet.Status.SUBMITTED, Timesheet.Status.APPROVED)
    ).select_related("user")
    for timesheet in locked.order_by("week_start", "user_id"):
        if (timesheet.user_id, timesheet.week_start) in weeks:
            raise _touched(
                _("Week %(week)s of %(person)s is %(status)s")
                % {
                    "week": timesheet.week,
                    "person": timesheet.user,
                    "status": timesheet.get_status_display().lower(),
                }
            )
    for user_id, found in sorted(days.items()):
        first, last = min(found), max(found)
        if day_is_payroll_locked(first, lock_date):
            raise payroll_locked_conflict(first, lock_date)
        month = closed.first_for(people[user_id], first, last)
        if month is not None:
            raise month_closed_conflict(month)


def _revert_leave(source: Import, pks: list[int]) -> dict:
    """Leave: no request decided, cancelled or changed since; their days still open; the
    ledger rows booked for them (debits, credits) go with them."""
    requests = LeaveRequest.objects.filter(pk__in=pks).select_related("user")
    changed = requests.filter(updated_at__gt=source.committed_at).first()
    if changed is not None:
        raise _touched(
            _("Leave request %(id)s of %(person)s is %(status)s since")
            % {"id": changed.pk, "person": changed.user, "status": changed.get_status_display().lower()}
        )
    for request in requests:
        ensure_leave_days_open(user=request.user, start=request.start_date, end=request.end_date)
    LeaveLedgerEntry.objects.filter(Q(request_id__in=pks) | Q(related_request_id__in=pks)).delete()
    _delete_linked(source, LeaveRequest)
    return {}


def _revert_people(source: Import, pks: list[int]) -> dict:
    """People: their first contract and the allowance booked when they were created go with
    them; anything else of theirs (entries, leave, later bookings) refuses the revert."""
    later = LeaveLedgerEntry.objects.filter(user_id__in=pks, created_at__gt=source.committed_at).first()
    if later is not None:
        raise _touched(_("%(person)s has a leave booking since") % {"person": later.user})
    LeaveLedgerEntry.objects.filter(user_id__in=pks).delete()
    Contract.objects.filter(user_id__in=pks).delete()
    User.objects.filter(pk__in=pks).delete()
    return {}


def _revert_catalog(model):
    def revert(source: Import, pks: list[int]) -> dict:
        model.objects.filter(pk__in=pks).delete()
        return {}

    return revert


# In an order where what refers to a row goes before it.
REVERTERS = (
    (LeaveRequest, _revert_leave),
    (TimeEntry, _revert_entries),
    (Task, _revert_catalog(Task)),
    (Project, _revert_catalog(Project)),
    (Client, _revert_catalog(Client)),
    (User, _revert_people),
    (Team, _revert_catalog(Team)),
)


@transaction.atomic
def import_revert(*, actor: User, import_id: int, request=None) -> Import:
    """Remove exactly the rows a done import created and their ledger effects (admins only),
    audited; 409 naming what when anything newer touches them (an entry edited since, a
    leave request decided since, a submitted or approved week, a closed month, a row in use)."""
    ensure_admin(actor, denied=_("Only admins can revert imports."))
    source = imports_visible_to(actor).select_for_update().get(pk=import_id)
    if source.status != Import.Status.DONE:
        raise Conflict(
            _("The import is %(status)s; only a done import can be reverted.")
            % {"status": source.get_status_display().lower()},
            code="invalid_state",
        )
    links = defaultdict(list)
    for label, pk in ImportedObject.objects.filter(source=source).values_list("model", "object_id").iterator():
        links[label].append(pk)
    judged, removed = {}, {}
    for model, revert in REVERTERS:
        pks = links.get(model._meta.label_lower)
        if pks:
            try:
                judged.update(revert(source, pks))
            except ProtectedError as error:
                used = next(iter(error.protected_objects))
                raise _touched(
                    _("%(model)s is in use (%(object)s)")
                    % {"model": capfirst(model._meta.verbose_name), "object": used}
                ) from error
            removed[model._meta.label_lower] = pks
    with connection.cursor() as cursor:  # one statement, however many links (no per-row signals)
        cursor.execute(f"DELETE FROM {ImportedObject._meta.db_table} WHERE source_id = %s", [source.pk])  # noqa: S608
    source.status, source.reverted_at, source.reverted_by = Import.Status.REVERTED, timezone.now(), actor
    source.committed_hash = None
    source.save(update_fields=["status", "reverted_at", "reverted_by", "committed_hash"])
    audit_event_record(
        action="import_reverted",
        actor=actor,
        target=source,
        request=request,
        data={"kind": source.kind, "file_hash": source.file_hash, "removed": {k: len(v) for k, v in removed.items()}},
    )
    follow_up(removed, judged)
    return source
