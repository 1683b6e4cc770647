"""The PostgreSQL store of `timeentries.services.bulk`: the checked entries are copied
(COPY, in batches, so memory stays flat) into a session's temporary staging table; the
checks between them and with stored entries are a few SQL statements over it, and the
write is one INSERT … SELECT. `bulk_memory` answers the same in Python."""

from django.db import connection
from django.utils import timezone

from timeentries.models import TimeEntry, Timesheet
from timeentries.services.bulk_staging import DayWork, OtherRow, StagedEntry

STAGING = "timeentries_entry_staging"
COLUMNS = (
    "line",
    "user_id",
    "project_id",
    "task_id",
    "kind",
    "day",
    "week_first",
    "week_last",
    "start",
    '"end"',
    "break_minutes",
    "duration",
    "description",
    "billable",
    "split",
)
BATCH = 5000
INSERT_BATCH = 10_000  # rows per INSERT … SELECT, so the new ids come back in batches too
DAYS = "timeentries_entry_day_staging"
ENTRY_TABLE = TimeEntry._meta.db_table
TIMESHEET_TABLE = Timesheet._meta.db_table

OVERLAPS_WITHIN = f"""
WITH ordered AS (
    SELECT line, user_id, start, "end",
           max("end") OVER (PARTITION BY user_id ORDER BY start, line
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM {STAGING} WHERE kind = 'clocked')
SELECT o.line, p.line, p.user_id, p.start, p."end"
FROM ordered o
CROSS JOIN LATERAL (
    SELECT line, user_id, start, "end" FROM {STAGING} p
    WHERE p.user_id = o.user_id AND p.kind = 'clocked' AND (p.start, p.line) < (o.start, o.line)
    ORDER BY p."end" DESC, p.start, p.line LIMIT 1) p
WHERE o.reach > o.start
ORDER BY o.line
"""  # noqa: S608 - table names from model metadata and a constant; no values

# The range is the exclusion constraint's own expression, so its GiST index answers.
OVERLAPS_STORED = f"""
SELECT s.line, e.id FROM {STAGING} s
CROSS JOIN LATERAL (
    SELECT e.id FROM {ENTRY_TABLE} e
    WHERE e.user_id = s.user_id AND e.kind = 'clocked'
      AND tstzrange(e.start, COALESCE(e."end", 'infinity'::timestamptz), '[)') && tstzrange(s.start, s."end", '[)')
    ORDER BY e.start, e.id LIMIT 1) e
WHERE s.kind = 'clocked' AND s.user_id IN (
    -- only the people with a stored entry somewhere in their rows' span are probed row by row
    SELECT r.user_id FROM (
        SELECT user_id, min(start) AS low, max("end") AS high FROM {STAGING} WHERE kind = 'clocked' GROUP BY user_id
    ) r
    WHERE EXISTS (
        SELECT 1 FROM {ENTRY_TABLE} e
        WHERE e.user_id = r.user_id AND e.kind = 'clocked'
          AND tstzrange(e.start, COALESCE(e."end", 'infinity'::timestamptz), '[)') && tstzrange(r.low, r.high, '[)')))
ORDER BY s.line
"""  # noqa: S608 - table names from model metadata and a constant; no values

LOCKED_WEEKS = f"""
SELECT DISTINCT ON (s.line) s.line, s.kind, t.id FROM {STAGING} s
JOIN {TIMESHEET_TABLE} t ON t.user_id = s.user_id AND t.week_start BETWEEN s.week_first AND s.week_last
WHERE t.status IN ('submitted', 'approved')
ORDER BY s.line, t.week_start
"""  # noqa: S608 - table names from model metadata and a constant; no values

# As `ensure_weeks_open` does for one entry: the weeks' timesheets stay locked until the
# write commits, so a week submitted meanwhile cannot slip between the check and the insert.
LOCK_WEEKS = f"""
SELECT t.id FROM {TIMESHEET_TABLE} t
JOIN (SELECT DISTINCT user_id, week_first, week_last FROM {STAGING}) s
  ON t.user_id = s.user_id AND t.week_start BETWEEN s.week_first AND s.week_last
ORDER BY t.id
FOR UPDATE OF t
"""  # noqa: S608 - table names from model metadata and a constant; no values

INSERT_ENTRIES = f"""
INSERT INTO {ENTRY_TABLE} (user_id, project_id, task_id, kind, day, start, "end", break_minutes, duration,
                           description, billable, created_at, updated_at)
SELECT user_id, project_id, task_id, kind, day, start, "end", break_minutes, duration, description, billable,
       %(now)s, %(now)s
FROM {STAGING} WHERE line BETWEEN %(first)s AND %(last)s ORDER BY line
RETURNING id
"""  # noqa: S608 - table names from model metadata and a constant; no values

INSERT_TIMESHEETS = f"""
INSERT INTO {TIMESHEET_TABLE} (user_id, week_start, status, submit_comment, decision_comment, created_at, updated_at)
SELECT s.user_id, week::date, 'open', '', '', %(now)s, %(now)s
FROM (SELECT DISTINCT user_id, week_first, week_last FROM {STAGING}) s,
     generate_series(s.week_first, s.week_last, interval '7 days') AS week
ON CONFLICT (user_id, week_start) DO NOTHING
"""  # noqa: S608 - table names from model metadata and a constant; no values


