"""The approvals inbox page `/approvals/`: the list `GET /api/v1/approvals` returns, with a
checkbox per item and approve / reject for one item or the selected ones.

Each item goes through its own service (`timeentries.services.timesheet_approve`/`_reject`,
`leave.services.leave_request_approve`/`_reject`), one by one, each in its own transaction:
one refusal does not undo the others, and the page then says which were decided and which
were not, and why."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.dateformat import format as date_text
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from analytics.approvals import approvals_inbox, people_decidable_by
from core.errors import DomainError
from leave.models import LeaveRequest
from leave.services import leave_request_approve, leave_request_reject
from timeentries.models import Timesheet
from timeentries.services import timesheet_approve, timesheet_reject

VERBS = {
    "approve": pgettext_lazy("approvals outcome", "Approved"),
    "reject": pgettext_lazy("approvals outcome", "Rejected"),
}
KIND_NAMES = {"timesheet": gettext_lazy("timesheet"), "leave_request": gettext_lazy("leave request")}


class ItemsField(forms.MultipleChoiceField):
    """Items as posted: one decided meanwhile is no longer listed, and the page says so
    after its service refuses it, rather than refusing the whole form."""

    def valid_value(self, value) -> bool:
        return _parse(value) is not None


class InboxDecisionForm(forms.Form):
    """The items chosen ("timesheet:12", "leave_request:7") and the decision on them. A
    button on one item (`one`) decides that item alone."""

    items = ItemsField(required=False)
    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))], required=False
    )
    one = forms.CharField(required=False)
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    # Under a `block` working-time policy a week with open violations is approved only with
    # a reason, recorded on each violation (as the API's `reason`).
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        one = (data.get("one") or "").strip()
        if one:  # "approve timesheet:12"
            decision, _space, item = one.partition(" ")
            data["decision"], data["items"] = decision, [item] if _parse(item) else []
        if data.get("decision") not in VERBS:
            raise forms.ValidationError(_("Choose approve or reject."))
        if not data.get("items"):
            raise forms.ValidationError(_("Select at least one item."))
        if data["decision"] == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say why: a rejection needs a comment."))
        return data


def _decide(actor, kind: str, pk: int, decision: str, comment: str, reason: str) -> None:
    """The one service the API and the admin call for this kind and decision."""
    approve = decision == "approve"
    if kind == "timesheet" and approve:
        timesheet_approve(timesheet_id=pk, actor=actor, comment=comment, reason=reason)
    elif kind == "timesheet":
        timesheet_reject(timesheet_id=pk, actor=actor, comment=comment)
    else:
        service = leave_request_approve if approve else leave_request_reject
        service(request_id=pk, actor=actor, comment=comment)


def _parse(item: str) -> tuple[str, int] | None:
    kind, _colon, pk = item.partition(":")
    if kind not in ("timesheet", "leave_request") or not pk.isdigit():
        return None
    return kind, int(pk)


def _label(actor, kind: str, pk: int) -> str | None:
    """How the page names the item, or None when it is no one's `actor` may decide for
    (across teams, or missing: alike, as the API's 404)."""
    people = people_decidable_by(actor).values("pk")
    if kind == "timesheet":
        timesheet = Timesheet.objects.filter(pk=pk, user_id__in=people).select_related("user").first()
        if timesheet is None:
            return None
        return _("%(person)s's week %(week)s") % {"person": timesheet.user, "week": timesheet.week}
    leave = LeaveRequest.objects.filter(pk=pk, user_id__in=people).select_related("user", "leave_type").first()
    if leave is None:
        return None
    return _("%(person)s's %(leave_type)s %(start)s to %(end)s") % {
        "person": leave.user,
        "leave_type": leave.leave_type.name.lower(),
        "start": date_text(leave.start_date, "d M Y"),
        "end": date_text(leave.end_date, "d M Y"),
    }


def _decide_each(request, decision: str, items: list[str], comment: str, reason: str) -> None:
    """Each item through its service in its own transaction; a message for each outcome."""
    for item in items:
        kind, pk = _parse(item)
        label = _label(request.user, kind, pk)
        if label is None:
            messages.error(
                request, _("Not decided: %(kind)s %(id)s: not in your inbox.") % {"kind": KIND_NAMES[kind], "id": pk}
            )
            continue
        try:
            _decide(request.user, kind, pk, decision, comment, reason)
        except DomainError as error:
            messages.error(request, _("Not decided: %(item)s: %(reason)s") % {"item": label, "reason": error.detail})
        else:
            messages.success(request, _("%(outcome)s: %(item)s.") % {"outcome": VERBS[decision], "item": label})


@require_http_methods(["GET", "POST"])
@login_required
def approvals_page(request):
    if not (request.user.is_manager or request.user.is_admin):
        raise PermissionDenied(_("Only managers and admins have an approvals inbox."))
    items = approvals_inbox(request.user)
    form = InboxDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            _decide_each(request, data["decision"], data["items"], data["comment"], data["reason"].strip())
            return redirect("approvals-page")
        status = 400
    for item in items:
        item["key"] = f"{item['kind']}:{item['id']}"
    return render(request, "approvals/inbox.html", {"nav": "approvals", "items": items, "form": form}, status=status)
