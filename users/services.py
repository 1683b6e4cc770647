"""Writes on users, teams and authentication. API, admin and commands all call these."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError, Forbidden, Unauthenticated
from core.net import client_ip
from core.ratelimit import rate_limit_enforce
from core.signals import leave_basis_changed, person_employed
from core.texts import Template
from core.validators import validate_display_name
from users.closings import ensure_contract_version_writable
from users.models import Contract, Team, TokenFamily, User
from users.permissions import ensure_admin
from users.schedules import schedule_of
from users.services_mfa import ENROLMENT_REQUIRED, mfa_enrolment_missing, mfa_verify
from users.services_tokens import tokens_revoke_all_of
from users.tokens import RotatedRefreshToken, refresh_token_issue, token_family_id_of, token_generation_of

USER_ADMIN_FIELDS = {
    "email",
    "first_name",
    "last_name",
    "timezone",
    "role",
    "team",
    "is_active",
    "holiday_calendar",
    "night_worker",
    "employment_start",
    "employment_end",
}
# The terms of a new person's first contract version; later they change only through
# contract versions (`contract_version_*`), which `User.weekly_contract_hours`/`work_days` mirror.
USER_FIRST_CONTRACT_FIELDS = {"weekly_contract_hours", "work_days"}
CONTRACT_FIELDS = ("valid_from", "weekly_hours", "work_days", "holiday_calendar", "policy")
USER_PROFILE_FIELDS = {"first_name", "last_name", "timezone", "language"}
USER_NAME_FIELDS = ("first_name", "last_name")


def _ensure_display_names(**names) -> None:
    """Names reach pages, exports and calendar feeds: refuse control characters, whichever
    door (API, admin, sign-up, an import) they came through."""
    for field, value in names.items():
        try:
            validate_display_name(value)
        except ValidationError as error:
            raise DomainValidationError(error.messages[0], field=field) from error


def _ensure_user_names(fields: dict) -> None:
    _ensure_display_names(**{name: fields[name] for name in USER_NAME_FIELDS if fields.get(name) is not None})


def _leave_basis(user: User) -> tuple:
    """What decides how long a day of leave is for `user`."""
    return user.effective_holiday_calendar_id, user.work_days, user.weekly_contract_hours


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise DomainValidationError(" ".join(error.messages), field="password") from error


def _save_new_user(user: User, password: str) -> User:
    _validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.full_clean(exclude=["password"], validate_unique=False)
            user.save()
    except IntegrityError as error:  # two sign-ups with one email at once
        raise DomainValidationError(gettext("A user with this email already exists."), field="email") from error
    return user


def _ensure_email_free(email: str, *, exclude_pk=None) -> None:
    if User.objects.filter(email__iexact=email).exclude(pk=exclude_pk).exists():
        raise DomainValidationError(gettext("A user with this email already exists."), field="email")


@transaction.atomic
def user_register(
    *, email: str, password: str, first_name: str = "", last_name: str = "", timezone: str = "UTC", request=None
) -> User:
    """Self sign-up: always an employee with no team."""
    _ensure_user_names({"first_name": first_name, "last_name": last_name})
    _ensure_email_free(email)
    user = User(email=email, first_name=first_name, last_name=last_name, timezone=timezone, role=User.Role.EMPLOYEE)
    user.employment_start = user.local_today()
    _save_new_user(user, password)
    contract_first_create(user)
    audit_event_record(action="user_registered", actor=user, target=user, request=request)
    person_employed.send(sender=User, user=user)
    return user


@transaction.atomic
def user_create(*, actor: User, password: str, request=None, **fields) -> User:
    ensure_admin(actor, denied=gettext("Only admins can create users."))
    _ensure_user_names(fields)
    _ensure_email_free(fields["email"])
    allowed = USER_ADMIN_FIELDS | USER_FIRST_CONTRACT_FIELDS
    user = User(**{name: value for name, value in fields.items() if name in allowed and value is not None})
    if fields.get("employment_start") is None:
        user.employment_start = user.local_today()
    _ensure_employment_dates(user)
    _save_new_user(user, password)
    contract_first_create(user)
    audit_event_record(action="user_created", actor=actor, target=user, request=request, data={"role": user.role})
    person_employed.send(sender=User, user=user)
    return user


@transaction.atomic
def user_update(*, user: User, actor: User, request=None, **fields) -> User:
    """Admin edit of any user field. Role changes and deactivation are audited; deactivation
    also ends every session of the user and revokes their personal access tokens
    (`user_tokens_revoke`); reactivation does not bring them back."""
    ensure_admin(actor, denied=gettext("Only admins can edit users."))
    _ensure_user_names(fields)
    user = User.objects.select_for_update().get(pk=user.pk)
    if "email" in fields:
        _ensure_email_free(fields["email"], exclude_pk=user.pk)
    old_role, was_active, old_leave_basis = user.role, user.is_active, _leave_basis(user)
    old_employment = (user.employment_start, user.employment_end)
    if actor.pk == user.pk and (fields.get("role", old_role) != old_role or fields.get("is_active") is False):
        raise DomainValidationError(gettext("You cannot change your own role or deactivate yourself."), field="role")
    for name, value in fields.items():
        if name in USER_ADMIN_FIELDS:
            setattr(user, name, value)
    _ensure_employment_dates(user)
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save()
    if (user.employment_start, user.employment_end) != old_employment:
        changed = [day for day in (*old_employment, user.employment_start, user.employment_end) if day is not None]
        leave_basis_changed.send(
            sender=User,
            user_ids=[user.pk],
            since=min(changed),
            actor=actor,
            reason=Template(gettext_noop("Employment dates changed")) % {},
        )
        _contract_mirror(user)
    if _leave_basis(user) != old_leave_basis:
        leave_basis_changed.send(
            sender=User,
            user_ids=[user.pk],
            since=user.local_today(),
            actor=actor,
            reason=Template(gettext_noop("Working days, hours or holidays changed")) % {},
        )
    if user.role != old_role:
        audit_event_record(
            action="role_changed", actor=actor, target=user, request=request, data={"from": old_role, "to": user.role}
        )
    if was_active and not user.is_active:
        user_tokens_revoke(user=user, actor=actor, request=request, reason="user_deactivated")
        audit_event_record(action="user_deactivated", actor=actor, target=user, request=request)
    elif not was_active and user.is_active:
        audit_event_record(action="user_activated", actor=actor, target=user, request=request)
    return user


def user_deactivate(*, user: User, actor: User, request=None) -> User:
    return user_update(user=user, actor=actor, request=request, is_active=False)


def user_activate(*, user: User, actor: User, request=None) -> User:
    return user_update(user=user, actor=actor, request=request, is_active=True)


@transaction.atomic
def user_profile_update(*, user: User, **fields) -> User:
    """What people may change about themselves: names, time zone and language, nothing else."""
    _ensure_user_names(fields)
    for name, value in fields.items():
        if name in USER_PROFILE_FIELDS:
            setattr(user, name, value)
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save(update_fields=[name for name in fields if name in USER_PROFILE_FIELDS] or None)
    return user


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str, request=None) -> None:
    """Change one's own password and sign out every session: all refresh tokens and personal
    access tokens are revoked."""
    if not user.check_password(old_password):
        raise DomainValidationError(gettext("The current password is wrong."), field="old_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        raise DomainValidationError(" ".join(error.messages), field="new_password") from error
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_tokens_revoke(user=user, actor=user, request=request, reason="password_changed")
    audit_event_record(action="password_changed", actor=user, target=user, request=request)


def user_tokens_revoke(*, user: User, reason: str, actor: User | None = None, request=None) -> int:
    """End every session of `user`: bump the token generation (every access and refresh
    token issued so far is refused from now on), end the token families, blacklist the
    outstanding refresh tokens and revoke the personal access tokens (`reason` says why);
    returns how many refresh tokens were live.

    bulk_create and update() send no signals, so the revocation writes its own audit event."""
    User.objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)
    user.refresh_from_db(fields=["token_generation"])
    TokenFamily.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    live = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    audit_event_record(action="tokens_revoked", actor=actor, target=user, request=request, data={"count": len(created)})
    tokens_revoke_all_of(user=user, reason=reason, actor=actor, request=request)
    return len(created)


def auth_login_attempt_limit(*, request, email: str) -> None:
    """Count one sign-in attempt for `email` from this client and raise RateLimited past the
    per-IP+email or the per-IP limit. The API, the pages and the admin login all call this,
    so an attempt anywhere counts everywhere (same keys, same shared cache)."""
    ip = client_ip(request)
    rate_limit_enforce(
        request,
        ("login-ip-email", f"{ip}|{email.strip().lower()}", settings.RATE_LIMIT_LOGIN_PER_EMAIL),
        ("login-ip", ip, settings.RATE_LIMIT_LOGIN_PER_IP),
    )


def _token_pair(user: User, family: TokenFamily) -> dict[str, str]:
    refresh = refresh_token_issue(user=user, family=family)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def auth_login(*, email: str, password: str, otp: str | None = None, request=None) -> dict:
    """Email + password -> a new access/refresh pair starting a new token family. Failures
    are audited by the `user_login_failed` signal that `authenticate` sends. With two-factor
    sign-in on, the right password without `otp` answers {"mfa_required": True}; a role that
    must enrol and has not gets no tokens (403)."""
    user = authenticate(request, email=email.strip().lower(), password=password)
    if user is None or not user.is_active:
        raise Unauthenticated(gettext("No active account found with the given credentials."))
    if user.mfa_enabled:
        if not otp:
            return {"mfa_required": True}
        mfa_verify(user=user, code=otp, request=request, via="api")
    elif mfa_enrolment_missing(user):
        raise Forbidden(ENROLMENT_REQUIRED, code="mfa_enrolment_required")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
        data = {"method": "jwt", "mfa": user.mfa_enabled}
        audit_event_record(action="login", actor=user, target=user, request=request, data=data)
        return _token_pair(user, TokenFamily.objects.create(user=user))


class _RefreshTokenReused(Exception):
    def __init__(self, user: User, family_id: str | None):
        super().__init__("refresh token used twice")
        self.user, self.family_id = user, family_id


def _consume_refresh(token: RotatedRefreshToken) -> tuple[User, TokenFamily | None]:
    """Blacklist a refresh token exactly once; return its active user and its live family
    (None for a token issued without one).

    The blacklist row is unique per token, so of two requests presenting one token exactly
    one insert goes through and the other raises _RefreshTokenReused. A loser's insert waits
    for the winner's transaction to commit, so the loser ends the family only after the
    winner has its new pair (which then dies with the family: parallel use is reuse).
    """
    outstanding = OutstandingToken.objects.filter(jti=token["jti"]).select_related("user").first()
    if outstanding is None or outstanding.user is None:
        raise Unauthenticated(gettext("Token is invalid."), code="token_not_valid")
    user, family_id = outstanding.user, token_family_id_of(token)
    family = None
    if family_id is not None:
        family = TokenFamily.objects.filter(pk=family_id, user=user).first()
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError as error:
        raise _RefreshTokenReused(user, family_id) from error
    if not user.is_active:
        raise Unauthenticated(gettext("User is inactive."), code="user_inactive")
    if token_generation_of(token) != user.token_generation or (family_id is not None and family is None):
        raise Unauthenticated(gettext("Token is no longer valid."), code="token_not_valid")
    if family is not None and family.revoked_at is not None:
        raise Unauthenticated(gettext("The session has ended."), code="token_not_valid")
    return user, family


def _refresh_use(raw_token: str, then):
    """Consume `raw_token` and call `then(user, family)` in one transaction. A token that was
    already used ends its whole family, in a transaction of its own that stays committed."""
    try:
        token = RotatedRefreshToken(raw_token)  # signature, expiry and type
    except TokenError as error:
        raise Unauthenticated(str(error), code="token_not_valid") from error
    try:
        with transaction.atomic():
            return then(*_consume_refresh(token))
    except _RefreshTokenReused as reuse:
        if reuse.family_id is not None:
            ended = TokenFamily.objects.filter(pk=reuse.family_id, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            if ended:
                audit_event_record(
                    action="token_reuse_detected", target=reuse.user, data={"family": str(reuse.family_id)}
                )
        raise Unauthenticated(gettext("Token is blacklisted."), code="token_not_valid") from None


def auth_token_refresh(*, refresh: str) -> dict[str, str]:
    """Rotate: the presented refresh token is used up and a new pair of its family is issued.
    Presenting a token that was already rotated ends its family (see users/tokens.py)."""
    return _refresh_use(
        refresh, lambda user, family: _token_pair(user, family or TokenFamily.objects.create(user=user))
    )


def auth_logout(*, refresh: str, request=None) -> None:
    """End the session (the token family) of `refresh`: its refresh and access tokens stop
    working; the user's other sessions go on."""

    def end_session(user: User, family: TokenFamily | None) -> None:
        if family is not None:
            family.revoked_at = timezone.now()
            family.save(update_fields=["revoked_at"])
        audit_event_record(action="logout", actor=user, target=user, request=request, data={"method": "jwt"})

    _refresh_use(refresh, end_session)


