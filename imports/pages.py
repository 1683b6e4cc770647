"""The import page `/imports/`: upload a file of a kind, see its dry run's errors by row,
commit it, and the history of your imports (an admin's: everyone's, to revert).

Every action goes through the services the API calls (`imports.services`); the status of
an import being validated or committed is polled with htmx until it settles."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from imports import services
from imports.formats import KINDS
from imports.models import Import
from imports.progress import progress_seen
from imports.selectors import imports_visible_to
from imports.services.lifecycle import ADMIN_KINDS

HISTORY_LENGTH = 20
ACTIVE = (Import.Status.QUEUED, Import.Status.VALIDATING, Import.Status.IMPORTING)


def kinds_for(user) -> list[tuple[str, str]]:
    """The kinds `user` may import: people and projects are for admins (as the service says)."""
    return [(kind, label) for kind, label in Import.Kind.choices if user.is_admin or kind not in ADMIN_KINDS]


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (CSV or XLSX)"))
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Check only (commit after looking at the result)"), required=False, initial=True
    )
    time_zone = forms.CharField(
        label=gettext_lazy("Time zone of times without one (default: each person's)"), required=False, max_length=64
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds_for(user)


def _own(request, pk: int) -> Import:
    source = imports_visible_to(request.user).filter(pk=pk).first()
    if source is None:
        raise Http404(_("No such import."))
    return source


@require_http_methods(["GET", "POST"])
@login_required
def imports_page(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                source = services.import_create(actor=request.user, request=request, **form.cleaned_data)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.detail)
            else:
                return redirect("import-page", pk=source.pk)
        status = 400
    context = {
        "nav": "imports",
        "form": form,
        "kinds": [(kind, label) for kind, label in kinds_for(request.user) if kind in KINDS],
        "history": imports_visible_to(request.user)[:HISTORY_LENGTH],
    }
    return render(request, "imports/imports.html", context, status=status)


def _detail_context(request, source: Import) -> dict:
    source.progress = progress_seen(source)  # a commit under way reports through the cache
    return {
        "nav": "imports",
        "source": source,
        "active": source.status in ACTIVE,
        "may_revert": request.user.is_admin and source.status == Import.Status.DONE,
    }


@require_GET
@login_required
def import_page(request, pk: int):
    return render(request, "imports/import.html", _detail_context(request, _own(request, pk)))


@require_GET
@login_required
def import_status_fragment(request, pk: int):
    return render(request, "imports/_status.html", _detail_context(request, _own(request, pk)))


@require_POST
@login_required
def import_commit_page(request, pk: int):
    source = _own(request, pk)
    try:
        services.import_commit(actor=request.user, import_id=source.pk)
    except DomainError as error:
        messages.error(request, _("Not committed: %(reason)s") % {"reason": error.detail})
    return redirect("import-page", pk=source.pk)


@require_POST
@login_required
def import_revert_page(request, pk: int):
    source = _own(request, pk)
    if not request.user.is_admin:
        raise PermissionDenied(_("Only admins revert imports."))
    try:
        services.import_revert(actor=request.user, import_id=source.pk, request=request)
    except DomainError as error:
        messages.error(request, _("Not reverted: %(reason)s") % {"reason": error.detail})
    else:
        messages.success(request, _("Import %(id)s is reverted: the rows it created are removed.") % {"id": source.pk})
    return redirect(reverse("import-page", kwargs={"pk": source.pk}))
