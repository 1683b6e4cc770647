"""Forms of the leave pages. They only parse input; every rule (dates, half days, balance,
overlaps) is checked by `leave.services`, so the page and the API refuse the same things
with the same words. Field names are the services' own, so an error's `field` finds its input."""

from django import forms
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _

from core.dates import BoundedDateFormField
from leave.models import LeaveRequest, LeaveType, WorkingTimeAdjustment
from users.models import Contract

DATE_FORMAT = "%Y-%m-%d"
HALF_CHOICES = [("", _("Whole day")), *LeaveRequest.Half.choices]


class DateInput(forms.DateInput):
    """The browser's date picker; its value is always ISO (2026-03-02)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATE_FORMAT)


class LeaveDatesForm(forms.Form):
    """The type and the days of a request: what the working-days preview needs."""

    type = forms.ModelChoiceField(
        queryset=LeaveType.objects.filter(active=True), label=_("Type of leave"), empty_label=None
    )
    start_date = BoundedDateFormField(label=_("First day"), widget=DateInput, input_formats=[DATE_FORMAT])
    start_half = forms.ChoiceField(label=_("On the first day"), choices=HALF_CHOICES, required=False)
    end_date = BoundedDateFormField(label=_("Last day"), widget=DateInput, input_formats=[DATE_FORMAT])
    end_half = forms.ChoiceField(label=_("On the last day"), choices=HALF_CHOICES, required=False)


class LeaveRequestForm(LeaveDatesForm):
    reason = forms.CharField(
        label=_("Reason or note for your manager (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        vacation = LeaveType.objects.filter(active=True, code="vacation").values_list("pk", flat=True).first()
        if vacation is not None:
            self.fields["type"].initial = vacation


class LeavePreviewForm(LeaveDatesForm):
    """Half-filled forms are normal while someone picks dates: nothing is required."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


# --- a person's contract and working-time account (/users/<id>/contract/) ----------------------

# ISO weekday numbers with Django's own (translated) short names: Mon/Mo, Tue/Di, …
WEEKDAYS = [(str(number + 1), WEEKDAYS_ABBR[number]) for number in range(7)]


class ContractVersionForm(forms.Form):
    """A new contract version; `users.services.contract_version_create` checks it."""

    valid_from = BoundedDateFormField(label=_("Valid from"), widget=DateInput, input_formats=[DATE_FORMAT])
    weekly_hours = forms.DecimalField(
        label=_("Weekly hours"), max_digits=4, decimal_places=1, min_value=0, max_value=80
    )
    work_days = forms.MultipleChoiceField(
        label=_("Work days"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, initial=["1", "2", "3", "4", "5"]
    )
    holiday_calendar = forms.ModelChoiceField(
        label=_("Holiday calendar"), queryset=None, required=False, empty_label=_("Their own or their team's")
    )
    policy = forms.ModelChoiceField(
        label=_("Working-time policy"), queryset=None, required=False, empty_label=_("Their team's")
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "version")
        super().__init__(*args, **kwargs)
        # The models of a contract's calendar and policy, without importing a higher layer.
        for name in ("holiday_calendar", "policy"):
            self.fields[name].queryset = Contract._meta.get_field(name).related_model.objects.order_by("name")

    def clean_work_days(self) -> str:
        return "".join(sorted(self.cleaned_data["work_days"]))


class AccountAdjustmentForm(forms.Form):
    """An adjustment of the working-time account; `working_time_adjustment_create` checks it."""

    kind = forms.ChoiceField(label=_("Kind"), choices=WorkingTimeAdjustment.Kind.choices)
    hours = forms.DecimalField(
        label=_("Hours (signed)"),
        max_digits=7,
        decimal_places=2,
        help_text=_("Positive adds to the account, negative takes from it (a payout, a forfeit)."),
    )
    date = BoundedDateFormField(label=_("Date"), widget=DateInput, input_formats=[DATE_FORMAT])
    reason = forms.CharField(label=_("Reason"), max_length=255, strip=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "adjustment")
        super().__init__(*args, **kwargs)


class LeaveShortenForm(forms.Form):
    """A request's new, earlier last day (`leave.services.leave_request_shorten`)."""

    end_date = BoundedDateFormField(label=_("New last day"), widget=DateInput, input_formats=[DATE_FORMAT])
    end_half = forms.ChoiceField(
        label=_("On that day"),
        choices=[("", _("Whole day")), (LeaveRequest.Half.MORNING, _("Morning only"))],
        required=False,
    )