@transaction.atomic
def team_create(
    *,
    actor: User,
    name: str,
    managers=(),
    holiday_calendar=None,
    absences_visible_to_members: bool = True,
    request=None,
) -> Team:
    ensure_admin(actor, denied=gettext("Only admins can create teams."))
    _ensure_display_names(name=name)
    if Team.objects.filter(name__iexact=name).exists():
        raise DomainValidationError(gettext("A team with this name already exists."), field="name")
    team = Team.objects.create(
        name=name, holiday_calendar=holiday_calendar, absences_visible_to_members=absences_visible_to_members
    )
    _team_managers_set(team, managers)
    audit_event_record(action="team_created", actor=actor, target=team, request=request)
    return team


@transaction.atomic
def team_update(*, team: Team, actor: User, request=None, **fields) -> Team:
    ensure_admin(actor, denied=gettext("Only admins can edit teams."))
    # The stored row, not the caller's instance: the admin's form has already put the new
    # values on that one, so comparing with it missed every change (a team's new holiday
    # calendar was neither saved nor re-counted its members' leave).
    team = Team.objects.select_for_update().get(pk=team.pk)
    if "name" in fields:
        _ensure_display_names(name=fields["name"])
        if Team.objects.filter(name__iexact=fields["name"]).exclude(pk=team.pk).exists():
            raise DomainValidationError(gettext("A team with this name already exists."), field="name")
        team.name = fields["name"]
        team.save(update_fields=["name"])
    if "holiday_calendar" in fields and fields["holiday_calendar"] != team.holiday_calendar:
        team.holiday_calendar = fields["holiday_calendar"]
        team.save(update_fields=["holiday_calendar"])
        # Members with a calendar of their own are not affected.
        leave_basis_changed.send(
            sender=Team,
            user_ids=team.members.filter(holiday_calendar__isnull=True).values_list("pk", flat=True),
            since=actor.local_today(),
            actor=actor,
            reason=Template(gettext_noop("Team %(name)s changed holiday calendar")) % {"name": team.name},
        )
    if "absences_visible_to_members" in fields:
        team.absences_visible_to_members = fields["absences_visible_to_members"]
        team.save(update_fields=["absences_visible_to_members"])
    if "managers" in fields:
        _team_managers_set(team, fields["managers"])
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: User, request=None) -> None:
    """Deleting a team leaves its members without a team; their data stays."""
    ensure_admin(actor, denied=gettext("Only admins can delete teams."))
    audit_event_record(action="team_deleted", actor=actor, target=team, request=request)
    # on_delete=SET_NULL would clear the members' team in one UPDATE that auditlog never
    # sees; saving each member leaves the change in their field history.
    members = list(team.members.select_for_update())
    for member in members:
        member.team = None
        member.save(update_fields=["team"])
    team.delete()
    if team.holiday_calendar_id:
        leave_basis_changed.send(
            sender=Team,
            user_ids=[member.pk for member in members if not member.holiday_calendar_id],
            since=actor.local_today(),
            actor=actor,
            reason=Template(gettext_noop("Team %(name)s deleted")) % {"name": team.name},
        )


