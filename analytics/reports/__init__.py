"""Report selectors: pure reads over time entries and leave, scoped to what the actor may see.

The package splits along the seams of the reports:

- `common`: groupings, rounding, ranges, the shared query and JSON helpers;
- `timereport`: `time_report` / `time_report_json`, which pick the SQL or Python path;
- `sql`: the time report as one PostgreSQL query that writes its own JSON;
- `python`: the same report in Python (SQLite, development only), held to the SQL one by
  tests (`test_the_sql_and_python_paths_agree` and the Hypothesis property test);
- `overtime`, `leave`: the per-person reports;
- `payroll`: one row per person and closed month for payroll.

The public names are re-exported here, so `from analytics.reports import time_report` works.
"""

from analytics.reports.common import (
    ENTITY_GROUPS,
    FILTERS,
    GROUPS,
    REPORT_DECIMALS,
    TIME_GROUPS,
    ReportRows,
    bucket_label,
    jsonable,
    report_range,
    validate_group_by,
)
from analytics.reports.leave import leave_report
from analytics.reports.overtime import overtime_report, overtime_report_row_count
from analytics.reports.payroll import (
    payroll_month_closings,
    payroll_report,
    payroll_report_check,
    payroll_report_row_count,
)
from analytics.reports.timereport import time_report, time_report_json, time_report_row_count, time_report_rows

__all__ = [
    "ENTITY_GROUPS",
    "FILTERS",
    "GROUPS",
    "REPORT_DECIMALS",
    "TIME_GROUPS",
    "ReportRows",
    "bucket_label",
    "jsonable",
    "leave_report",
    "overtime_report",
    "overtime_report_row_count",
    "payroll_month_closings",
    "payroll_report",
    "payroll_report_check",
    "payroll_report_row_count",
    "report_range",
    "time_report",
    "time_report_json",
    "time_report_row_count",
    "time_report_rows",
    "validate_group_by",
]
