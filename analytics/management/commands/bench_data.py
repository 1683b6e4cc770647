"""A deterministic bulk fixture for `manage.py bench`: people in teams, projects, years of
time entries and leave requests. It bypasses the services on purpose (it is a fixture, not
business activity), so auditlog is off while it writes."""

import os
import random
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from auditlog.context import disable_auditlog
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from leave.models import LeaveLedgerEntry, LeaveRequest, LeaveType
from timeentries.models import Project, TimeEntry
from users.models import Contract, Team, User

BENCH_DOMAIN = "@bench.example"
BENCH_PASSWORD = "bench-password"  # a fixture password on bench-only accounts
ADMIN_EMAIL = f"bench-admin{BENCH_DOMAIN}"
WRITER_EMAIL = f"bench-writer{BENCH_DOMAIN}"
TEAM_PREFIX = "Bench team "
PROJECT_PREFIX = "BENCH-"
LEAVE_TYPE_CODE = "bench-leave"
# Fixed, so that the same seed gives the same rows whatever day it runs.
PERIOD_END = datetime(2026, 10, 1, tzinfo=UTC)
PERIOD_START = datetime(2021, 10, 1, tzinfo=UTC)  # five years: the leave requests' span, and the entries' at 1M
# A table grows by history, not by denser days: BENCH_ENTRIES above this many spread over
# proportionally more years (10,000,000 over 50), so a month, a person's month and a team's
# month hold as many entries at any size, and the benchmark shows what the table's size costs.
ENTRIES_PER_FIVE_YEARS = 1_000_000
MIN_ENTRY = 15 * 60
MAX_ENTRY = 8 * 3600
BIG_TEAM_SIZE = 50
DURATION_SHARE = 0.3  # the share of duration entries (hours typed in the grid); the rest are clocked


def default_entries() -> int:
    return int(os.environ.get("BENCH_ENTRIES") or 1_000_000)


def bench_users():
    return User.objects.filter(email__endswith=BENCH_DOMAIN)