def _team_managers_set(team: Team, managers) -> None:
    not_managers = [str(user) for user in managers if user.role not in (User.Role.MANAGER, User.Role.ADMIN)]
    if not_managers:
        raise DomainValidationError(
            gettext("Only users with the manager or admin role can manage a team: %(people)s.")
            % {"people": ", ".join(not_managers)},
            field="managers",
        )
    team.managers.set(managers)


def _ensure_employment_dates(user: User) -> None:
    if user.employment_end is not None and user.employment_start and user.employment_end < user.employment_start:
        raise DomainValidationError(gettext("The employment cannot end before it starts."), field="employment_end")


def ensure_employed(user: User, first_day, last_day, field: str, last_field: str | None = None) -> None:
    """Refuse a write for `user` on days outside their employment with a 400 naming `field`
    (`last_field`, when given, for a `last_day` after the end): time entries and leave exist
    only between `employment_start` and `employment_end`."""
    if first_day < user.employment_start:
        raise DomainValidationError(
            gettext("%(user)s is employed from %(start)s; %(day)s is before that.")
            % {"user": user, "start": user.employment_start.isoformat(), "day": first_day.isoformat()},
            field=field,
        )
    if user.employment_end is not None and last_day > user.employment_end:
        raise DomainValidationError(
            gettext("%(user)s's employment ended on %(end)s; %(day)s is after that.")
            % {"user": user, "end": user.employment_end.isoformat(), "day": last_day.isoformat()},
            field=last_field or field,
        )


