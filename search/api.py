from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from search.backends import TYPES, search
from search.serializers import MAX_QUERY_LENGTH, SearchQuerySerializer, SearchResponseSerializer


def _page_link(request, page: int | None) -> str | None:
    if page is None:
        return None
    url = request.build_absolute_uri()
    return remove_query_param(url, "page") if page == 1 else replace_query_param(url, "page", page)


class SearchView(APIView):
    """Full-text search over what you may see: your own time entries and leave (managers:
    their teams'; admins: everyone's), the projects and tasks you may log to, the people you
    see, and for admins the audit events. Elasticsearch answers when it runs; otherwise the
    database does, and `backend` says which. A filter (`from`/`to`, `user`, `project`)
    leaves out the types it does not apply to."""

    @extend_schema(
        operation_id="search",
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, required=True, description=f"words to find (1 to {MAX_QUERY_LENGTH} characters)"
            ),
            OpenApiParameter("types", OpenApiTypes.STR, description=f"comma-separated, any of {', '.join(TYPES)}"),
            OpenApiParameter("from", OpenApiTypes.DATE, description="first day (time entries, leave, audit events)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="last day, inclusive"),
            OpenApiParameter("user", OpenApiTypes.INT, description="only this person's entries, leave, audit events"),
            OpenApiParameter("project", OpenApiTypes.INT, description="only this project's entries and tasks"),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="at most 50"),
        ],
        responses=SearchResponseSerializer,
    )
    def get(self, request):
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        criteria = params.validated_data
        answer = search(request.user, **criteria)
        page, size = criteria["page"], criteria["page_size"]
        has_next = page * size < answer["count"]
        return Response(
            {
                "count": answer["count"],
                "next": _page_link(request, page + 1 if has_next else None),
                "previous": _page_link(request, page - 1 if page > 1 else None),
                "backend": answer["backend"],
                "results": answer["results"],
            }
        )
