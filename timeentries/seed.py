"""Demo time data for `seed_demo`: clients, projects and tasks, and four past weeks of work
for each demo employee, logged and approved through the services like real use.

Idempotent: the catalogue is upserted by name/code, and a person who already has entries
gets no new ones, so running it again creates nothing twice.
"""

import random
from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from core import periods
from core.errors import DomainError
from timeentries import services
from timeentries.models import Client, Project, Task, TimeEntry, Timesheet
from users.management.commands.seed_demo import DEMO_TEAMS
from users.models import Team, User

DEMO_CLIENTS = ["Acme Corporation", "Globex"]
# code: (name, client, billable, archived, teams it is restricted to, tasks)
DEMO_PROJECTS = {
    "ACME-WEB": ("Acme website relaunch", "Acme Corporation", True, False, [], ["Design", "Development", "Review"]),
    "GLX-APP": ("Globex mobile app", "Globex", True, False, ["Engineering"], ["Development", "Testing"]),
    "INTERNAL": ("Internal work", None, False, False, [], ["Meetings", "Training", "Support"]),
    "ACME-LEGACY": ("Acme legacy migration", "Acme Corporation", True, True, [], ["Data export", "Cutover"]),
}
WEEKS = 4


def _catalogue_upsert() -> None:
    clients = {name: Client.objects.get_or_create(name=name)[0] for name in DEMO_CLIENTS}
    for code, (name, client, billable, archived, teams, tasks) in DEMO_PROJECTS.items():
        project, _ = Project.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "client": clients.get(client),
                "billable": billable,
                "archived": archived,
                "hourly_rate": 95 if billable else 0,
            },
        )
        project.teams.set(Team.objects.filter(name__in=teams))
        for task in tasks:
            Task.objects.get_or_create(project=project, name=task)


def _day_plan(rng: random.Random, day) -> list[tuple[time, time]]:
    """A morning and an afternoon around lunch, 7.5 to 8.5 hours in all."""
    start = time(8, rng.choice([0, 15, 30, 45]))
    lunch = time(12, rng.choice([0, 15, 30]))
    back = (datetime.combine(day, lunch) + timedelta(minutes=rng.choice([30, 45, 60]))).time()
    worked_before_lunch = datetime.combine(day, lunch) - datetime.combine(day, start)
    total = timedelta(minutes=rng.choice(range(450, 511, 15)))
    end = (datetime.combine(day, back) + total - worked_before_lunch).time()
    return [(start, lunch), (back, end)]


def _weeks_log(user: User, weeks: list, rng: random.Random) -> int:
    projects = list(Project.objects.filter(archived=False).order_by("code"))
    projects = [p for p in projects if not p.teams.exists() or p.teams.filter(pk=user.team_id).exists()]
    tz = user.tzinfo
    created = 0
    for week_start in weeks:
        for offset in range(5):
            day = week_start + timedelta(days=offset)
            for start, end in _day_plan(rng, day):
                project = rng.choice(projects)
                tasks = list(project.tasks.filter(archived=False))
                task = rng.choice(tasks) if tasks else None
                services.time_entry_create(
                    actor=user,
                    project=project,
                    task=task,
                    start=datetime.combine(day, start, tzinfo=tz).astimezone(UTC),
                    end=datetime.combine(day, end, tzinfo=tz).astimezone(UTC),
                    description=f"{task.name if task else 'Work'} on {project.name}",
                )
                created += 1
    return created


def _weeks_decide(user: User, manager: User, weeks: list, *, submit_last: bool) -> None:
    """Approve every week but the last; the last is submitted (awaiting approval) or left open."""
    for week_start in weeks[:-1]:
        timesheet = Timesheet.objects.get(user=user, week_start=week_start)
        services.timesheet_submit(timesheet_id=timesheet.pk, actor=user)
        services.timesheet_approve(timesheet_id=timesheet.pk, actor=manager)
    if submit_last:
        timesheet = Timesheet.objects.get(user=user, week_start=weeks[-1])
        services.timesheet_submit(timesheet_id=timesheet.pk, actor=user)


def seed_demo_time(stdout) -> None:
    _catalogue_upsert()
    now = timezone.now()
    people = seeded = 0
    for team_name, spec in DEMO_TEAMS.items():
        team = Team.objects.get(name=team_name)
        manager = team.managers.order_by("pk").first()
        for email, *_ in spec["members"]:
            user = User.objects.get(email=email)
            if TimeEntry.objects.filter(user=user).exists():
                continue
            this_monday = periods.week_start_of(timezone.localdate(now, user.tzinfo))
            weeks = [this_monday - timedelta(weeks=back) for back in range(WEEKS, 0, -1)]
            try:
                with transaction.atomic():
                    seeded += _weeks_log(user, weeks, random.Random(email))
                    _weeks_decide(user, manager, weeks, submit_last=email == "alice@example.com")
            except DomainError as error:  # e.g. a payroll lock set in this database
                stdout.write(f"  Time: skipped {email}: {error.detail}")
                continue
            people += 1
    stdout.write(f"Time: {len(DEMO_PROJECTS)} projects; {seeded} entries logged for {people} new people.")
