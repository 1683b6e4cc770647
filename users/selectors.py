"""Who may see whom. Every app scopes its data through these, so the rule lives once:
admins see everyone, managers the members of the teams they manage (and themselves),
employees only themselves."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from core.models import AuditEvent
from users.models import Contract, PersonalAccessToken, Team, User


def teams_managed_by(actor: User) -> QuerySet[Team]:
    if actor.is_admin:
        return Team.objects.all()
    return Team.objects.filter(managers=actor)


def users_visible_to(actor: User) -> QuerySet[User]:
    users = User.objects.select_related("team")
    if actor.is_admin:
        return users
    if actor.is_manager:
        return users.filter(team__in=teams_managed_by(actor).values("pk")) | users.filter(pk=actor.pk)
    return users.filter(pk=actor.pk)


def users_whose_absences_visible_to(actor: User) -> QuerySet[User]:
    """The people whose absences (dates, and the leave type when it is not private) `actor`
    sees: everyone they see (`users_visible_to`) and, while their team shares absences
    (`Team.absences_visible_to_members`), their team mates."""
    users = users_visible_to(actor)
    if actor.is_admin or not actor.team_id:
        return users
    mates = User.objects.select_related("team").filter(team_id=actor.team_id, team__absences_visible_to_members=True)
    return users | mates


def user_ids_visible_to(actor: User) -> QuerySet:
    """The ids of `users_visible_to(actor)`, for filtering other apps' rows by `user_id__in`."""
    return users_visible_to(actor).values("pk")


class _AmongIds(Func):
    """`column = ANY(ARRAY(subquery))`: the subquery runs first, once, inside the same
    statement, and the planner counts on a handful of people rather than guessing."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def owned_rows_visible_to(actor: User, rows: QuerySet) -> QuerySet:
    """Other apps' per-person rows (entries, timesheets, leave, violations) that `actor` may
    see: all for admins, else those of the people they see. The one scoping rule they share.

    A manager's people are matched as an array on PostgreSQL: filtered by `IN (subquery)`,
    the planner guessed half the users for the subquery's "teams managed by me OR me" and
    hash-joined every person's rows (a manager's entry list read all 1,000,000)."""
    if actor.is_admin:
        return rows
    if not actor.is_manager:
        return rows.filter(user_id=actor.pk)
    people = user_ids_visible_to(actor).order_by()
    if connections[rows.db].vendor == "postgresql":
        return rows.filter(_AmongIds(F("user_id"), ArraySubquery(people)))
    return rows.filter(user_id__in=people)


def audit_events_visible_to(actor: User) -> QuerySet[AuditEvent]:
    """Admins read every business event; managers those about or by the people they manage
    (themselves included); employees none."""
    events = AuditEvent.objects.select_related("actor", "subject")
    if actor.is_admin:
        return events
    if actor.is_manager:
        people = user_ids_visible_to(actor)
        return events.filter(Q(subject_id__in=people) | Q(actor_id__in=people))
    return events.none()


def teams_visible_to(actor: User) -> QuerySet[Team]:
    teams = Team.objects.prefetch_related("managers")
    if actor.is_admin:
        return teams
    managed = teams.filter(pk__in=teams_managed_by(actor).values("pk"))
    if actor.team_id:
        return managed | teams.filter(pk=actor.team_id)
    return managed


def visible_user_or_self(actor: User, user_id: int | None) -> User:
    """The user `user_id` if the actor may see them (else 404: hidden and missing look
    alike), or the actor themselves when no user is asked for."""
    if user_id is None:
        return actor
    user = users_visible_to(actor).filter(pk=user_id).first()
    if user is None:
        raise Http404(gettext("No such user."))
    return user


def contracts_visible_to(actor: User) -> QuerySet[Contract]:
    """Contract versions: admins all, managers their teams' people (and their own),
    employees their own."""
    return owned_rows_visible_to(actor, Contract.objects.select_related("user"))


def contract_in_force_today(user: User) -> Contract | None:
    """The version in force on the person's today (before their first version: the first).
    Reads `user.contracts.all()`, so a list that prefetches `contracts` asks no query per row."""
    versions = sorted(user.contracts.all(), key=lambda version: version.valid_from)
    today = user.local_today()
    in_force = [version for version in versions if version.valid_from <= today]
    return in_force[-1] if in_force else (versions[0] if versions else None)


def personal_tokens_of(actor: User) -> QuerySet[PersonalAccessToken]:
    """Personal access tokens over the API: everyone sees only their own, admins too (they
    see and revoke everyone's in the admin)."""
    return PersonalAccessToken.objects.filter(user=actor)
