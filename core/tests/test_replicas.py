"""Read replicas against a real streaming replica of the test database's cluster.

`scripts/replica-up.sh` (run by .ci/run) makes one on port 5433 and TEST_REPLICA_URL points
at it; without it these tests skip. The replica replays the primary's whole cluster, so it
holds a copy of the test database pytest created there, under the same name: the tests read
that copy. Data must be committed to reach it, so the tests are transactional.

To tell which database answered, a test pauses the replica's replay and then writes on the
primary: a replica answers without the new row, the primary with it. Nothing else can make
those two answers differ.
"""

import csv
import fcntl
import io
import logging
import os
import time
from copy import deepcopy
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import environ
import pytest
from django.conf import settings
from django.db import connections, transaction

from analytics import tasks
from analytics.exports import report_table
from analytics.models import Export
from analytics.queries import report_query
from core.audit import audit_event_record
from timeentries.models import TimeEntry

REPLICA_URL = os.environ.get("TEST_REPLICA_URL", "")
ENABLED = bool(REPLICA_URL and settings.DATABASE_IS_POSTGRES)
REPLICA, UNREACHABLE = "streaming_replica", "unreachable_replica"
LOCK_FILE = "/tmp/timetracker-replica-tests.lock"  # one lock for every pytest worker here
TIME_REPORT = "/api/v1/reports/time"
WEEK = date.today() - timedelta(days=14 + date.today().weekday())  # the Monday two weeks ago
REPORT_PARAMS = {"from": WEEK.isoformat(), "to": (WEEK + timedelta(days=6)).isoformat(), "group_by": "user"}
ENTRIES = "/api/v1/time-entries"

pytestmark = [
    pytest.mark.skipif(
        not ENABLED,
        reason="needs PostgreSQL and a streaming replica of its cluster (TEST_REPLICA_URL; scripts/replica-up.sh)",
    ),
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA, UNREACHABLE] if ENABLED else ["default"]),
]