def contract_first_create(user: User) -> Contract:
    """A new person's first contract version, from their fields, in force from the start.
    Every creator of people calls it (`user_create`, `user_register`, `seed_demo`)."""
    return Contract.objects.create(
        user=user,
        valid_from=user.employment_start,
        weekly_hours=user.weekly_contract_hours,
        work_days=user.work_days,
    )


def _contract_mirror(user: User) -> bool:
    """Put the terms in force today (before the start: the first version's; after the end:
    the last one's) on `User.weekly_contract_hours`/`work_days`; True when they changed."""
    schedule = schedule_of(user)
    if not schedule.versions:
        return False
    today = user.local_today()
    day = min(max(today, user.employment_start), user.employment_end or today)
    terms = schedule.terms_on(day) or schedule.versions[0]
    work_days = "".join(str(weekday) for weekday in sorted(terms.work_days))
    if (Decimal(str(user.weekly_contract_hours)), user.work_days) == (terms.weekly_hours, work_days):
        return False
    user.weekly_contract_hours, user.work_days = terms.weekly_hours, work_days
    user.save(update_fields=["weekly_contract_hours", "work_days"])
    return True


def contract_mirror_today(*, today_utc=None) -> int:
    """The daily job: re-mirror everyone with a version that starts within the last two days
    (time zones run up to a day apart from UTC, and a missed run is caught the next day);
    returns how many people's fields changed."""
    today = today_utc or timezone.now().date()
    user_ids = (
        Contract.objects.filter(valid_from__gt=today - timedelta(days=2), valid_from__lte=today + timedelta(days=1))
        .values_list("user_id", flat=True)
        .distinct()
    )
    changed = 0
    for user in User.objects.filter(pk__in=list(user_ids)):
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=user.pk)
            changed += _contract_mirror(locked)
    return changed