# Per person and local day: the set's work, and its last row's line, kind and share of it.
# An entry on one local day puts its whole worked time on it (`duration`); only the pieces of
# entries split at local midnight are staged apart.
DAY_TOTALS = f"""
WITH pieces AS (
    SELECT line, user_id, day, duration AS worked, kind = 'clocked' AS clocked FROM {STAGING} WHERE NOT split
    UNION ALL
    SELECT line, user_id, day, worked, clocked FROM {DAYS})
SELECT user_id, day, sum(worked), (array_agg(line ORDER BY line DESC))[1],
       (array_agg(clocked ORDER BY line DESC))[1], (array_agg(worked ORDER BY line DESC))[1]
FROM pieces GROUP BY user_id, day {{having}} ORDER BY user_id, day
"""  # noqa: S608 - a constant table name; the threshold is a parameter


class PostgresStore:
    def __init__(self):
        self.buffer: list[tuple] = []
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
            cursor.execute(
                f"CREATE TEMP TABLE {STAGING} (line integer PRIMARY KEY, user_id bigint NOT NULL, "
                "project_id bigint NOT NULL, task_id bigint, kind varchar(8) NOT NULL, day date NOT NULL, "
                'week_first date NOT NULL, week_last date NOT NULL, start timestamptz, "end" timestamptz, '
                "break_minutes integer NOT NULL, duration interval NOT NULL, description text NOT NULL, "
                "billable boolean NOT NULL, split boolean NOT NULL)"
            )
            cursor.execute(f"DROP TABLE IF EXISTS {DAYS}")
            cursor.execute(
                f"CREATE TEMP TABLE {DAYS} (line integer NOT NULL, user_id bigint NOT NULL, day date NOT NULL, "
                "worked interval NOT NULL, clocked boolean NOT NULL)"
            )
        self.pieces: list[tuple] = []

    def add(self, staged: StagedEntry) -> None:
        self.buffer.append(
            (
                staged.row,
                staged.user_id,
                staged.project_id,
                staged.task_id,
                staged.kind,
                staged.day,
                staged.weeks[0],
                staged.weeks[-1],
                staged.start,
                staged.end,
                staged.break_minutes,
                staged.duration,
                staged.description,
                staged.billable,
                len(staged.pieces) > 1,
            )
        )
        if len(staged.pieces) > 1:
            clocked = staged.is_clocked
            for day, worked in staged.pieces:
                self.pieces.append((staged.row, staged.user_id, day, worked, clocked))
        if len(self.buffer) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        with connection.cursor() as cursor:
            raw = cursor.connection.cursor()
            with raw.copy(f"COPY {STAGING} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for values in self.buffer:
                    copy.write_row(values)
            with raw.copy(f"COPY {DAYS} (line, user_id, day, worked, clocked) FROM STDIN") as copy:
                for values in self.pieces:
                    copy.write_row(values)
        self.buffer, self.pieces = [], []

    def day_totals(self, beyond=None):
        """`DayWork` per person and local day, streamed (all, or those over `beyond`)."""
        self.flush()
        having, params = ("HAVING sum(worked) > %s", [beyond]) if beyond is not None else ("", [])
        with connection.chunked_cursor() as cursor:
            cursor.execute(DAY_TOTALS.format(having=having), params)
            for user_id, day, worked, row, clocked, last in cursor:
                yield DayWork(user_id, day, worked, row, clocked, last)

    def _analyzed(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {STAGING}_user_start ON {STAGING} (user_id, start)")
            cursor.execute(f"ANALYZE {STAGING}")

    def _rows(self, sql: str) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def locked_weeks(self):
        self._analyzed()
        if connection.in_atomic_block:  # a write will follow: hold the weeks as they are checked
            self._rows(LOCK_WEEKS)
        rows = self._rows(LOCKED_WEEKS)
        timesheets = Timesheet.objects.in_bulk([timesheet_id for _, _, timesheet_id in rows])
        for row, kind, timesheet_id in rows:
            yield row, kind, timesheets[timesheet_id]

    def overlaps_stored(self):
        rows = self._rows(OVERLAPS_STORED)
        clashes = TimeEntry.objects.select_related("project", "task", "user").in_bulk([pk for _, pk in rows])
        for row, pk in rows:
            yield row, clashes[pk]

    def overlaps_within(self):
        for row, other_row, user_id, start, end in self._rows(OVERLAPS_WITHIN):
            yield row, OtherRow(other_row, user_id, start, end)

    def insert(self, created) -> None:
        self.flush()
        # Django's clock, as `auto_now` would stamp the rows (not the transaction's start).
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT min(line), max(line) FROM {STAGING}")  # noqa: S608 - a constant table name
            first, last = cursor.fetchone()
            for start in range(first or 0, (last or -1) + 1, INSERT_BATCH):
                cursor.execute(INSERT_ENTRIES, {"now": now, "first": start, "last": start + INSERT_BATCH - 1})
                created([pk for (pk,) in cursor.fetchall()])
            cursor.execute(INSERT_TIMESHEETS, {"now": now})

    def close(self) -> None:
        self.buffer, self.pieces = [], []
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
            cursor.execute(f"DROP TABLE IF EXISTS {DAYS}")
