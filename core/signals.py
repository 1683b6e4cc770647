"""Every signal the project sends, and every receiver listening — the one list to read.

Dependencies point down (core <- users <- timeentries <- leave <- compliance <- search,
analytics, webhooks; see STYLE.md, "Layers"). When a lower layer must let a higher one react, it
sends one of these signals instead of calling up. A receiver that may refuse the change
(raise a domain error) runs inside the sender's transaction, so the refusal rolls the
write back; one that only follows hands ids to a task on commit. `core/tests/test_signals.py`
holds this list to what is actually connected.

Project signals (defined here)
------------------------------
`time_entry_written(sender=TimeEntry, user, spans, may_veto)`
    Sent by `timeentries.services` right AFTER the write committed (before the answer is
    built; `timeentries.services.transactions`), once an entry was created, changed,
    started/stopped as a timer or deleted; several writes in one transaction are sent after
    it. `may_veto` is always False: the write is recorded whatever a receiver says (issue
    16.12), and a receiver's error is logged, never answered. `spans` are the (start, end)
    pairs whose days the write touched. Receiver: `compliance.receivers.time_entry_judge`
    judges those days in a transaction of its own, records the violations and returns the
    findings, which the time services collect with `send_collecting` into the entry's
    `compliance_warnings`.

`timesheet_approving(sender=Timesheet, timesheet, actor, reason)`
    Sent by `timeentries.services.timesheet_approve` inside its transaction, after the
    approver and the state were checked and before the week is saved as approved. Receiver:
    `compliance.receivers.timesheet_approval_judge`: under a `block` policy the week's open
    violations VETO the approval with `Conflict` (409 `compliance_open_violations`, naming
    them) unless `reason` is given, which is recorded on each as its acknowledgement.

`leave_basis_changed(sender=User | Team, user_ids, since, actor, reason)`
    Sent by `users.services` inside its transaction when what makes a leave day long changed
    for these people: their holiday calendar, team, working days or contract hours (a
    person's edit), a team's holiday calendar (members without a calendar of their own), a
    deleted team. Receiver: `leave.receivers.leave_recount` re-counts their pending and
    approved leave ending on or after `since` (no veto).

`leave_days_changed(sender=LeaveRequest, user, start, end)`
    Sent by `leave.services` inside its transaction when approved leave of a type neutral
    for the working-time average came to or left the days from `start` to `end` (an
    approval, automatic ones such as sick leave included; a cancellation of approved
    leave). Receiver: `compliance.receivers.leave_days_judge` hands them on commit to
    `compliance_rejudge_averages_task`, which re-judges every weekly average whose
    reference period holds those days: leave is neutral in it (no veto).

`audit_events_purged(sender=AuditEvent, cutoff)`
    Sent by `core.audit.audit_purge_expired` AFTER the purge's last batch committed: every
    AuditEvent created before `cutoff` was deleted with set-based SQL, which sends no per-row
    `post_delete`. Receiver: `search.signals.audit_purged` removes those documents with one
    delete-by-query through the outbox (no veto).

`expected_hours_requested(sender=User, user, start, end)`
    Sent by `timeentries.services.timesheet_submit` (outside any veto: it only asks) to learn
    the hours the person's contract expects from `start` to `end` (local days, inclusive).
    Receiver: `leave.receivers.expected_hours_answer` answers `[Decimal]` (holidays and
    approved leave taken out, half days halved). Without an answer the time services fall
    back to the contract spread over the work days (`timeentries.selectors.week_expected_hours`).

`person_employed(sender=User, user)`
    Sent by `users.services.user_create` and `user_register` inside their transaction once a
    new person is saved (API, admin, sign-up). Receiver: `leave.receivers.leave_entitlement_book` books the
    year's pro-rated leave allowance at once (`leave_entitlement_book_for_new_person`, the
    yearly accrual's keys), so the first request is not refused for want of it (no veto).

`month_closing(sender=MonthClosing, closing, people, last_day)`
    Sent by `leave.services.closings` inside the closing's transaction, after the closing
    row is written and before each person's figures are frozen, so what the receivers book
    is part of the snapshot. `people` are the persons the closing covers, `last_day` the
    month's last day. Receivers: `compliance.receivers.account_cap_forfeit` books the hours
    above the person's policy cap (`WorkingTimePolicy.account_cap_hours`) as a `forfeit`
    adjustment when the month ends the policy's cap period; `webhooks.receivers.month_closed_publish`
    queues the `month.closed` webhook event (neither vetoes).

`domain_event(sender=Model, event, instance)`
    Sent by the services inside their transaction when something happened that systems
    outside may follow, named `<resource>.<verb>`: `time_entry.created|updated|deleted`
    (`timeentries.services.entries`, the timer included; `deleted` before the row goes),
    `timesheet.submitted|approved|rejected` (`timeentries.services.timesheets`),
    `leave_request.created|approved|rejected|cancelled` (`leave.services.requests`;
    automatic approvals too); `violation.created` comes in bulk (`domain_events`). `instance` is
    the row as it now stands. Receiver: `webhooks.receivers.domain_event_publish` freezes the
    event's JSON and queues its webhook deliveries in the same transaction, so a rollback
    sends nothing (no veto). Month closings reach webhooks through `month_closing`.

`domain_events(sender=Model, event, instances)`
    `domain_event` for many rows at once, sent by a service that wrote them set-based
    (`bulk_create`, which sends no per-row signal): `violation.created` for the violations
    a judgement records (`compliance.recording`). Receiver:
    `webhooks.receivers.domain_events_publish` freezes one event per instance and queues
    their deliveries in the same transaction, each kind of row in one INSERT (no veto).

`rows_written_in_bulk(sender=Model, people)`
    Sent inside its transaction by a service that created or changed rows of `sender`
    set-based (`bulk_create`/`bulk_update` send no `post_save`): `people` maps the id of
    each person whose rows they are to their team's id (None: no team). Sent by
    `compliance.recording` for violations. Receiver:
    `analytics.signals.personal_rows_written_in_bulk`: the widget cache versions those
    people's rows touch move, each scope once (no veto).

Django's signals the project listens to (listed in `DJANGO_SIGNAL_RECEIVERS`)
-----------------------------------------------------------------------------
- `users.signals`: auth signals -> audit events (login, logout, login_failed); a user's
  `post_save` -> the Managers group follows the role.
- `search.signals`: `pre_save`/`post_save`/`post_delete` of indexed and copied models ->
  the outbox -> the index task, on commit.
- `analytics.signals`: `post_save`/`post_delete`/`m2m_changed` of what dashboards show ->
  the widget cache versions move.
Field-level history is django-auditlog's (`auditlog.register` in each app's `signals.py`).
"""