def _ensure_can_write_contracts(actor: User) -> None:
    ensure_admin(actor, denied=gettext("Only admins can change contracts."))


def _contract_validate(version: Contract) -> None:
    user = version.user
    if version.valid_from < user.employment_start:
        raise DomainValidationError(
            gettext("%(user)s is employed from %(start)s: a version cannot start before that.")
            % {"user": user, "start": user.employment_start.isoformat()},
            field="valid_from",
        )
    if user.employment_end is not None and version.valid_from > user.employment_end:
        raise DomainValidationError(
            gettext("%(user)s's employment ended on %(end)s: a version cannot start after that.")
            % {"user": user, "end": user.employment_end.isoformat()},
            field="valid_from",
        )
    clash = Contract.objects.filter(user=user, valid_from=version.valid_from).exclude(pk=version.pk)
    if clash.exists():
        raise DomainValidationError(
            gettext("%(user)s already has a version from %(day)s.")
            % {"user": user, "day": version.valid_from.isoformat()},
            field="valid_from",
        )
    try:
        version.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainValidationError(" ".join(messages), field=field) from error


def _contract_written(user: User, *, since, actor: User, request, action: str, version: Contract) -> None:
    """After a version write: mirror today's terms and re-count leave from `since` on. A
    version starting later re-counts too: leave already booked for those days is counted on
    that version's terms once leave reads schedules."""
    _contract_mirror(user)
    if since is not None:
        leave_basis_changed.send(
            sender=User,
            user_ids=[user.pk],
            since=since,
            actor=actor,
            reason=Template(gettext_noop("Contract version changed")) % {},
        )
    audit_event_record(
        action=action,
        actor=actor,
        target=user,
        request=request,
        data={"valid_from": version.valid_from.isoformat(), "weekly_hours": str(version.weekly_hours)},
    )


