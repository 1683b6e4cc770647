"""Field-level history of time data (django-auditlog). Approvals, rejections and the payroll
lock are also written as business events, with their actor, by the services."""

from auditlog.registry import auditlog

from timeentries.models import Client, LockPeriod, Project, Task, TimeEntry, Timesheet

auditlog.register(Client)
auditlog.register(TimeEntry)
auditlog.register(Project, m2m_fields={"teams"})
auditlog.register(Task)
auditlog.register(Timesheet)
auditlog.register(LockPeriod)
