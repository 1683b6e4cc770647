"""Field-level history of the compliance models (django-auditlog). Acknowledgements and
policy saves are also written as business events, with their actor, by the services."""

from auditlog.registry import auditlog

from compliance.models import Violation, WorkingTimePolicy

auditlog.register(WorkingTimePolicy, m2m_fields={"teams"})
auditlog.register(Violation)
