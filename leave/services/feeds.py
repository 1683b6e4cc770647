"""Secret ICS feed URLs of a person's (and a manager's team's) absences."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_event_record
from core.errors import Forbidden
from leave.models import CalendarFeed, new_feed_token
from users.models import User


def calendar_feed_allowed(feed: CalendarFeed) -> bool:
    """A team feed is for those who see their team's absences (`User.sees_team_absences`):
    managers, admins, and members while their team shares its absences."""
    return feed.scope != CalendarFeed.Scope.TEAM or feed.user.sees_team_absences


def calendar_feeds_for(user: User) -> list[CalendarFeed]:
    """The user's ICS feeds: a personal one, and a team one for those `calendar_feed_allowed` lets have it."""
    scopes = [CalendarFeed.Scope.PERSONAL]
    if user.sees_team_absences:
        scopes.append(CalendarFeed.Scope.TEAM)
    return [CalendarFeed.objects.get_or_create(user=user, scope=scope)[0] for scope in scopes]


@transaction.atomic
def calendar_feed_regenerate(*, feed: CalendarFeed, actor: User) -> CalendarFeed:
    """A new secret token; the old URL stops working at once."""
    if feed.user_id != actor.pk:
        raise Forbidden(_("You can only regenerate your own feeds."))
    feed.token = new_feed_token()
    feed.save(update_fields=["token"])
    audit_event_record(action="calendar_feed_regenerated", actor=actor, target=feed)
    return feed
