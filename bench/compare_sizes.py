"""Does a bigger table cost the reads that look at a fixed window? The README's 10M table:
the same three reads on two bench databases (e.g. 1,000,000 and 10,000,000 entries, made by
`manage.py bench_data`, which spreads a bigger table over more years so a month holds as
many entries at any size), measured in turns — small, big, small, big … — so that the other
jobs on a shared machine weigh on both alike.

    python bench/compare_sizes.py postgres://…/bench_1m postgres://…/bench_10m [--rounds 3]

The reads (as `manage.py bench` measures a and b: Django's test client in-process, medians):
a) the month's time report by user x project as an admin, b) the big team's month as its
manager, u) a person's own entries of a month (the API list, 200 a page); a and b also as
their raw SQL. Writes bench/size_results.json and prints a table."""

import argparse
import json
import os
import statistics
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
MEASURES = ("a_month_report_admin", "a_raw_sql", "b_team_month_manager", "b_raw_sql", "u_person_month_entries")


def measure(repeat: int) -> dict:
    """One turn on the database of DATABASE_URL: each read's median of `repeat` (ms)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.db import connection

    from analytics.management.commands.bench import Command, median_time
    from analytics.management.commands.bench_data import ADMIN_EMAIL, BENCH_DOMAIN, TEAM_PREFIX, month_with_data
    from timeentries.models import TimeEntry
    from users.models import User

    bench = Command()
    admin = User.objects.get(email=ADMIN_EMAIL)
    manager = User.objects.get(role=User.Role.MANAGER, team__name=f"{TEAM_PREFIX}00", email__endswith=BENCH_DOMAIN)
    person = (
        User.objects.filter(role=User.Role.EMPLOYEE, email__endswith=BENCH_DOMAIN, team__name=f"{TEAM_PREFIX}01")
        .order_by("email")
        .first()
    )
    first, last = month_with_data()
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    report = f"/api/v1/reports/time?from={first}&to={last}&group_by=user,project&tz=UTC"
    reads = {
        "a_month_report_admin": (bench.client_for(admin), report),
        "b_team_month_manager": (bench.client_for(manager), report),
        "u_person_month_entries": (
            bench.client_for(person),
            f"/api/v1/time-entries?from={first}&to={last}&page_size=200",
        ),
    }
    results, sizes = {}, {}
    for name, (client, url) in reads.items():
        bench.get(client, url)  # warm-up: session, caches, plans
        results[name] = median_time(lambda client=client, url=url: bench.get(client, url), repeat) * 1000
        body = bench.get(client, url).content
        sizes[name] = len(body)
    for name, team_id in (("a_raw_sql", None), ("b_raw_sql", manager.team_id)):
        bench.raw_time_report(start, end, team_id)
        results[name] = median_time(lambda team_id=team_id: bench.raw_time_report(start, end, team_id), repeat) * 1000
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [TimeEntry._meta.db_table])
        entries = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FROM timeentries_timeentry WHERE day BETWEEN %s AND %s",
            [first, last],
        )
        month_entries = cursor.fetchone()[0]
    return {
        "entries": entries,
        "month_entries": month_entries,
        "response_bytes": sizes,
        "ms": results,
        "load_average": os.getloadavg()[0],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("databases", nargs="*", help="two or more DATABASE_URLs, smallest first")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--output", default=str(BASE_DIR / "bench" / "size_results.json"))
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.repeat)))
        return
    if len(args.databases) < 2:
        sys.exit("error: give two DATABASE_URLs of scratch bench databases, the smaller first")
    turns: dict[str, list[dict]] = {url: [] for url in args.databases}
    for round_number in range(args.rounds):
        for url in args.databases:
            done = subprocess.run(  # noqa: S603 - this script, another database
                [sys.executable, __file__, "--measure", "--repeat", str(args.repeat)],
                env={**os.environ, "DATABASE_URL": url},
                capture_output=True,
                text=True,
                check=True,
            )
            turn = json.loads(done.stdout.strip().splitlines()[-1])
            turns[url].append(turn)
            print(f"round {round_number + 1} {turn['entries']:>11,} entries: {turn['ms']}", file=sys.stderr)
    sizes = []
    for url, measured in turns.items():
        sizes.append(
            {
                "database": url.rsplit("/", 1)[-1],
                "entries": measured[0]["entries"],
                "month_entries": measured[0]["month_entries"],
                "ms": {name: round(statistics.median(turn["ms"][name] for turn in measured), 2) for name in MEASURES},
                "ms_by_round": {name: [round(turn["ms"][name], 2) for turn in measured] for name in MEASURES},
                "load_average": [round(turn["load_average"], 1) for turn in measured],
            }
        )
    smallest = sizes[0]
    results = {
        "generated_at": datetime.now(UTC).isoformat(),
        "rounds": args.rounds,
        "repeat": args.repeat,
        "sizes": sizes,
        "ratios": {
            size["database"]: {name: round(size["ms"][name] / smallest["ms"][name], 2) for name in MEASURES}
            for size in sizes[1:]
        },
    }
    Path(args.output).write_text(json.dumps(results, indent=2) + "\n")
    header = "| measure | " + " | ".join(f"{size['entries']:,} entries (ms)" for size in sizes) + " | ratio |"
    print(header)
    print("|---" * (len(sizes) + 2) + "|")
    for name in MEASURES:
        ratio = sizes[-1]["ms"][name] / smallest["ms"][name]
        print(f"| {name} | " + " | ".join(f"{size['ms'][name]:.1f}" for size in sizes) + f" | {ratio:.2f} |")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