class Command(BaseCommand):
    help = "Create benchmark data: people in teams, projects, N time entries over 5 years, leave requests."

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=None, help="default: $BENCH_ENTRIES or 1,000,000")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--years",
            type=int,
            default=None,
            help=f"years of entries up to {PERIOD_END:%Y-%m-%d}; default 5, more for over "
            f"{ENTRIES_PER_FIVE_YEARS:,} entries (5 per {ENTRIES_PER_FIVE_YEARS:,})",
        )
        parser.add_argument("--users", type=int, default=1000)
        parser.add_argument("--teams", type=int, default=40)
        parser.add_argument("--projects", type=int, default=200)
        parser.add_argument("--leave-requests", type=int, default=20000)
        parser.add_argument("--leave-people", type=int, default=200)
        parser.add_argument("--reset", action="store_true", help=f"delete earlier bench data (users *{BENCH_DOMAIN})")

    def handle(self, *args, **options):
        entries = options["entries"] if options["entries"] is not None else default_entries()
        if options["teams"] < 1 or options["users"] < 2 * options["teams"]:
            raise CommandError("Need at least one team and two people per team.")
        if options["reset"]:
            self.reset()
        elif bench_users().exists():
            raise CommandError(f"Bench data exists already; pass --reset to replace it (users *{BENCH_DOMAIN}).")
        years = options["years"] or max(5, round(5 * entries / ENTRIES_PER_FIVE_YEARS))
        if years < 1:
            raise CommandError("--years must be at least 1.")
        self.period_start = PERIOD_END.replace(year=PERIOD_END.year - years)
        rng = random.Random(options["seed"])
        with disable_auditlog(), transaction.atomic():
            people, teams = self.create_people(rng, options["users"], options["teams"])
            projects = self.create_projects(rng, options["projects"])
            written = self.create_entries(rng, people, projects, entries)
            leave = self.create_leave(rng, people, options["leave_people"], options["leave_requests"])
        if connection.vendor == "postgresql":
            # Fresh statistics, as autovacuum would gather them on a live database; without
            # them the planner guesses from defaults and picks plans no production sees.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            f"bench data: {len(people)} people in {len(teams)} teams, {len(projects)} projects, "
            f"{written} time entries over {years} years, {leave} leave requests"
        )

    def reset(self):
        users = bench_users()
        with disable_auditlog(), transaction.atomic():
            # Plain DELETEs: the ORM's delete() would load each row and send its signals
            # (search indexing), which takes minutes for a million fixture rows.
            for model in (TimeEntry, LeaveLedgerEntry, LeaveRequest, Contract):
                rows = model.objects.filter(user_id__in=users.values("pk"))
                rows._raw_delete(rows.db)
            Team.objects.filter(name__startswith=TEAM_PREFIX).delete()
            Project.objects.filter(code__startswith=PROJECT_PREFIX).delete()
            users.delete()
            LeaveType.objects.filter(code=LEAVE_TYPE_CODE).delete()

    def create_people(self, rng: random.Random, count: int, team_count: int):
        password = make_password(BENCH_PASSWORD)
        now = timezone.now()
        teams = Team.objects.bulk_create([Team(name=f"{TEAM_PREFIX}{n:02d}") for n in range(team_count)])
        # Team 0 is the big one (BIG_TEAM_SIZE people, for the manager's team report).
        big = min(BIG_TEAM_SIZE, max(2, count // 4)) if team_count > 1 else count
        users = []
        managers_seen = set()
        for index in range(count):
            team_index = 0 if index < big else 1 + (index - big) % (team_count - 1)
            is_manager = team_index not in managers_seen
            managers_seen.add(team_index)
            role = User.Role.MANAGER if is_manager else User.Role.EMPLOYEE
            users.append(
                User(
                    email=f"{'manager' if is_manager else 'person'}{index:05d}{BENCH_DOMAIN}",
                    first_name=f"First{index:05d}",
                    last_name=f"Last{rng.randrange(100_000):05d}",
                    password=password,
                    role=role,
                    is_staff=is_manager,
                    team=teams[team_index],
                    weekly_contract_hours=Decimal(rng.choice([20, 30, 40, 40, 40])),
                    date_joined=now,
                )
            )
        special = [
            User(email=ADMIN_EMAIL, first_name="Bench", last_name="Admin", password=password, role=User.Role.ADMIN),
            User(email=WRITER_EMAIL, first_name="Bench", last_name="Writer", password=password, team=teams[0]),
        ]
        for user in special:
            user.is_staff = user.role == User.Role.ADMIN
            user.is_superuser = user.is_staff
            user.date_joined = now
        for user in users + special:  # employed long before the generated time and leave
            user.employment_start = date(min(now.year - 6, self.period_start.year), 1, 1)
        User.objects.bulk_create(users + special, batch_size=2000)
        Contract.objects.bulk_create(
            [
                Contract(
                    user=user,
                    valid_from=user.employment_start,
                    weekly_hours=user.weekly_contract_hours,
                    work_days=user.work_days,
                )
                for user in bench_users().only("id", "employment_start", "weekly_contract_hours", "work_days")
            ],
            batch_size=2000,
        )
        saved = {user.email: user for user in bench_users().only("id", "email", "role", "team_id", "timezone")}
        people = [saved[user.email] for user in users]
        Team.managers.through.objects.bulk_create(
            [Team.managers.through(team_id=p.team_id, user_id=p.pk) for p in people if p.role == User.Role.MANAGER]
        )
        return people, teams

    def create_projects(self, rng: random.Random, count: int):
        projects = [
            Project(
                name=f"Bench project {n:03d}",
                code=f"{PROJECT_PREFIX}{n:03d}",
                billable=rng.random() < 0.8,
                hourly_rate=Decimal(rng.randrange(40, 160)),
            )
            for n in range(count)
        ]
        Project.objects.bulk_create(projects)
        return list(Project.objects.filter(code__startswith=PROJECT_PREFIX).order_by("code"))

    def entry_rows(self, rng: random.Random, people, projects, total: int):
        """(user_id, project_id, kind, day, start, end, break_minutes, duration, billable):
        each person's share of `total` spread over the period (five years up to 1,000,000), one entry per equal slot, so
        no two entries of a person overlap. About DURATION_SHARE of them are duration entries
        (hours on the slot's local day, no times, as the week grid writes them); clocked
        entries longer than six hours have a 30-minute break."""
        span = (PERIOD_END - self.period_start).total_seconds()
        base, extra = divmod(total, len(people))
        for position, person in enumerate(people):
            count = base + (1 if position < extra else 0)
            if not count:
                continue
            slot = span / count
            favourites = rng.sample(projects, min(len(projects), 8))
            tz = person.tzinfo
            for n in range(count):
                length = rng.randint(MIN_ENTRY, max(MIN_ENTRY, min(MAX_ENTRY, int(slot) - 1)))
                offset = rng.randint(0, max(0, int(slot) - length))
                start = self.period_start + timedelta(seconds=int(n * slot) + offset)
                project = rng.choice(favourites)
                billable = project.billable and rng.random() < 0.9
                day = start.astimezone(tz).date()
                if rng.random() < DURATION_SHARE:
                    kind, start, end, pause = TimeEntry.Kind.DURATION, None, None, 0
                    worked = timedelta(seconds=length)
                else:
                    kind, end = TimeEntry.Kind.CLOCKED, start + timedelta(seconds=length)
                    pause = 30 if length > 6 * 3600 else 0
                    worked = timedelta(seconds=length - pause * 60)
                yield person.pk, project.pk, kind, day, start, end, pause, worked, billable

    def create_entries(self, rng, people, projects, total: int) -> int:
        now = timezone.now()
        rows = self.entry_rows(rng, people, projects, total)
        if connection.vendor == "postgresql":
            table = TimeEntry._meta.db_table
            columns = (
                '(user_id, project_id, kind, day, start, "end", break_minutes, duration, billable, description, '
                "created_at, updated_at)"
            )
            written = 0
            with connection.cursor() as cursor, indexes_set_aside(cursor, table, self.stdout):
                raw = cursor.connection.cursor()
                with raw.copy(f"COPY {table} {columns} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row((*row, "", now, now))
                        written += 1
            return written
        batch: list[TimeEntry] = []
        written = 0
        for user_id, project_id, kind, day, start, end, pause, worked, billable in rows:
            batch.append(
                TimeEntry(
                    user_id=user_id,
                    project_id=project_id,
                    kind=kind,
                    day=day,
                    start=start,
                    end=end,
                    break_minutes=pause,
                    duration=worked,
                    billable=billable,
                    created_at=now,
                )
            )
            if len(batch) >= 20_000:
                written += len(TimeEntry.objects.bulk_create(batch))
                batch = []
        written += len(TimeEntry.objects.bulk_create(batch))
        return written

    def create_leave(self, rng: random.Random, people, people_count: int, total: int) -> int:
        leave_type, _ = LeaveType.objects.get_or_create(
            code=LEAVE_TYPE_CODE,
            defaults={"name": "Bench leave", "annual_allowance": Decimal(30), "allow_negative": True},
        )
        staff = [p for p in people if p.role == User.Role.EMPLOYEE][:people_count]
        if not staff or not total:
            return 0
        first_day, days = PERIOD_START.date(), (PERIOD_END - PERIOD_START).days
        base, extra = divmod(total, len(staff))
        requests = []
        for position, person in enumerate(staff):
            count = base + (1 if position < extra else 0)
            slot = max(1, days // max(1, count))
            for n in range(count):
                start = first_day + timedelta(days=n * slot + rng.randrange(max(1, slot - 3)))
                length = rng.randint(1, min(3, slot))
                # The last request of each person waits for a decision; the rest are history.
                status = LeaveRequest.Status.PENDING if n == count - 1 else LeaveRequest.Status.APPROVED
                if status == LeaveRequest.Status.PENDING:
                    # Asked ahead, after the generated entries: approving it must not meet
                    # worked time on its days, which the approval refuses (bench f approves one).
                    start = PERIOD_END.date() + timedelta(days=7 + rng.randrange(28))
                requests.append(
                    LeaveRequest(
                        user_id=person.pk,
                        leave_type=leave_type,
                        start_date=start,
                        end_date=start + timedelta(days=length - 1),
                        working_days=Decimal(length),
                        hours=Decimal(length * 8),
                        status=status,
                    )
                )
        LeaveRequest.objects.bulk_create(requests, batch_size=5000)
        return len(requests)


@contextmanager
def indexes_set_aside(cursor, table: str, stdout):
    """Drop the table's secondary indexes, foreign keys and exclusion constraints while
    millions of rows are copied in, and build them again afterwards from their own
    definitions (whatever the migrations made them). One sorted build is several times
    faster than growing each index row by row, and a foreign key added to a full table is
    checked with one join instead of one deferred trigger per row (ten million queued
    trigger events would not fit in memory). The caller's transaction covers both steps, so
    a failure leaves the table as it was; a rebuilt constraint checks every row."""
    cursor.execute(
        """SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)""",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE conrelid = %s::regclass AND contype IN ('f', 'u', 'x') ORDER BY contype, conname""",
        [table],
    )
    constraints = cursor.fetchall()
    # Dropping or adding a foreign key alters the referenced tables too, which PostgreSQL
    # refuses while their deferred checks (of the people and projects just written) wait.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    started = time.perf_counter()
    yield
    copied = time.perf_counter()
    # Room for the sorts of the index builds, for this transaction only.
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for _, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back to Django's deferred foreign keys
    stdout.write(
        f"time entries: copied in {copied - started:.0f} s, {len(indexes)} indexes and "
        f"{len(constraints)} constraints rebuilt in {time.perf_counter() - copied:.0f} s"
    )


def month_with_data() -> tuple[date, date]:
    """The last full month of bench entries."""
    last = (PERIOD_END - timedelta(days=1)).date()
    return last.replace(day=1), last
