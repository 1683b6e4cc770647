"""Forms of the leave pages. They only parse input; every rule (dates, half days, balance,
overlaps) is checked by `leave.services`, so the page and the API refuse the same things
with the same words. Field names are the services' own, so an error's `field` finds its input."""

from django import forms

from core.dates import BoundedDateFormField
from leave.models import LeaveRequest, LeaveType

DATE_FORMAT = "%Y-%m-%d"
HALF_CHOICES = [("", "Whole day"), *LeaveRequest.Half.choices]


class DateInput(forms.DateInput):
    """The browser's date picker; its value is always ISO (2026-03-02)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATE_FORMAT)


class LeaveDatesForm(forms.Form):
    """The type and the days of a request: what the working-days preview needs."""

    type = forms.ModelChoiceField(
        queryset=LeaveType.objects.filter(active=True), label="Type of leave", empty_label=None
    )
    start_date = BoundedDateFormField(label="First day", widget=DateInput, input_formats=[DATE_FORMAT])
    start_half = forms.ChoiceField(label="On the first day", choices=HALF_CHOICES, required=False)
    end_date = BoundedDateFormField(label="Last day", widget=DateInput, input_formats=[DATE_FORMAT])
    end_half = forms.ChoiceField(label="On the last day", choices=HALF_CHOICES, required=False)


class LeaveRequestForm(LeaveDatesForm):
    reason = forms.CharField(
        label="Reason or note for your manager (optional)",
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


class LeaveShortenForm(forms.Form):
    """A request's new, earlier last day (`leave.services.leave_request_shorten`)."""

    end_date = BoundedDateFormField(label="New last day", widget=DateInput, input_formats=[DATE_FORMAT])
    end_half = forms.ChoiceField(
        label="On that day", choices=[("", "Whole day"), (LeaveRequest.Half.MORNING, "Morning only")], required=False
    )
