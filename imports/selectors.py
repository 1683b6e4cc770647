"""Reads of imports: who sees which."""

from django.db.models import QuerySet

from imports.models import Import
from users.models import User


def imports_visible_to(actor: User) -> QuerySet[Import]:
    """An admin sees every import (they may revert any); anyone else their own."""
    imports = Import.objects.select_related("owner")
    return imports if actor.is_admin else imports.filter(owner=actor)
