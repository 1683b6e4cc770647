"""Forms shared by several apps' admins and pages."""

from django import forms

from core.dates import validate_date_in_range
from core.errors import DomainError


class ServiceModelForm(forms.ModelForm):
    """An admin form whose save goes through a service (see `core.admin.ServiceAdmin`): it
    shows the error that service raised on the previous attempt, on its field."""

    actor = None
    service_error: DomainError | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every date the admin takes stays in core.dates' range, as in the API and the pages.
        for field in self.fields.values():
            if isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
                field.validators.append(validate_date_in_range)

    def clean(self):
        cleaned_data = super().clean()
        error = self.service_error
        if error is not None:
            self.add_error(error.field if error.field in self.fields else None, error.detail)
        return cleaned_data


class DecisionForm(forms.Form):
    """A manager's optional comment on a decision (the reject services insist on one)."""

    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