from django.dispatch import Signal

time_entry_written = Signal()
leave_days_changed = Signal()
leave_basis_changed = Signal()
audit_events_purged = Signal()
expected_hours_requested = Signal()
person_employed = Signal()
month_closing = Signal()
timesheet_approving = Signal()
domain_event = Signal()
domain_events = Signal()
rows_written_in_bulk = Signal()

# Signal name -> the receivers connected to it (module.function).
RECEIVERS: dict[str, set[str]] = {
    "time_entry_written": {"compliance.receivers.time_entry_judge"},
    "leave_days_changed": {"compliance.receivers.leave_days_judge"},
    "leave_basis_changed": {"leave.receivers.leave_recount"},
    "audit_events_purged": {"search.signals.audit_purged"},
    "expected_hours_requested": {"leave.receivers.expected_hours_answer"},
    "person_employed": {"leave.receivers.leave_entitlement_book"},
    "month_closing": {"compliance.receivers.account_cap_forfeit", "webhooks.receivers.month_closed_publish"},
    "timesheet_approving": {"compliance.receivers.timesheet_approval_judge"},
    "domain_event": {"webhooks.receivers.domain_event_publish"},
    "domain_events": {"webhooks.receivers.domain_events_publish"},
    "rows_written_in_bulk": {"analytics.signals.personal_rows_written_in_bulk"},
}

# Receivers of Django's own signals in the project's apps (module.function).
DJANGO_SIGNAL_RECEIVERS: set[str] = {
    "users.signals.audit_session_login",
    "users.signals.audit_session_logout",
    "users.signals.audit_login_failed",
    "users.signals.managers_group_follows_role",
    "search.signals.remember_denormalized",
    "search.signals.index_saved",
    "search.signals.index_deleted",
    "search.signals.dependents_saved",
    "analytics.signals.personal_data_changed",
    "analytics.signals.shared_data_changed",
    "analytics.signals.user_changed",
}


def send_collecting(signal: Signal, sender, **named) -> list:
    """Send `signal` and concatenate the lists its receivers return. A receiver's exception
    propagates (`send`, not `send_robust`): raised inside the sender's transaction, it is a
    veto that rolls the write back."""
    return [item for _receiver, result in signal.send(sender=sender, **named) for item in (result or ())]
