"""Judge people's working time and record the violations (`compliance.services.compliance_scan`).

    manage.py check_working_time                              # everyone active, the last COMPLIANCE_SCAN_DAYS days
    manage.py check_working_time --user alice@example.com --from 2026-01-01 --to 2026-03-31
    manage.py check_working_time --user 12 --user 14

The scan is idempotent: running it again over the same days creates nothing new.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from compliance import services
from core.dates import OUT_OF_RANGE, date_in_range
from core.errors import DomainError
from users.models import User


def _date(value: str, option: str) -> date:
    """A day as the API takes one: ISO format, within `core.dates`' range."""
    try:
        day = date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{option} {value!r} is not a date: use YYYY-MM-DD.") from error
    if not date_in_range(day):
        raise CommandError(f"{option} {day}: {OUT_OF_RANGE}")
    return day


def _user(reference: str) -> User:
    user = User.objects.filter(email__iexact=reference.strip()).first()
    if user is None and reference.strip().isdigit():
        user = User.objects.filter(pk=int(reference)).first()
    if user is None:
        raise CommandError(f"No user {reference!r}: give an e-mail address or an id.")
    return user


class Command(BaseCommand):
    help = "Check working time against the policies and record the violations found."

    def add_arguments(self, parser):
        parser.add_argument(
            "--user", action="append", default=[], help="E-mail or id of a user; repeatable. Default: all active users."
        )
        parser.add_argument(
            "--from", dest="start", help="First day, YYYY-MM-DD. Default: COMPLIANCE_SCAN_DAYS before --to."
        )
        parser.add_argument("--to", dest="end", help="Last day (inclusive), YYYY-MM-DD. Default: today.")

    def handle(self, *args, **options):
        end = _date(options["end"], "--to") if options["end"] else timezone.localdate()
        start = (
            _date(options["start"], "--from")
            if options["start"]
            else end - timedelta(days=settings.COMPLIANCE_SCAN_DAYS)
        )
        if end < start:
            raise CommandError(f"--to {end} is before --from {start}.")
        users = None
        if options["user"]:
            users = User.objects.filter(pk__in=[_user(reference).pk for reference in options["user"]])
        try:
            totals = services.compliance_scan(start=start, end=end, users=users)
        except DomainError as error:
            raise CommandError(error.detail) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {totals['users']} user{'s' if totals['users'] != 1 else ''} from {start} to {end}: "
                f"{totals['created']} created, {totals['updated']} updated, {totals['resolved']} resolved."
            )
        )
