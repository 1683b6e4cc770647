"""What the reports page `/reports/` is asked for: the report (tab), its filters from the
query string, a period preset resolved to dates, validated by the report's query
serializer (`analytics.queries`, the API's own) and scoped as the API scopes it.

The resolved parameters (`ReportRequest.raw`) are what a download link, a background
export and a bookmark carry: a preset such as "last month" becomes its dates."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from analytics.exports import report_columns
from analytics.queries import RANGES, REPORT_QUERY_SERIALIZERS, ReportQuery, range_dates
from analytics.sorting import sort_parse
from core.errors import DomainValidationError
from timeentries.selectors import clients_visible_to, projects_visible_to
from users.models import User
from users.selectors import teams_visible_to, users_visible_to

TABS = [
    ("time", pgettext_lazy("report", "Time")),
    ("overtime", pgettext_lazy("report", "Overtime")),
    ("leave", pgettext_lazy("report", "Leave")),
    ("payroll", pgettext_lazy("report", "Payroll")),
]
DEFAULT_RANGE = "this_month"
# Per report, the query-string keys its serializer reads (besides the dates and the sort).
FILTER_KEYS = {
    "time": ("group_by", "user", "team", "client", "project", "billable"),
    "overtime": ("period", "user", "team"),
    "leave": ("as_of", "user", "team"),
    "payroll": ("month", "team", "preliminary"),
}
RANGED = ("time", "overtime")
FIELD_LABELS = {
    "report": pgettext_lazy("report filter", "Report"),
    "range": gettext_lazy("Period"),
    "from": gettext_lazy("From"),
    "to": gettext_lazy("To"),
    "group_by": gettext_lazy("Group by"),
    "period": gettext_lazy("Per"),
    "as_of": gettext_lazy("Balances on"),
    "month": gettext_lazy("Month"),
    "team": gettext_lazy("Team"),
    "user": gettext_lazy("Person"),
    "client": gettext_lazy("Client"),
    "project": gettext_lazy("Project"),
    "billable": gettext_lazy("Billable"),
    "preliminary": gettext_lazy("Preliminary"),
    "sort": gettext_lazy("Sort"),
}


@dataclass
class ReportRequest:
    """A reports page request: the report, the period preset, the raw parameters as the
    report's serializer reads them (plus `sort`), and either the errors by field or the
    validated query."""

    report: str
    range: str = ""
    raw: dict = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    query: ReportQuery | None = None

    @property
    def params(self) -> dict:
        """The report and its resolved parameters: a download's or a bookmark's query string."""
        return {"report": self.report, **self.raw}


def tabs_for(user: User) -> list[tuple[str, str]]:
    """The reports `user` may open: payroll is for admins and managers (as the API's)."""
    return [(key, label) for key, label in TABS if key != "payroll" or user.is_admin or user.is_manager]


def sees_others(user: User) -> bool:
    """Whether the team and person filters mean anything to `user` (employees see themselves)."""
    return user.is_admin or user.is_manager


def fields_shown(report: str, user: User) -> set[str]:
    """The filters the page's form shows `user` for `report` (the ids its errors link to)."""
    shown = {*FILTER_KEYS[report], *(("range", "from", "to") if report in RANGED else ())}
    if not sees_others(user):
        shown -= {"team", "user"}
    return shown - {"user"} if report == "payroll" else shown


def _dates(asked: ReportRequest, query: QueryDict, today: date) -> None:
    custom = query.get("from") or query.get("to")
    asked.range = query.get("range") or ("custom" if custom else DEFAULT_RANGE)
    if asked.range not in dict(RANGES):
        periods = ", ".join(str(label).lower() for _key, label in RANGES)
        asked.errors["range"] = [_("Choose a period: %(periods)s.") % {"periods": periods}]
    elif asked.range == "custom":
        asked.raw.update({key: query[key] for key in ("from", "to") if query.get(key)})
    else:
        first, last = range_dates(asked.range, today)
        asked.raw.update({"from": first.isoformat(), "to": last.isoformat()})


def _filters(asked: ReportRequest, query: QueryDict, today: date) -> None:
    for key in FILTER_KEYS[asked.report]:
        values = [value.strip() for value in query.getlist(key) if value.strip()]
        if values:  # two "group by" selects send group_by twice
            asked.raw[key] = ",".join(values)
    if asked.report == "leave":
        asked.raw.setdefault("as_of", today.isoformat())
    if asked.report == "payroll":
        asked.raw.setdefault("month", f"{today.replace(day=1) - timedelta(days=1):%Y-%m}")
    if query.get("sort"):
        asked.raw["sort"] = query["sort"]


def _validate(asked: ReportRequest, user: User) -> None:
    """Through the report's query serializer (the API's rules), then the sort."""
    serializer = REPORT_QUERY_SERIALIZERS[asked.report](data={**asked.raw, "format": "json"})
    if not serializer.is_valid():
        for key, messages in serializer.errors.items():
            asked.errors[key] = [str(message) for message in messages]
        return
    try:
        sort_parse(report_columns(asked.report, serializer.validated_data.get("group_by")), asked.raw.get("sort", ""))
    except DomainValidationError as error:
        asked.errors["sort"] = [error.detail]
        return
    if not asked.errors:
        asked.query = ReportQuery(asked.report, serializer.report_params(user), asked.raw.get("sort", ""))


def ensure_filters_visible(user: User, params: dict) -> None:
    """A team or person `user` may not see answers 404, as a missing one does (as the
    API's per-person reports answer)."""
    team, person = params.get("team"), params.get("user")
    if team is not None and not teams_visible_to(user).filter(pk=team).exists():
        raise Http404(_("No such team."))
    if person is not None and not users_visible_to(user).filter(pk=person).exists():
        raise Http404(_("No such user."))


def report_request(user: User, query: QueryDict) -> ReportRequest:
    """The report `query` asks for, resolved in `user`'s local today and validated. A report
    the user may not open is a 403; a team or person they may not see a 404."""
    report = query.get("report") or "time"
    if report not in dict(TABS):
        return ReportRequest(report="time", errors={"report": [_("Choose one of: time, overtime, leave, payroll.")]})
    if report not in dict(tabs_for(user)):
        raise PermissionDenied(_("Only admins and managers see the payroll report."))
    asked = ReportRequest(report=report)
    today = user.local_today()
    if report in RANGED:
        _dates(asked, query, today)
    _filters(asked, query, today)
    _validate(asked, user)
    if asked.query is not None:
        ensure_filters_visible(user, asked.query.params.get("filters", asked.query.params))
    return asked


def filter_choices(user: User) -> dict:
    """The teams, people, clients and projects the filters offer: only those `user` sees."""
    choices = {
        "clients": list(clients_visible_to(user).order_by("name").values_list("pk", "name")),
        "projects": [(p.pk, f"{p.code} {p.name}") for p in projects_visible_to(user).order_by("code", "name")],
    }
    if sees_others(user):
        choices["teams"] = list(teams_visible_to(user).order_by("name").values_list("pk", "name"))
        choices["people"] = [(person.pk, str(person)) for person in users_visible_to(user).order_by("email")]
    return choices