def _sql(alias: str, sql: str, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def replica_catches_up(timeout: float = 30) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    target = _sql("default", "SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while not _sql(REPLICA, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
        assert time.monotonic() < deadline, f"the replica did not replay up to {target} in {timeout} s"
        time.sleep(0.05)


def pause_replay() -> None:
    replica_catches_up()
    _sql(REPLICA, "SELECT pg_wal_replay_pause()::text")
    while _sql(REPLICA, "SELECT pg_get_wal_replay_pause_state()") != "paused":
        time.sleep(0.02)


def resume_replay() -> None:
    _sql(REPLICA, "SELECT pg_wal_replay_resume()::text")


def _replica_database(url: str) -> dict:
    """The primary's connection settings on `url`'s server, a test mirror of the test database:
    what settings.py makes of each DATABASE_REPLICA_URLS entry."""
    database = deepcopy(connections.settings["default"])
    where = environ.Env.db_url_config(url)
    database.update({key: where[key] for key in ("HOST", "PORT", "USER", "PASSWORD")})
    database["TEST"] = {**database["TEST"], "MIRROR": "default", "NAME": None}
    return database


# Known before the test databases are set up, so that Django points them at the test
# database's name (as a mirror) and lets these tests, which name them, use them.
if ENABLED:
    connections.settings[REPLICA] = _replica_database(REPLICA_URL)
    connections.settings[UNREACHABLE] = _replica_database("postgres://postgres@127.0.0.1:1/nothing-listens-here")


@pytest.fixture
def replica(transactional_db, settings):
    """The streaming replica as the only read replica, measured on every scope. One test at a
    time on this machine (pausing replay pauses it for every pytest worker's database)."""
    with open(LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        settings.DATABASE_REPLICAS = [REPLICA]
        settings.REPLICA_CHECK_SECONDS = 0
        settings.REPLICA_MAX_LAG_SECONDS = 3600  # a paused replica still serves, unless a test says otherwise
        try:
            resume_replay()  # should a killed run have left it paused
            replica_catches_up()
            yield
        finally:
            resume_replay()  # always: a replica left paused would stall every later test
            connections[REPLICA].close()
            fcntl.flock(lock, fcntl.LOCK_UN)


def at(day: int, hour: int) -> str:
    """`day` days after WEEK's Monday at `hour`:00 UTC, as the API takes it."""
    return datetime.combine(WEEK + timedelta(days=day), datetime.min.time(), UTC).replace(hour=hour).isoformat()


class AlicesWeek:
    """Alice's committed work in WEEK: 2 hours to begin with; `more()` adds 3 hours on the
    primary only, with no request (so nobody "just wrote" for read-your-writes)."""

    def __init__(self, alice, project):
        self.alice, self.project = alice, project
        self.entry(1, 2)

    def entry(self, day: int, hours: int) -> TimeEntry:
        return TimeEntry.objects.create(
            user=self.alice,
            project=self.project,
            start=datetime.fromisoformat(at(day, 8)),
            end=datetime.fromisoformat(at(day, 8 + hours)),
            description="harbour crane",
        )

    def more(self) -> TimeEntry:
        return self.entry(2, 3)


@pytest.fixture
def alices_week(alice, acme):
    return AlicesWeek(alice, acme)


def hours_in_report(client) -> Decimal:
    response = client.get(TIME_REPORT, REPORT_PARAMS)
    assert response.status_code == 200, response.content
    return Decimal(response.json()["totals"]["hours"])


def test_the_replica_is_a_standby_of_the_test_database(replica):
    assert _sql(REPLICA, "SELECT pg_is_in_recovery()") is True
    assert _sql(REPLICA, "SELECT current_database()") == connections["default"].settings_dict["NAME"]


def test_a_report_reads_the_replica_and_sees_new_rows_once_replayed(replica, api, bob, alices_week):
    pause_replay()
    alices_week.more()

    assert TimeEntry.objects.filter(user__email="alice@example.com").count() == 2  # the primary has both
    assert hours_in_report(api(bob)) == Decimal("2.00")  # the replica: not yet

    resume_replay()
    replica_catches_up()
    assert hours_in_report(api(bob)) == Decimal("5.00")


def test_the_reports_page_and_a_direct_download_read_the_replica(replica, client, api, bob, alices_week):
    pause_replay()
    alices_week.more()

    client.force_login(bob)
    page = client.get("/reports/", {**REPORT_PARAMS, "report": "time", "group_by": "day"})
    assert page.status_code == 200
    assert page.context["table"]["row_count"] == 1  # the primary has entries on two days
    download = api(bob).get(TIME_REPORT, {**REPORT_PARAMS, "format": "csv"})
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert [row["Hours"] for row in rows] == ["2.00"]


def test_reads_outside_a_scope_go_to_the_primary(replica, api, bob, alice, alices_week):
    """The time-entry list is not a replica read: it sees the entry the paused replica lacks."""
    pause_replay()
    alices_week.more()

    assert hours_in_report(api(bob)) == Decimal("2.00")
    listed = api(bob).get(ENTRIES, {"user": alice.pk})
    assert listed.status_code == 200 and listed.json()["count"] == 2


def test_dashboard_search_and_audit_list_read_the_replica(replica, api, bob, carol, alices_week):
    pause_replay()
    alices_week.more()
    audit_event_record(action="replica_probe", actor=carol)

    assert widget_hours(api(bob)) == 2  # the primary has 5
    found = api(bob).get("/api/v1/search", {"q": "harbour", "types": "time_entry"})
    assert found.status_code == 200 and found.json()["count"] == 1  # the primary would find 2
    events = api(carol).get("/api/v1/audit-logs", {"action": "replica_probe"})
    assert events.status_code == 200 and events.json()["count"] == 0

    resume_replay()
    replica_catches_up()
    assert api(bob).get("/api/v1/search", {"q": "harbour", "types": "time_entry"}).json()["count"] == 2
    assert api(carol).get("/api/v1/audit-logs", {"action": "replica_probe"}).json()["count"] == 1


def widget_hours(client) -> float:
    widget = client.get("/api/v1/analytics/widgets/hours_per_week", {"range_days": 30})
    assert widget.status_code == 200, widget.content
    return sum(sum(dataset["data"]) for dataset in widget.json()["datasets"])


def test_a_widget_read_from_a_replica_is_cached_no_longer_than_the_lag_allowed(
    replica, settings, api, bob, alices_week
):
    """Its cache key carries the data version of the moment before the read, which the
    replica may not have reached yet: the widget must not keep its old hours for the cache's
    usual five minutes."""
    settings.REPLICA_MAX_LAG_SECONDS = 5
    pause_replay()
    alices_week.more()
    assert widget_hours(api(bob)) == 2  # the replica, within 5 s of its last replayed transaction

    resume_replay()
    replica_catches_up()
    assert widget_hours(api(bob)) == 2  # from the cache
    time.sleep(5.1)
    assert widget_hours(api(bob)) == 5


def test_a_report_inside_a_transaction_on_the_primary_reads_that_transaction(replica, bob, alices_week):
    """A service that reports inside its own transaction (a closing's snapshot, say) must see
    what it wrote: the replica never has that yet, whatever its lag."""
    pause_replay()
    query = report_query("time", REPORT_PARAMS, actor=bob)
    with transaction.atomic():
        alices_week.more()
        _, result = report_table(query, actor=bob)
    assert result["totals"]["hours"] == Decimal("5.00")


@pytest.mark.usefixtures("media_in_tmp")
def test_an_export_reads_the_replica_and_writes_its_result_on_the_primary(replica, bob, alices_week):
    """The task reads the report on the replica (which holds the export's row but not the
    newer entry) and saves file and status on the primary: a write to the replica would fail."""
    export = Export.objects.create(owner=bob, report="time", format="csv", params=REPORT_PARAMS)
    pause_replay()
    alices_week.more()

    assert tasks.export_run(export.pk) == "done"
    export.refresh_from_db()
    assert export.status == "done"
    rows = list(csv.DictReader(io.StringIO(export.file.read().decode())))
    assert [row["Hours"] for row in rows] == ["2.00"]


@pytest.mark.usefixtures("media_in_tmp")
def test_an_export_asked_for_after_the_replica_stopped_reads_the_primary(replica, bob, alices_week):
    pause_replay()
    alices_week.more()
    export = Export.objects.create(owner=bob, report="time", format="csv", params=REPORT_PARAMS)

    assert tasks.export_run(export.pk) == "done"
    export.refresh_from_db()
    assert [row["Hours"] for row in csv.DictReader(io.StringIO(export.file.read().decode()))] == ["5.00"]


def test_who_just_wrote_reads_the_primary_for_a_while(replica, settings, api, alice, bob, acme, alices_week):
    settings.REPLICA_READ_YOUR_WRITES_SECONDS = 2
    pause_replay()

    wrote = api(alice).post(ENTRIES, {"project": acme.pk, "start": at(3, 8), "end": at(3, 12)})
    assert wrote.status_code == 201, wrote.json()

    assert hours_in_report(api(alice)) == Decimal("6.00")  # her own write, from the primary
    assert hours_in_report(api(bob)) == Decimal("2.00")  # bob wrote nothing: the replica
    time.sleep(2.5)
    assert hours_in_report(api(alice)) == Decimal("2.00")  # the window has passed: the replica again


def test_a_failed_write_does_not_send_the_writer_to_the_primary(replica, api, alice, acme, alices_week):
    pause_replay()
    refused = api(alice).post(ENTRIES, {"project": acme.pk, "start": at(3, 8), "end": at(3, 7)})
    assert refused.status_code == 400
    alices_week.more()

    assert hours_in_report(api(alice)) == Decimal("2.00")


def test_a_replica_lagging_more_than_the_limit_is_skipped(replica, settings, api, bob, alices_week, caplog):
    pause_replay()
    alices_week.more()
    settings.REPLICA_MAX_LAG_SECONDS = 1
    time.sleep(1.5)  # the last transaction the replica replayed committed longer ago than that

    with caplog.at_level(logging.WARNING, logger="core.replicas"):
        assert hours_in_report(api(bob)) == Decimal("5.00")  # the primary
    assert "behind the primary" in caplog.text

    settings.REPLICA_MAX_LAG_SECONDS = 3600
    assert hours_in_report(api(bob)) == Decimal("2.00")  # the same replica, now within the limit


def test_health_reports_a_lagging_replica_and_stays_healthy(replica, settings, anon, alices_week):
    pause_replay()
    alices_week.more()
    settings.REPLICA_MAX_LAG_SECONDS = 1
    time.sleep(1.5)  # the last transaction the replica replayed committed longer ago than that

    response = anon.get("/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"  # reads go to the primary
    assert response.json()["replicas"][REPLICA].startswith("lagging: ")

    resume_replay()
    replica_catches_up()
    assert anon.get("/health").json()["replicas"] == {REPLICA: "ok"}


def test_an_unreachable_replica_is_skipped_and_a_reachable_one_used(replica, settings, api, bob, alices_week, caplog):
    settings.DATABASE_REPLICAS = [UNREACHABLE]
    pause_replay()
    alices_week.more()
    with caplog.at_level(logging.WARNING, logger="core.replicas"):
        assert hours_in_report(api(bob)) == Decimal("5.00")  # nothing but the primary left
    assert f"{UNREACHABLE} unavailable (OperationalError" in caplog.text

    settings.DATABASE_REPLICAS = [UNREACHABLE, REPLICA]
    for _ in range(6):  # chosen at random among the usable ones: only ever the live one
        assert hours_in_report(api(bob)) == Decimal("2.00")
