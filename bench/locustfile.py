"""The load test's users (`make loadtest`, README "Load test"): staff, managers and
integrations on the bench data with think time between their requests (the mix), one user
class per list endpoint without think time (the saturation runs), and a /health-only user
for the floor.

`bench/loadtest.py` starts gunicorn, signs the bench accounts in and writes their credentials
to the JSON file named by LOADTEST_FIXTURE; each simulated user takes the next account of its
kind. Request names are the table's rows: the endpoint and who calls it, without ids, so
that every write of one kind is one row. LOADTEST_MAX_REQUESTS stops the run early (a cap on
top of locust's --run-time)."""

import itertools
import json
import os
import random
from datetime import date
from pathlib import Path

import gevent
from locust import HttpUser, between, constant, events, task

FIXTURE = json.loads(Path(os.environ["LOADTEST_FIXTURE"]).read_text()) if os.environ.get("LOADTEST_FIXTURE") else {}
MAX_REQUESTS = int(os.environ.get("LOADTEST_MAX_REQUESTS") or 0)
# Think time between one person's requests, "min,max" seconds (or one figure): someone reads
# the week or list they were shown before the next click. Integrations, scripts that store
# what they read before asking again, pause less. The saturation users and /health never
# pause: they measure throughput, not people.
PEOPLE_WAIT = os.environ.get("LOADTEST_WAIT") or "1,3"
INTEGRATION_WAIT = os.environ.get("LOADTEST_INTEGRATION_WAIT") or "0.5,1"
MARKER = "loadtest"  # the description of every entry the run writes (and deletes again)

_accounts = {kind: itertools.cycle(FIXTURE.get(kind) or [None]) for kind in ("staff", "managers", "integrations")}
_sent = itertools.count(1)
_environment: dict = {}


@events.init.add_listener
def remember_environment(environment, **_):
    _environment["environment"] = environment


@events.request.add_listener
def stop_at_the_request_cap(**_):
    if MAX_REQUESTS and next(_sent) == MAX_REQUESTS:
        runner = _environment["environment"].runner
        gevent.spawn(runner.quit)


@events.quit.add_listener
def write_result(**_):
    """The final figures, every request counted (locust's CSV is written before the last
    answers are in): per endpoint, response times by bucket and the errors."""
    if not os.environ.get("LOADTEST_RESULT"):
        return
    stats = _environment["environment"].runner.stats
    with open(os.environ["LOADTEST_RESULT"], "w") as handle:
        json.dump({"entries": stats.serialize_stats(), "errors": list(stats.serialize_errors().values())}, handle)


def think_time(figures: str):
    """locust's wait time from "min,max" seconds (uniform between) or one figure (constant)."""
    bounds = [float(part) for part in figures.split(",")]
    return between(bounds[0], bounds[1]) if len(bounds) == 2 else constant(bounds[0])


class FixtureUser(HttpUser):
    abstract = True
    wait_time = think_time(PEOPLE_WAIT)
    kind = ""

    def on_start(self):
        self.account = next(_accounts[self.kind])
        if self.account is None:
            raise RuntimeError(f"LOADTEST_FIXTURE has no {self.kind} accounts")
        self.session_headers = {"Cookie": f"sessionid={self.account['session']}"} if "session" in self.account else {}
        self.api_headers = {"Authorization": f"Bearer {self.account['token']}"}

    def page(self, url: str, name: str):
        return self.client.get(url, headers=self.session_headers, name=name, allow_redirects=False)

    def api_get(self, url: str, name: str):
        return self.client.get(url, headers=self.api_headers, name=name)


class Staff(FixtureUser):
    """Someone recording their own time: the week grid, their entries, typed hours, the timer."""

    weight = 6
    kind = "staff"

    def on_start(self):
        super().on_start()
        self.week, self.week_from, self.week_to = FIXTURE["week"], FIXTURE["week_from"], FIXTURE["week_to"]
        self.projects = self.account["projects"]

    @task(4)
    def week_grid(self):
        self.page(f"/timesheet/?week={self.week}", "page: week grid (staff)")

    @task(2)
    def own_week_entries(self):
        self.api_get(
            f"/api/v1/time-entries?from={self.week_from}&to={self.week_to}", "api: own entries of a week (staff)"
        )

    @task(2)
    def typed_hours(self):
        """A duration entry on today, as the grid's hours cell writes it, then removed again."""
        body = {"project": random.choice(self.projects), "day": date.today().isoformat(), "hours": "0.25"}
        body["description"] = MARKER
        created = self.client.post(
            "/api/v1/time-entries", json=body, headers=self.api_headers, name="api: create entry (staff)"
        )
        if created.status_code == 201:
            self.client.delete(
                f"/api/v1/time-entries/{created.json()['id']}", headers=self.api_headers, name="api: delete entry"
            )

    @task(1)
    def timer(self):
        body = {"project": random.choice(self.projects), "description": MARKER}
        started = self.client.post(
            "/api/v1/time-entries/timer/start", json=body, headers=self.api_headers, name="api: timer start (staff)"
        )
        if started.status_code not in (200, 201):
            return
        stopped = self.client.post(
            "/api/v1/time-entries/timer/stop", json={}, headers=self.api_headers, name="api: timer stop (staff)"
        )
        if stopped.status_code == 200:
            self.client.delete(
                f"/api/v1/time-entries/{stopped.json()['id']}", headers=self.api_headers, name="api: delete entry"
            )


