from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page` and `?page_size`; a page size above the maximum is clamped, never an error."""

    page_size_query_param = "page_size"
    max_page_size = 200
