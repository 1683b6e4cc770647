"""Scoped reads of the analytics app's own rows: each person sees only their own."""

from django.db.models import QuerySet

from analytics.models import Export, SavedReport
from users.models import User


def exports_of(owner: User) -> QuerySet[Export]:
    """The owner's background exports, newest first."""
    return Export.objects.filter(owner=owner).order_by("-created_at", "-pk")


def saved_reports_of(owner: User) -> QuerySet[SavedReport]:
    """The owner's saved reports, by name."""
    return SavedReport.objects.filter(owner=owner).order_by("name", "pk")
