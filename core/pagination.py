import base64
import binascii
import json
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.errors import DomainValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page` and `?page_size`; a page size above the maximum is clamped, never an error."""

    page_size_query_param = "page_size"
    max_page_size = 200


def planner_row_estimate(queryset: QuerySet) -> int | None:
    """How many rows PostgreSQL's planner expects `queryset` to have (EXPLAIN, nothing is
    read), or None on another database."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPage(Page):
    """A page of a list whose total is an estimate: whether another page follows is known
    from one row read past this page, not from the total."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self):
        return self.more


class CappedCountPaginator(DjangoPaginator):
    """Counts exactly up to `exact_limit` rows (a COUNT over at most that many); a longer
    list's count is the planner's estimate (`count_is_estimate`), never at most the limit.

    An exact COUNT(*) of every row an admin sees is a scan of the whole table on every page
    (41 of a 54 ms request at 1,000,000 entries); no one pages through that by number."""

    def __init__(self, object_list, per_page, *, exact_limit: int):
        super().__init__(object_list, per_page)
        self.exact_limit = exact_limit
        self.count_is_estimate = False

    @cached_property
    def count(self):
        rows = self.object_list.order_by()
        if not rows.query.where:
            # Unfiltered (an admin's whole table): the estimate is the table's row count as
            # the planner knows it, no scan of `exact_limit` rows needed to see it is long.
            estimate = planner_row_estimate(rows)
            if estimate is not None and estimate > self.exact_limit:
                self.count_is_estimate = True
                return estimate
        capped = rows[: self.exact_limit + 1].count()
        if capped <= self.exact_limit:
            return capped
        estimate = planner_row_estimate(rows)
        if estimate is None:
            return rows.count()
        self.count_is_estimate = True
        return max(estimate, capped)

    def validate_number(self, number):
        self.count  # noqa: B018 - counting first tells whether the count is an estimate
        if not self.count_is_estimate:
            return super().validate_number(number)
        # With an estimated total, only reading tells whether a page exists (see `page`).
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        if not self.count_is_estimate:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return EstimatedCountPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)


class KeysetCursor:
    """An opaque position in a list ordered by `fields`, each descending, a nullable one
    with its nulls last (as the lists order by default): the values of those fields on the
    last row sent, as base64 of a JSON list."""

    def __init__(self, model, fields: tuple[str, ...]):
        self.fields = [model._meta.get_field(name) for name in fields]

    def ordering(self) -> list:
        return [
            F(field.attname).desc(nulls_last=True) if field.null else F(field.attname).desc() for field in self.fields
        ]

    def encode(self, row) -> str:
        values = [None if getattr(row, field.attname) is None else field.value_to_string(row) for field in self.fields]
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")

    def decode(self, token: str) -> list:
        try:
            values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            if not isinstance(values, list) or len(values) != len(self.fields):
                raise ValueError(token)
            decoded = [
                None if value is None else field.to_python(value)
                for field, value in zip(self.fields, values, strict=True)
            ]
            if any(value is None and not field.null for field, value in zip(self.fields, decoded, strict=True)):
                raise ValueError(token)
            return decoded
        except (ValueError, TypeError, binascii.Error, ValidationError, UnicodeDecodeError) as error:
            raise DomainValidationError(
                _("Not a cursor of this list: use the next_cursor of an earlier answer, or an empty cursor to start."),
                field="cursor",
            ) from error

    def after(self, values: list) -> Q:
        """Rows after the position in the list's order: for some field, all before it equal
        and it later (smaller, or null after a value). The first field's bound lets the
        planner walk an index that starts with it."""
        later, equal_so_far = Q(pk__in=[]), Q()
        for field, value in zip(self.fields, values, strict=True):
            name = field.attname
            if value is not None:
                beyond = Q(**{f"{name}__lt": value})
                if field.null:
                    beyond |= Q(**{f"{name}__isnull": True})
                later |= equal_so_far & beyond
            equal_so_far &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
        first, first_value = self.fields[0].attname, values[0]
        return Q(**{f"{first}__lte": first_value}) & later if first_value is not None else later


class LargeListPagination(PageNumberPagination):
    """Pagination for lists that grow without bound (time entries, leave requests).

    By page number (the default) as every list, plus `count_is_estimate`: above
    `API_EXACT_COUNT_LIMIT` rows the count is the planner's estimate. With `?cursor=` (empty
    for the first page) the list is walked by keyset instead, newest first by
    `cursor_fields`: `{"next", "next_cursor", "results"}` with no count, each page as cheap
    as the first however deep, and stable while rows are added (for integrations)."""

    cursor_query_param = "cursor"
    cursor_fields: tuple[str, ...] = ()

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        if self.cursor_query_param in request.query_params:
            return self.paginate_by_cursor(queryset, request)
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, queryset, page_size):
        return CappedCountPaginator(queryset, page_size, exact_limit=settings.API_EXACT_COUNT_LIMIT)

    def paginate_by_cursor(self, queryset, request):
        if request.query_params.get("ordering"):
            raise DomainValidationError(
                _("A list walked by cursor has its own order; leave out ordering."), field="ordering"
            )
        cursor = KeysetCursor(queryset.model, self.cursor_fields)
        token = request.query_params[self.cursor_query_param]
        queryset = queryset.order_by(*cursor.ordering())
        if token:
            queryset = queryset.filter(cursor.after(cursor.decode(token)))
        page_size = self.get_page_size(request)
        rows = list(queryset[: page_size + 1])
        self.page = None
        self.cursor_token = cursor.encode(rows[page_size - 1]) if len(rows) > page_size else None
        return rows[:page_size]

    def get_paginated_response(self, data):
        if self.page is None:
            next_url = None
            if self.cursor_token:
                url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
                next_url = replace_query_param(url, self.cursor_query_param, self.cursor_token)
            return Response({"next": next_url, "next_cursor": self.cursor_token, "results": data})
        return Response(
            {
                "count": self.page.paginator.count,
                "count_is_estimate": self.page.paginator.count_is_estimate,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": "The count is the database's estimate (a list longer than the exact-count limit).",
        }
        response["properties"]["next_cursor"] = {
            "type": "string",
            "nullable": True,
            "description": "With ?cursor= only (then without count and previous): the cursor of the next page.",
        }
        response["required"] = ["results"]
        return response

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Walk the list by cursor instead of page number: empty for the first page, "
                "then the answer's next_cursor.",
                "schema": {"type": "string"},
            },
        ]


class TimeEntryPagination(LargeListPagination):
    cursor_fields = ("day", "start", "id")


class LeaveRequestPagination(LargeListPagination):
    cursor_fields = ("start_date", "id")
