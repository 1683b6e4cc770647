"""Forms of the day view: a block of work (start, end, break), hours without times, and the
standard day's project. They parse what people type (times as 9, 9:30 or 0930 in their own
time zone; hours as 1.5, 1,5 or 1:30); every rule is the services'."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.timeinput import ClockTimeField, HoursField
from timeentries.forms import WorkForm
from timeentries.models import MAX_BREAK_MINUTES
from timeentries.services.days import local_moment

BILLABLE_CHOICES = [("", _("As the project")), ("yes", _("Billable")), ("no", _("Not billable"))]


class DescribedForm(forms.Form):
    """Each control names its help and its error with aria-describedby, and an invalid one
    says so (aria-invalid), so a screen reader reads the message with the field."""

    def full_clean(self):
        super().full_clean()
        self.describe_fields()

    def describe_fields(self) -> None:
        for name, field in self.fields.items():
            bound = self[name]
            described = [f"{bound.auto_id}_help"] if field.help_text else []
            if name in self.errors:
                described.append(f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    def add_service_error(self, error: DomainError, fields: dict[str, str]) -> None:
        """Show a service's refusal next to the field it names (`fields` maps the service's
        field names to this form's), else above the form; a compliance refusal names its rule."""
        message = error.detail
        if error.code.startswith("compliance_"):
            message = f"{message} (rule: {error.code.removeprefix('compliance_').replace('_', ' ')})"
        name = fields.get(error.field or "", error.field)
        self.add_error(name if name in self.fields else None, message)
        self.describe_fields()


class _EntryFields(DescribedForm, WorkForm):
    description = forms.CharField(label=_("Description"), required=False, max_length=2000, widget=forms.TextInput)
    billable = forms.TypedChoiceField(
        label=_("Billable"),
        choices=BILLABLE_CHOICES,
        required=False,
        coerce=lambda value: value == "yes",
        empty_value=None,
    )


class BlockForm(_EntryFields):
    """One block of work on a local day. An end before the start is refused unless "ends
    next day" is ticked; a time the clocks skip that night is refused."""

    start = ClockTimeField(label=_("Start"))
    end = ClockTimeField(label=_("End"))
    ends_next_day = forms.BooleanField(label=_("Ends next day"), required=False)
    break_minutes = forms.IntegerField(
        label=_("Break (minutes)"),
        required=False,
        min_value=0,
        max_value=MAX_BREAK_MINUTES,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4, "maxlength": 4, "autocomplete": "off"}),
        help_text=_("Minutes of break between start and end, e.g. 30."),
    )

    field_order = ["work", "start", "end", "ends_next_day", "break_minutes", "description", "billable"]

    def __init__(self, *args, day: date, tz: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.day, self.tz = day, tz

    def clean(self):
        cleaned = super().clean()
        start_time, end_time = cleaned.get("start"), cleaned.get("end")
        if start_time is None or end_time is None:
            return cleaned
        try:
            start = local_moment(self.day, start_time, self.tz)
        except DomainError as error:
            self.add_error("start", error.detail)
            return cleaned
        end_day = self.day + timedelta(days=1) if cleaned.get("ends_next_day") else self.day
        try:
            end = local_moment(end_day, end_time, self.tz, after=start)
        except DomainError as error:
            self.add_error("end", error.detail)
            return cleaned
        if end <= start:
            self.add_error(
                "end",
                _("End is the same as start.")
                if end == start
                else _("End is before start. Tick “Ends next day” if the work went past midnight."),
            )
            return cleaned
        break_minutes = cleaned.get("break_minutes") or 0
        if timedelta(minutes=break_minutes) >= end - start:
            self.add_error("break_minutes", _("The break is as long as the whole block or longer."))
        cleaned.update(start_at=start, end_at=end, break_minutes=break_minutes)
        return cleaned


class HoursEntryForm(_EntryFields):
    """Hours on the day without start and end (a duration entry)."""

    prefix = "hours"

    hours = HoursField(label=_("Hours"))

    field_order = ["work", "hours", "description", "billable"]


class StandardDayForm(DescribedForm, WorkForm):
    prefix = "standard"