class Manager(FixtureUser):
    """A team lead: the team's week, the approvals inbox, the team's month report, leave."""

    weight = 2
    kind = "managers"

    @task(3)
    def team_week(self):
        self.page(f"/timesheet/team/?week={FIXTURE['week']}", "page: team week (manager)")

    @task(2)
    def approvals_page(self):
        self.page("/approvals/", "page: approvals inbox (manager)")

    @task(1)
    def approvals_api(self):
        self.api_get("/api/v1/approvals", "api: approvals (manager)")

    @task(2)
    def team_month_report(self):
        self.api_get(
            f"/api/v1/reports/time?from={FIXTURE['month_from']}&to={FIXTURE['month_to']}&group_by=user,project",
            "api: team month report (manager)",
        )

    @task(1)
    def reports_page(self):
        self.page(
            f"/reports/?report=time&from={FIXTURE['month_from']}&to={FIXTURE['month_to']}&group_by=user,project",
            "page: reports (manager)",
        )

    @task(1)
    def leave_list(self):
        self.api_get("/api/v1/leave/requests", "api: leave requests (manager)")


class Integration(FixtureUser):
    """A script reading everything as an admin: with a personal access token or a JWT."""

    weight = 2
    kind = "integrations"
    wait_time = think_time(INTEGRATION_WAIT)

    pages = 1

    @task(4)
    def time_entry_pages(self):
        """Paging through everything, as a sync job does (within the pages there are)."""
        page = random.randint(1, self.pages)
        listed = self.api_get(
            f"/api/v1/time-entries?page={page}&page_size=100", "api: time entries list page (integration)"
        )
        if listed.status_code == 200:
            # Full pages only, one short of the last: the staff's writes add and remove
            # entries meanwhile, so the last page comes and goes.
            self.pages = max(1, min(20, listed.json()["count"] // 100 - 1))

    @task(2)
    def time_entries_of_a_month(self):
        self.api_get(
            f"/api/v1/time-entries?from={FIXTURE['week_from']}&to={FIXTURE['week_to']}&page_size=200",
            "api: time entries of a week, 200 a page (integration)",
        )

    @task(1)
    def people(self):
        self.api_get("/api/v1/users?page_size=100", "api: people list (integration)")

    @task(1)
    def month_export(self):
        self.api_get(
            f"/api/v1/reports/time?from={FIXTURE['month_from']}&to={FIXTURE['month_to']}&group_by=user,project"
            "&format=csv",
            "api: month report CSV export, all people (integration)",
        )


class Saturation(FixtureUser):
    """One list endpoint alone, each user sending its next request as soon as the last is
    answered: the endpoint's throughput, to set beside the /health floor's."""

    abstract = True
    wait_time = constant(0)


class SaturateTimeEntries(Saturation):
    """An admin paging through all time entries, 100 a page (as the mix's integrations)."""

    kind = "integrations"
    pages = 1

    @task
    def time_entry_pages(self):
        page = random.randint(1, self.pages)
        listed = self.api_get(f"/api/v1/time-entries?page={page}&page_size=100", "api: time entries list page (admin)")
        if listed.status_code == 200:
            self.pages = max(1, min(20, listed.json()["count"] // 100 - 1))


class SaturateMonthReport(Saturation):
    """An admin's month report of everyone, by person and project, as JSON."""

    kind = "integrations"

    @task
    def month_report(self):
        self.api_get(
            f"/api/v1/reports/time?from={FIXTURE['month_from']}&to={FIXTURE['month_to']}&group_by=user,project",
            "api: month report, all people (admin)",
        )


class SaturateLeaveList(Saturation):
    """Managers (each user another team's) reading their leave list."""

    kind = "managers"

    @task
    def leave_list(self):
        self.api_get("/api/v1/leave/requests", "api: leave requests (manager)")


class HealthCheck(HttpUser):
    """The floor: the cheapest request the app answers (database and Redis reachable)."""

    wait_time = constant(0)

    @task
    def health(self):
        self.client.get("/health", name="/health")
