"""Demo time data for `seed_demo`: clients, projects and tasks, and four past weeks of work
for each demo employee, logged and approved through the services like real use: days typed
into the week grid are hours without times (duration entries), days recorded with times are
clocked 08:00-16:30 with a 30-minute break (or a morning and an afternoon around lunch), so
the compliance page shows no invented violations. Alice's last week, submitted and waiting
for Bob, ends early on Friday and carries her comment.

Idempotent: the catalogue is upserted by name/code, and a person who already has entries
gets no new ones, so running it again creates nothing twice.
"""

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

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


# The share of demo days typed into the week grid as hours without times.
GRID_DAY_SHARE = 0.15


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


def _pick(rng: random.Random, projects: list[Project]) -> tuple[Project, Task | None]:
    project = rng.choice(projects)
    tasks = list(project.tasks.filter(archived=False))
    return project, rng.choice(tasks) if tasks else None


def _what(project: Project, task: Task | None) -> str:
    return f"{task.name if task else 'Work'} on {project.name}"


def _grid_day(user: User, day: date, rng: random.Random, projects: list[Project], hours: Decimal) -> int:
    """A day typed into the week grid: hours per project, no times (duration entries)."""
    first = Decimal(rng.choice(["2", "3", "4.5", "5"])) if hours > 4 else hours
    parts = [first, hours - first] if hours > first else [first]
    written = 0
    used: set[tuple[int, int | None]] = set()
    for part in parts:
        project, task = _pick(rng, projects)
        while (project.pk, task.pk if task else None) in used:  # one duration entry per cell
            project, task = _pick(rng, projects)
        used.add((project.pk, task.pk if task else None))
        services.time_entry_day_hours_set(
            actor=user, project=project, task=task, day=day, hours=part, description=_what(project, task)
        )
        written += 1
    return written


def _clocked_day(user: User, day: date, rng: random.Random, projects: list[Project], hours: Decimal) -> int:
    """A day recorded with times: 08:00 to 16:30 with a real 30-minute break in one entry, or
    a morning and an afternoon around a 30- or 45-minute lunch (the gap is the break)."""
    tz = user.tzinfo

    def at(clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)

    worked = timedelta(hours=float(hours))
    start = at(time(8, 0))
    if rng.random() < 0.5:
        picked = project, task = _pick(rng, projects)
        pause = 30 if worked > timedelta(hours=6) else 0  # the law's break after 6 hours
        end = start + worked + timedelta(minutes=pause)
        services.time_entry_create(
            actor=user,
            project=project,
            task=task,
            start=start,
            end=end,
            break_minutes=pause,
            description=_what(*picked),
        )
        return 1
    lunch = at(time(12, 0))
    back = lunch + timedelta(minutes=rng.choice([30, 45]))
    for begin, finish in [(start, lunch), (back, back + worked - (lunch - start))]:
        project, task = _pick(rng, projects)
        services.time_entry_create(
            actor=user, project=project, task=task, start=begin, end=finish, description=_what(project, task)
        )
    return 2


# Alice's last week ends early on Friday; she says why when she submits it.
SHORT_FRIDAY = Decimal("4")
SHORT_WEEK_COMMENT = "Doctor's appointment on Friday afternoon."


def sick_day_of_dave(this_monday: date) -> date:
    """Dave was off sick last Wednesday: no work is logged that day, and leave's seed books
    the sick day (his last week is left open, so it can)."""
    return this_monday - timedelta(weeks=1) + timedelta(days=2)


def _weeks_log(user: User, weeks: list, rng: random.Random, *, short_last_friday: bool, day_off=None) -> int:
    """Eight hours a weekday: a few days typed into the grid as hours (duration entries),
    others clocked with start, end and a real break; nothing on `day_off`."""
    projects = list(Project.objects.filter(archived=False).order_by("code"))
    projects = [p for p in projects if not p.teams.exists() or p.teams.filter(pk=user.team_id).exists()]
    created = 0
    for week_start in weeks:
        for offset in range(5):
            day = week_start + timedelta(days=offset)
            hours = Decimal(8)
            if short_last_friday and week_start == weeks[-1] and offset == 4:
                hours = SHORT_FRIDAY
            # Both demo teams work under a German calendar, where the law asks for start and
            # end: most days are clocked, and the few typed into the grid as hours are the
            # compliance page's real "times not recorded" findings.
            write = _grid_day if rng.random() < GRID_DAY_SHARE else _clocked_day
            if day != day_off:
                created += write(user, day, rng, projects, hours)
    return created


def _weeks_decide(user: User, manager: User, weeks: list, *, submit_last: bool) -> None:
    """Approve every week but the last; the last is submitted (awaiting approval) or left open."""
    for week_start in weeks[:-1]:
        timesheet = Timesheet.objects.get(user=user, week_start=week_start)
        services.timesheet_submit(timesheet_id=timesheet.pk, actor=user)
        services.timesheet_approve(timesheet_id=timesheet.pk, actor=manager)
    if submit_last:
        timesheet = Timesheet.objects.get(user=user, week_start=weeks[-1])
        services.timesheet_submit(timesheet_id=timesheet.pk, actor=user, comment=SHORT_WEEK_COMMENT)


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
            if user.employment_start > weeks[0]:
                # They started with the demo's first week: expected hours (and the overtime
                # balance) count from then, not from before anything was logged.
                user.employment_start = weeks[0]
                user.save(update_fields=["employment_start"])
            try:
                with transaction.atomic():
                    seeded += _weeks_log(
                        user,
                        weeks,
                        random.Random(email),
                        short_last_friday=email == "alice@example.com",
                        day_off=sick_day_of_dave(this_monday) if email == "dave@example.com" else None,
                    )
                    _weeks_decide(user, manager, weeks, submit_last=email == "alice@example.com")
            except DomainError as error:  # e.g. a payroll lock set in this database
                stdout.write(f"  Time: skipped {email}: {error.detail}")
                continue
            people += 1
    stdout.write(f"Time: {len(DEMO_PROJECTS)} projects; {seeded} entries logged for {people} new people.")
