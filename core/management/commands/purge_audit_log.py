from django.core.management.base import BaseCommand

from core.audit import audit_purge_expired


class Command(BaseCommand):
    help = (
        "Delete audit events and auditlog entries older than AUDIT_RETENTION days, "
        "AUDIT_PURGE_BATCH_SIZE rows per transaction (what the nightly task does)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args, dry_run=False, **options):
        result = audit_purge_expired(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"{verb} {result['events']} audit events and {result['log_entries']} log entries "
            f"older than {result['cutoff']}"
        )
