"""Forms shared by several apps' admins and pages."""

from django import forms


class DecisionForm(forms.Form):
    """A manager's optional comment on a decision (the reject services insist on one)."""

    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
