"""Demo data for `make run`: an admin, two managers, six employees in two teams.

Idempotent: running it again updates the same rows and creates nothing twice. Each app
adds its own demo data through the `seed_demo_<app>` function its AppConfig names in
`demo_seeder` (called in INSTALLED_APPS order), so users never names a higher layer.
"""

from datetime import date

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from users.models import Team, User
from users.services import contract_first_create

DEMO_PASSWORD = "demo-pass-2026"
DEMO_TEAMS = {
    "Engineering": {
        "manager": ("mia.manager@example.com", "Mia", "Manager", "Europe/Berlin"),
        "members": [
            ("alice@example.com", "Alice", "Adler", "Europe/Berlin"),
            ("arthur@example.com", "Arthur", "Aalto", "Europe/Helsinki"),
            ("anna@example.com", "Anna", "Alves", "Europe/Lisbon"),
        ],
    },
    "Operations": {
        "manager": ("max.manager@example.com", "Max", "Manager", "Europe/Paris"),
        "members": [
            ("dave@example.com", "Dave", "Doyle", "Europe/Dublin"),
            ("diana@example.com", "Diana", "Dumas", "Europe/Paris"),
            ("dirk@example.com", "Dirk", "Dekker", "Europe/Amsterdam"),
        ],
    },
}
ADMIN = ("admin@example.com", "Ada", "Admin", "Europe/Berlin")


def _upsert_user(email, first_name, last_name, tz, role, team=None) -> User:
    """The demo people have worked here since 1 January of last year (their demo time and
    leave go back months), on the first contract version their fields give."""
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "timezone": tz,
            "role": role,
            "team": team,
            "employment_start": date(date.today().year - 1, 1, 1),
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        contract_first_create(user)
    user.first_name, user.last_name, user.timezone, user.role, user.team = first_name, last_name, tz, role, team
    user.is_active = True
    user.save()
    return user


class Command(BaseCommand):
    help = "Load idempotent demo data and print the demo logins."

    def handle(self, *args, **options):
        """Seed in one transaction, then print the logins: after the commit, so that what the
        seeding sends on commit (the leave e-mails of the console backend, the eager tasks'
        log lines) comes before them and the logins are the last thing `make run` shows
        before the server starts."""
        with transaction.atomic():
            logins = self._seed()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password for all: {DEMO_PASSWORD}):"))
        for email, what in logins:
            self.stdout.write(f"  {email:32} {what}")

    def _seed(self) -> list[tuple[str, str]]:
        admin = _upsert_user(*ADMIN, role=User.Role.ADMIN)
        logins = [(admin.email, "admin")]
        for team_name, spec in DEMO_TEAMS.items():
            team, _ = Team.objects.get_or_create(name=team_name)
            manager = _upsert_user(*spec["manager"], role=User.Role.MANAGER, team=team)
            team.managers.set([manager])
            logins.append((manager.email, f"manager of {team_name}"))
            for member in spec["members"]:
                user = _upsert_user(*member, role=User.Role.EMPLOYEE, team=team)
                logins.append((user.email, f"employee in {team_name}"))
        for config in apps.get_app_configs():
            if seeder := getattr(config, "demo_seeder", None):
                import_string(seeder)(self.stdout)  # takes the stdout writer
        return logins
