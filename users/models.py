import uuid
from datetime import date
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as django_timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@cache
def time_zone_names() -> frozenset[str]:
    """The IANA zone names installed. Read once: listing them walks the zoneinfo directory,
    which cost each report request ten milliseconds."""
    return frozenset(available_timezones())


def validate_timezone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            gettext("'%(zone)s' is not an IANA time zone (for example Europe/Berlin).") % {"zone": value}
        )


def validate_work_days(value: str) -> None:
    if not value or any(char not in "1234567" for char in value) or len(set(value)) != len(value):
        raise ValidationError(gettext("List the ISO weekdays worked, e.g. 12345 for Monday to Friday."))


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    managers = models.ManyToManyField(
        "users.User", related_name="managed_teams", blank=True, verbose_name=_("managers")
    )
    holiday_calendar = models.ForeignKey(
        "leave.HolidayCalendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams",
        verbose_name=_("holiday calendar"),
    )
    absences_visible_to_members = models.BooleanField(
        default=True,
        help_text="Members see when their team mates are away (dates only; the type when it is not private). "
        "Off: only managers and admins see the team's absences.",
        verbose_name=_("absences visible to members"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=email, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields["role"] = User.Role.ADMIN
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs time. Email is the login; the role decides what they may do."""

    class Role(models.TextChoices):
        EMPLOYEE = "employee", _("Employee")
        MANAGER = "manager", _("Manager")
        ADMIN = "admin", _("Admin")

    email = models.EmailField(unique=True, verbose_name=_("email"))
    first_name = models.CharField(max_length=150, blank=True, verbose_name=_("first name"))
    last_name = models.CharField(max_length=150, blank=True, verbose_name=_("last name"))
    timezone = models.CharField(
        max_length=64, default="UTC", validators=[validate_timezone], verbose_name=_("timezone")
    )
    # Pages, emails and API messages speak it; blank follows the browser (Accept-Language).
    language = models.CharField(_("language"), max_length=8, blank=True, default="", choices=settings.LANGUAGES)
    weekly_contract_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=40,
        validators=[MinValueValidator(0), MaxValueValidator(80)],
        verbose_name=_("weekly contract hours"),
    )
    role = models.CharField(
        max_length=16, choices=Role.choices, default=Role.EMPLOYEE, db_index=True, verbose_name=_("role")
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members", verbose_name=_("team")
    )
    # Overrides the team's calendar (someone working from another country).
    holiday_calendar = models.ForeignKey(
        "leave.HolidayCalendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("holiday calendar"),
    )
    # ISO weekdays worked, 1 = Monday: "12345" is Monday to Friday.
    work_days = models.CharField(
        max_length=7, default="12345", validators=[validate_work_days], verbose_name=_("work days")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    # ArbZG §2(5) nr. 1: works night shifts in rotation as a rule. Night work on 48 days of
    # a year makes someone a night worker too (compliance derives that from the entries).
    night_worker = models.BooleanField(
        default=False,
        help_text="Works night shifts in rotation as a rule (a night worker, ArbZG §2(5)).",
        verbose_name=_("night worker"),
    )
    # Derived from `role` in save(): managers and admins may use the Django admin.
    is_staff = models.BooleanField(default=False, editable=False, verbose_name=_("is staff"))
    date_joined = models.DateTimeField(default=django_timezone.now, verbose_name=_("date joined"))
    # Employment (issue 15): before the start and after the end the person is expected to
    # work nothing, accrues nothing and can log neither time nor leave.
    employment_start = models.DateField(default=django_timezone.localdate, verbose_name=_("employment start"))
    employment_end = models.DateField(null=True, blank=True, verbose_name=_("employment end"))
    # Every token carries the generation it was issued under; bumping it (password change,
    # deactivation) ends all of the user's sessions at once. `user_tokens_revoke` bumps it
    # with an F() update, so two revocations at once both count.
    token_generation = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("token generation"))
    # Whether the person has a confirmed second factor (users/services_mfa.py keeps it with the
    # devices, in the same transaction): the sign-in checks read it from the user row they load
    # anyway instead of asking the device tables on every request.
    mfa_enabled = models.BooleanField(default=False, editable=False, verbose_name=_("two-factor sign-in"))

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(weekly_contract_hours__gte=0, weekly_contract_hours__lte=80),
                name="user_weekly_contract_hours_range",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["employee", "manager", "admin"]), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(employment_end__isnull=True)
                | models.Q(employment_end__gte=models.F("employment_start")),
                name="user_employment_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        self.is_staff = self.role in (self.Role.MANAGER, self.Role.ADMIN)
        self.is_superuser = self.role == self.Role.ADMIN
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff", "is_superuser"}
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def sees_team_absences(self) -> bool:
        """Whether the team calendar is open to them: managers and admins always, members
        while their team shares its absences (`Team.absences_visible_to_members`)."""
        return self.is_manager or self.is_admin or bool(self.team_id and self.team.absences_visible_to_members)

    @property
    def work_weekdays(self) -> frozenset[int]:
        return frozenset(int(char) for char in self.work_days)

    @property
    def hours_per_work_day(self) -> Decimal:
        return Decimal(str(self.weekly_contract_hours)) / max(1, len(self.work_days))

    @property
    def effective_holiday_calendar_id(self) -> int | None:
        if self.holiday_calendar_id:
            return self.holiday_calendar_id
        return self.team.holiday_calendar_id if self.team_id else None

    @property
    def tzinfo(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def local_today(self) -> date:
        """Today's date where this person is."""
        return django_timezone.localdate(django_timezone.now(), self.tzinfo)


class TokenFamily(models.Model):
    """One sign-in over the API: the chain of refresh tokens that rotation derives from its
    first pair. Every token of the chain (and its access tokens) names the family, so ending
    the family (logout, reuse of a rotated refresh token) ends exactly that session."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="token_families", verbose_name=_("user"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name = _("token family")
        verbose_name_plural = _("token families")

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"


class PersonalAccessToken(models.Model):
    """A long-lived API credential a person makes for a script or an integration
    (`Authorization: Bearer tt_pat_…`). Only the secret's SHA-256 is stored; the secret is
    shown once, when it is made. Revoking keeps the row (listed as revoked)."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Write")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="personal_access_tokens", verbose_name=_("user")
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    # The marker and the first characters of the secret: lets people (and secret scanners'
    # reports) tell their tokens apart without the secret; also the index a lookup starts from.
    prefix = models.CharField(max_length=16, db_index=True, editable=False, verbose_name=_("prefix"))
    hash = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("hash"))
    scopes = models.JSONField(
        default=list, help_text='"read", or "read" and "write"; write includes read.', verbose_name=_("scopes")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("last used at"))
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("revoked at"))
    revoked_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.Scope.WRITE in self.scopes

    def status_at(self, moment) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= moment else "active"


