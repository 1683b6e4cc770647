"""Import a year's public holidays into a holiday calendar (`leave.services.holidays_import`).

    manage.py import_holidays --calendar 3 --year 2026
    manage.py import_holidays --calendar "Germany (Bavaria)" --year 2026 --year 2027
    manage.py import_holidays --name "Germany (Bavaria)" --country DE --subdivision BY --year 2026

With --name and --country the calendar is created when it does not exist yet. Days already
in the calendar are left as they are, so running it again adds nothing.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.errors import DomainError
from leave import services
from leave.models import HolidayCalendar


def _region(country: str, subdivision: str) -> str:
    return f"{country}-{subdivision}" if subdivision else country


class Command(BaseCommand):
    help = "Import the public holidays of one or more years into a holiday calendar."

    def add_arguments(self, parser):
        parser.add_argument("--calendar", help="Id or name of an existing calendar.")
        parser.add_argument("--name", help="Name of the calendar to use, created with --country if missing.")
        parser.add_argument("--country", help="ISO 3166-1 alpha-2 country code, e.g. DE.")
        parser.add_argument("--subdivision", default="", help="Subdivision code, e.g. BY for Bavaria.")
        parser.add_argument("--year", type=int, action="append", required=True, help="Year to import; repeatable.")

    @transaction.atomic  # a calendar created for a country without holidays is not kept
    def handle(self, *args, **options):
        calendar = self._calendar(options)
        for year in options["year"]:
            try:
                created = services.holidays_import(calendar=calendar, year=year)
            except DomainError as error:
                raise CommandError(error.detail) from error
            self.stdout.write(
                self.style.SUCCESS(f"{calendar}: {len(created)} holiday{'s' if len(created) != 1 else ''} of {year}")
            )

    def _calendar(self, options) -> HolidayCalendar:
        reference, name = options["calendar"], options["name"]
        if bool(reference) == bool(name):
            raise CommandError("Give either --calendar (id or name) or --name (with --country to create it).")
        if reference:
            calendar = HolidayCalendar.objects.filter(name__iexact=reference).first()
            if calendar is None and reference.isdigit():
                calendar = HolidayCalendar.objects.filter(pk=int(reference)).first()
            if calendar is None:
                raise CommandError(f"No holiday calendar '{reference}'. Use --name and --country to create one.")
            return calendar
        calendar = HolidayCalendar.objects.filter(name__iexact=name).first()
        if not options["country"]:
            if calendar is not None:
                return calendar
            raise CommandError(f"No holiday calendar '{name}': give --country (and --subdivision) to create it.")
        # The region spelt as a calendar stores it (`HolidayCalendar.clean`), to compare and to create.
        wanted = HolidayCalendar(name=name, country=options["country"], subdivision=options["subdivision"])
        try:
            wanted.full_clean(validate_unique=calendar is None)
        except ValidationError as error:
            raise CommandError(f"{'Cannot create' if calendar is None else 'Cannot use'} '{name}': {error}") from error
        country, subdivision = wanted.country, wanted.subdivision
        if calendar is not None:
            if (calendar.country, calendar.subdivision) != (country, subdivision):
                raise CommandError(
                    f"'{calendar}' is for {_region(calendar.country, calendar.subdivision)}, "
                    f"not {_region(country, subdivision)}."
                )
            return calendar
        wanted.save()
        self.stdout.write(f"Created holiday calendar '{wanted}' ({_region(country, subdivision)}).")
        return wanted
