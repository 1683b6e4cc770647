"""The catalogues' writes: clients, projects and tasks (timeentries), leave types and holiday
calendars (leave). One generic pair of services, for the API and the admin of every app:
admins only, validated by the model, unique names answered as a 400, audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError
from core.permissions import ensure_admin


@transaction.atomic
def catalog_save(*, actor, instance, **fields):
    """Create or change a catalogue row (admins only); many-to-many fields such
    as a project's teams are set after the row is saved."""
    ensure_admin(actor, denied=_("Only admins can change %(things)s.") % {"things": instance._meta.verbose_name_plural})
    many = {name: fields.pop(name) for name in list(fields) if instance._meta.get_field(name).many_to_many}
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean(validate_unique=False)
    _unique_or_400(instance)
    instance.save()
    for name, value in many.items():
        getattr(instance, name).set(value)
    audit_event_record(action=f"{instance._meta.model_name}_saved", actor=actor, target=instance)
    return instance


def _unique_or_400(instance) -> None:
    try:
        instance.validate_unique()
        instance.validate_constraints()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainValidationError(messages[0], field=field if field != "__all__" else "name") from error


@transaction.atomic
def catalog_delete(*, actor, instance) -> None:
    """Delete an unused catalog row (client, project, task, leave type…); one in use is
    archived or deactivated instead."""
    ensure_admin(actor, denied=_("Only admins can delete %(things)s.") % {"things": instance._meta.verbose_name_plural})
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError as error:
        raise Conflict(
            f"{instance._meta.verbose_name.capitalize()} '{instance}' is still in use; "
            "archive or deactivate it instead.",
            code="in_use",
        ) from error
    audit_event_record(action=f"{instance._meta.model_name}_deleted", actor=actor, data={"repr": str(instance)})
