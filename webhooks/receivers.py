"""Webhooks follow the services through `core.signals.domain_event` (`domain_events` for a
bulk write's many) and month closings through `core.signals.month_closing` (the list of
every signal is in core/signals.py). They run inside the sender's transaction: the event
and its deliveries are written with the change, and sent after it commits."""

from core.signals import domain_event, domain_events, month_closing
from users.models import MonthClosing
from webhooks.payloads import DATA_OF, month_closing_data
from webhooks.services import webhook_event_publish, webhook_events_publish


def domain_event_publish(sender, *, event: str, instance, **kwargs) -> None:
    webhook_event_publish(event=event, data_of=lambda: DATA_OF[sender](instance))


def domain_events_publish(sender, *, event: str, instances, **kwargs) -> None:
    data_of = DATA_OF[sender]
    webhook_events_publish(
        event=event, data_of_each=[lambda instance=instance: data_of(instance) for instance in instances]
    )


def month_closed_publish(sender, *, closing: MonthClosing, people, **kwargs) -> None:
    webhook_event_publish(event="month.closed", data_of=lambda: month_closing_data(closing, len(people)))


def connect() -> None:
    domain_event.connect(domain_event_publish, dispatch_uid="webhooks-domain-event-publish")
    domain_events.connect(domain_events_publish, dispatch_uid="webhooks-domain-events-publish")
    month_closing.connect(month_closed_publish, dispatch_uid="webhooks-month-closed-publish")