def _ensure_span_open(user: User, version: Contract) -> None:
    """The days the version's terms govern — from its `valid_from` to the day before the
    next version (or open-ended) — must not reach into a closed month (409 naming it)."""
    following = (
        Contract.objects.filter(user=user, valid_from__gt=version.valid_from)
        .exclude(pk=version.pk)
        .order_by("valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    until = following - timedelta(days=1) if following else None
    ensure_contract_version_writable(user=user, valid_from=version.valid_from, valid_until=until)


def _save_contract(version: Contract) -> None:
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError as error:  # two writes of one day at once
        raise DomainValidationError(
            gettext("This person already has a version from that day."), field="valid_from"
        ) from error


@transaction.atomic
def contract_version_create(*, actor: User, user: User, request=None, **fields) -> Contract:
    """A new contract version of `user` from `valid_from` (admins only)."""
    _ensure_can_write_contracts(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    version = Contract(user=user, **{name: fields[name] for name in CONTRACT_FIELDS if name in fields})
    _contract_validate(version)
    _ensure_span_open(user, version)
    _save_contract(version)
    _contract_written(
        user, since=version.valid_from, actor=actor, request=request, action="contract_created", version=version
    )
    return version


@transaction.atomic
def contract_version_update(*, actor: User, version: Contract, request=None, **fields) -> Contract:
    """Change a version's day or terms (admins only); leave re-counts from the earlier of
    its old and new first day."""
    _ensure_can_write_contracts(actor)
    user = User.objects.select_for_update().get(pk=version.user_id)
    version = Contract.objects.select_for_update().get(pk=version.pk)
    old_from = version.valid_from
    _ensure_span_open(user, version)
    for name in CONTRACT_FIELDS:
        if name in fields:
            setattr(version, name, fields[name])
    version.user = user
    _contract_validate(version)
    _ensure_span_open(user, version)
    _save_contract(version)
    _contract_written(
        user,
        since=min(old_from, version.valid_from),
        actor=actor,
        request=request,
        action="contract_updated",
        version=version,
    )
    return version


@transaction.atomic
def contract_version_delete(*, actor: User, version: Contract, request=None) -> None:
    """Remove a version (admins only): the one before it stays in force longer. A person's
    only version stays (they always have terms)."""
    _ensure_can_write_contracts(actor)
    user = User.objects.select_for_update().get(pk=version.user_id)
    version = Contract.objects.select_for_update().get(pk=version.pk)
    if not Contract.objects.filter(user=user).exclude(pk=version.pk).exists():
        raise Conflict(
            gettext("This is %(person)s's only contract version; change it instead.") % {"person": user},
            code="last_contract_version",
        )
    _ensure_span_open(user, version)
    version.delete()
    _contract_written(
        user, since=version.valid_from, actor=actor, request=request, action="contract_deleted", version=version
    )