class OidcIdentity(models.Model):
    """A person's account at the OpenID Connect provider, linked at their first single sign-on.
    The provider's `sub` (stable, never reassigned) finds the person at every later sign-in,
    whatever happens to their email address."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="oidc_identities", verbose_name=_("user"))
    issuer = models.CharField(max_length=255, verbose_name=_("issuer"))
    subject = models.CharField(max_length=255, verbose_name=_("subject"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_login_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("last login at"))

    class Meta:
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique_subject")]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class Contract(models.Model):
    """One version of a person's employment contract: in force from `valid_from` until the
    next version's `valid_from` (the version in force on a day is the one with the latest
    `valid_from` on or before it). Readers that count per day (expected hours, leave,
    accrual, compliance) use `users.selectors.schedules_of`; `User.weekly_contract_hours`
    and `work_days` mirror the version in force today for the readers that want only that.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("user"))
    valid_from = models.DateField(verbose_name=_("valid from"))
    weekly_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(80)],
        verbose_name=_("weekly hours"),
    )
    # ISO weekdays worked, 1 = Monday: "12345" is Monday to Friday.
    work_days = models.CharField(
        max_length=7, default="12345", validators=[validate_work_days], verbose_name=_("work days")
    )
    # Optional: the person's holiday calendar and working-time policy under this version
    # (else their own/team's calendar and their team's policy, as without contracts).
    holiday_calendar = models.ForeignKey(
        "leave.HolidayCalendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("holiday calendar"),
    )
    policy = models.ForeignKey(
        "compliance.WorkingTimePolicy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("policy"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")
        ordering = ["user", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["user", "valid_from"], name="contract_one_version_per_day"),
            models.CheckConstraint(
                condition=models.Q(weekly_hours__gte=0, weekly_hours__lte=80), name="contract_weekly_hours_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} from {self.valid_from}: {self.weekly_hours} h on {self.work_days}"

    @property
    def work_weekdays(self) -> frozenset[int]:
        return frozenset(int(char) for char in self.work_days)

    @property
    def hours_per_work_day(self) -> Decimal:
        return Decimal(str(self.weekly_hours)) / max(1, len(self.work_days))


class MonthClosing(models.Model):
    """A month closed for payroll, for one team or (team empty) the whole company. While it
    is open (`reopened_at` empty) entries, leave and contract versions of its people that
    touch the month are read-only (`users.closings.ensure_month_open`). Reopening keeps the
    row (and its snapshot) as history; closing the month again makes a new row."""

    month = models.DateField(help_text="The first day of the month closed.", verbose_name=_("month"))
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="month_closings", verbose_name=_("team")
    )
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("closed by")
    )
    closed_at = models.DateTimeField(default=django_timezone.now, verbose_name=_("closed at"))
    reopened_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("reopened by")
    )
    reopened_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reopened at"))

    class Meta:
        verbose_name = _("month closing")
        verbose_name_plural = _("month closings")
        ordering = ["-month", "team__name", "-closed_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(month__day=1), name="month_closing_first_of_month"),
            models.UniqueConstraint(
                fields=["month", "team"],
                condition=models.Q(reopened_at__isnull=True, team__isnull=False),
                name="month_closing_one_open_per_team",
            ),
            models.UniqueConstraint(
                fields=["month"],
                condition=models.Q(reopened_at__isnull=True, team__isnull=True),
                name="month_closing_one_open_for_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%B %Y} ({self.team or 'company'})"

    @property
    def is_open(self) -> bool:
        """Whether the closing is in force (not reopened)."""
        return self.reopened_at is None


class MonthClosingRow(models.Model):
    """One person's figures of a closed month, frozen when it was closed."""

    closing = models.ForeignKey(MonthClosing, on_delete=models.CASCADE, related_name="rows", verbose_name=_("closing"))
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("user"))
    worked_hours = models.DecimalField(max_digits=7, decimal_places=2, verbose_name=_("worked hours"))
    expected_hours = models.DecimalField(max_digits=7, decimal_places=2, verbose_name=_("expected hours"))
    # The working-time account's balance at the month's last day (null: closed before
    # accounts existed).
    balance_hours = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, verbose_name=_("balance hours")
    )

    class Meta:
        verbose_name = _("month closing row")
        verbose_name_plural = _("month closing rows")
        ordering = ["closing", "user__email"]
        constraints = [models.UniqueConstraint(fields=["closing", "user"], name="month_closing_row_once_per_person")]

    def __str__(self) -> str:
        return f"{self.user}: {self.worked_hours} of {self.expected_hours} h"
