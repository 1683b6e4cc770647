"""The search results page: the header's search box lands here, with the same search the API runs."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from search.backends import search
from search.serializers import SearchQuerySerializer

TYPE_LABELS = {
    "time_entry": gettext_lazy("Time entry"),
    "project": gettext_lazy("Project"),
    "task": gettext_lazy("Task"),
    "user": gettext_lazy("Person"),
    "leave_request": pgettext_lazy("search result type", "Leave"),
    "audit_event": gettext_lazy("Audit event"),
}


@require_GET
@login_required
def search_page(request):
    q = request.GET.get("q", "")
    context = {"nav": "search", "q": q, "results": [], "count": 0, "errors": [], "searched": False}
    if q.strip():
        params = SearchQuerySerializer(data=request.GET)
        if params.is_valid():
            answer = search(request.user, **params.validated_data)
            page, size = params.validated_data["page"], params.validated_data["page_size"]
            for item in answer["results"]:
                item["type_label"] = TYPE_LABELS[item["type"]]
            context.update(
                searched=True,
                results=answer["results"],
                count=answer["count"],
                backend=answer["backend"],
                page=page,
                next_page=page + 1 if page * size < answer["count"] else None,
                previous_page=page - 1 if page > 1 else None,
            )
        else:
            context["errors"] = [f"{field}: {messages[0]}" for field, messages in params.errors.items()]
    status = 400 if context["errors"] else 200
    return render(request, "search/results.html", context, status=status)
