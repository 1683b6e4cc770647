"""Every periodic job, declared in code. `manage.py setup_schedules` writes them into
django-celery-beat's tables (idempotently), so nobody creates schedules by hand.

Each entry: name -> (task path, crontab fields). Apps add their jobs here.
"""

from django.conf import settings

PERIODIC_TASKS: dict[str, tuple[str, dict[str, str]]] = {
    "audit: purge entries older than AUDIT_RETENTION": (
        "core.tasks.audit_purge_expired_task",
        {"minute": "30", "hour": "3", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    "leave: open the leave year (accrual and carry-over)": (
        "leave.tasks.leave_accrue_year_task",
        {"minute": "30", "hour": "0", "day_of_week": "*", "day_of_month": "1", "month_of_year": "1"},
    ),
    "leave: expire unused carry-over": (
        "leave.tasks.leave_carry_over_expire_task",
        {"minute": "15", "hour": "1", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    "leave: from LEAVE_NOTICE_DATE, tell people how much leave lapses when (forfeiture notices)": (
        "leave.tasks.leave_forfeiture_notices_task",
        {"minute": "0", "hour": "7", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    "compliance: scan the last COMPLIANCE_SCAN_DAYS days for working-time violations": (
        "compliance.tasks.compliance_scan_task",
        {
            "minute": "45",
            "hour": str(settings.COMPLIANCE_SCAN_HOUR),
            "day_of_week": "*",
            "day_of_month": "*",
            "month_of_year": "*",
        },
    ),
    "analytics: delete report exports older than seven days": (
        "analytics.tasks.exports_purge_expired_task",
        {"minute": "0", "hour": "4", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    "analytics: re-queue or fail exports a dead worker left running": (
        "analytics.tasks.exports_reap_stale_task",
        {"minute": "*/5", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    "imports: delete the uploaded files of finished imports older than IMPORT_FILE_RETENTION_DAYS": (
        "imports.tasks.import_files_purge_task",
        {"minute": "45", "hour": "4", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    "search: index again the rows whose index update gave up": (
        "search.tasks.search_reconcile_task",
        {"minute": "*/15", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    "users: mirror the contract version in force today onto people's hours and work days": (
        "users.tasks.contract_mirror_today",
        {"minute": "5", "hour": "*/6", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    "webhooks: send the webhook deliveries whose retry is due": (
        "webhooks.tasks.webhook_deliveries_due_task",
        {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    "webhooks: delete deliveries finished more than 30 days ago": (
        "webhooks.tasks.webhook_deliveries_purge_task",
        {"minute": "15", "hour": "4", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    "core: relay outbox messages the broker did not take at commit; purge sent ones": (
        "core.tasks.outbox_relay",
        {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
}

if settings.MONTH_CLOSE_DAY is not None:
    PERIODIC_TASKS["leave: close the previous month for payroll on MONTH_CLOSE_DAY"] = (
        "leave.tasks.month_close_previous_task",
        {
            "minute": "45",
            "hour": "0",
            "day_of_week": "*",
            "day_of_month": str(settings.MONTH_CLOSE_DAY),
            "month_of_year": "*",
        },
    )
