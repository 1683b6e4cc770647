"""The hardening pass (issue 12) as a catalogue: every defect it fixed keeps regression tests
in this package, named `test_itemNN_<what it guards>`. Run them all with
`pytest core/tests/hardening`, or one item's with `-k item05`.

| item | what the tests guard | module |
|---|---|---|
| 01 | `/admin/login/` shares the login limit and the failure audit | test_auth |
| 02 | no spreadsheet formula reaches a CSV or XLSX cell | test_exports |
| 03 | dates out of 1900..2200 and deep JSON are 400s, not 500s | test_input |
| 04 | names refuse control characters; feeds escape text | test_exports |
| 05 | tokens die with their session; refresh reuse ends the family | test_auth |
| 06 | registration's limit counts every attempt | test_auth |
| 07 | overtime/leave reports take user and team; others' edits audited | test_exports |
| 08 | production `collectstatic` builds | test_deploy |
| 09 | `?user=` answers alike; 413 JSON; a manager's team filter | test_input, test_exports |
| 10 | the timesheet fits a phone, whatever the fonts | test_deploy |
| 11 | a dead Redis: logins 503, the API goes on | test_outage |
| 12 | a broker outage loses no work, effects happen once | test_outbox |
| 13 | a dead database: 503 and recovery without restart | test_outage |
| 14 | visibility timeout, stale exports reaped, grace period | test_jobs, test_deploy |
| 15 | one run per schedule slot whatever runs beat | test_jobs |
| 16 | set-based audit purge, one delete-by-query, reconcile | test_jobs |
| 17 | a notification carries the decision it announces | test_outbox |
| 18 | backup/restore, shared media, one migrate service | test_deploy |
| 19 | tasks retry outages, mail once, broker in /health, search breaker | test_outbox, test_outage |
| 20 | a constraint migration on a table holding refused rows | test_deploy |
"""

import ast
import re
from pathlib import Path

HERE = Path(__file__).parent
ITEMS = range(1, 21)
TEST_NAME = re.compile(r"^test_item(\d{2})_\w+$")


def _tests_by_item() -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for module in sorted(HERE.glob("test_*.py")):
        for node in ast.parse(module.read_text()).body:
            if isinstance(node, ast.FunctionDef) and (match := TEST_NAME.match(node.name)):
                found.setdefault(int(match.group(1)), []).append(f"{module.stem}::{node.name}")
    return found


def test_every_hardening_item_keeps_a_regression_test():
    found = _tests_by_item()
    missing = [item for item in ITEMS if not found.get(item)]
    assert not missing, f"hardening items without a regression test: {missing}"


def test_catalogue_names_the_modules_holding_each_item():
    found = _tests_by_item()
    table = dict(re.findall(r"^\| (\d{2}) \|.*\| ([\w, ]+) \|$", __doc__, re.M))
    for item in ITEMS:
        modules = {name.split("::")[0] for name in found.get(item, [])}
        assert modules == {m.strip() for m in table[f"{item:02d}"].split(",")}, f"item {item:02d}: {sorted(modules)}"
