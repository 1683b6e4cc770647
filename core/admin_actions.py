"""Admin actions that call services row by row, and the confirmation page some of them need
(a comment for a rejection or acknowledgement, a year for an import). One template serves them all."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from core.errors import DomainError


def report_per_row(modeladmin, request, queryset, call: Callable, done: str | Callable) -> None:
    """Run `call(row)` for each selected row and say, row by row, what happened. `done` is
    the success text, or a function of (row, result) giving it."""
    for row in queryset:
        try:
            result = call(row)
        except DomainError as error:
            modeladmin.message_user(request, f"{row}: {error.detail}", level=messages.ERROR)
        except PermissionDenied as error:
            reason = str(error) or gettext("permission denied.")
            modeladmin.message_user(request, f"{row}: {reason}", level=messages.ERROR)
        else:
            text = done(row, result) if callable(done) else done
            modeladmin.message_user(request, f"{row}: {text}", level=messages.SUCCESS)


def comment_form(label: str, help_text: str) -> type[forms.Form]:
    """A form with one required, labelled comment box."""
    field = forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), max_length=2000, help_text=help_text
    )
    return type("CommentForm", (forms.Form,), {"comment": field})


def confirm_then(
    modeladmin,
    request,
    queryset,
    *,
    form_class: type[forms.Form],
    title: str,
    intro: str,
    submit_label: str,
    on_confirm: Callable[[dict], None],
    initial: dict | None = None,
):
    """Show the selected rows and `form_class` on a confirmation page; once it is posted and
    valid, run `on_confirm(cleaned_data)` and go back to the changelist."""
    form = form_class(request.POST if "post" in request.POST else None, initial=initial)
    if form.is_valid():
        on_confirm(form.cleaned_data)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "submit_label": submit_label,
        "opts": modeladmin.opts,
        "objects": queryset,
        "form": form,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/confirm_action.html", context)


def confirm_comment_then(
    modeladmin,
    request,
    queryset,
    *,
    form_class: type[forms.Form],
    title: str,
    intro: str,
    submit_label: str,
    call: Callable,
    done: str,
):
    """`confirm_then` asking for a comment (`form_class` has a `comment` field): once it is
    given, `call(row, comment)` runs for each selected row, reported row by row."""
    return confirm_then(
        modeladmin,
        request,
        queryset,
        form_class=form_class,
        title=title,
        intro=intro,
        submit_label=submit_label,
        on_confirm=lambda data: report_per_row(
            modeladmin, request, queryset, lambda row: call(row, data["comment"]), done
        ),
    )
