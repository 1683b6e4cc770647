"""Admin for people and teams: changelists scoped through `users.selectors`, every write
through `users.services` (via `core.admin.ServiceAdmin`), so a refusal rolls the request back
and shows the service's reason, and deleting teams in bulk calls `team_delete` for each."""

from django import forms
from django.contrib import admin
from django.contrib.auth.forms import ReadOnlyPasswordHashField
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.admin import ScopedAdminMixin, ServiceAdmin, adopt
from core.admin_actions import report_per_row
from core.forms import ServiceModelForm
from core.validators import validate_display_name
from users import selectors, services, services_mfa, services_tokens
from users.models import Contract, PersonalAccessToken, Team, User


class DisplayNamesForm(ServiceModelForm):
    """Shows a name with a control character as an error on its field (the service would
    refuse it too, but only as a message after the form was accepted)."""

    name_fields: tuple[str, ...] = ("first_name", "last_name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.name_fields:
            if name in self.fields:
                self.fields[name].validators.append(validate_display_name)


class UserAddForm(DisplayNamesForm):
    password = forms.CharField(widget=forms.PasswordInput, help_text=_("Django's password rules apply."))

    class Meta:
        model = User
        fields = [
            "email",
            "first_name",
            "last_name",
            "timezone",
            "weekly_contract_hours",
            "work_days",
            "employment_start",
            "role",
            "team",
            "holiday_calendar",
            "night_worker",
        ]
        help_texts = {
            "weekly_contract_hours": _("The first contract version's; later versions are added on the user's page."),
            "employment_start": _("Leave empty for today (in the person's time zone)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employment_start"].required = False  # the service takes today


class UserChangeForm(DisplayNamesForm):
    password = ReadOnlyPasswordHashField(help_text=_("People change their own password in the app."))

    class Meta:
        model = User
        fields = [
            "email",
            "first_name",
            "last_name",
            "timezone",
            "employment_start",
            "employment_end",
            "role",
            "team",
            "holiday_calendar",
            "night_worker",
            "is_active",
        ]


class ContractInline(admin.TabularInline):
    """A person's contract versions, written by `UserAdmin.save_formset` through the
    `contract_version_*` services (a refusal shows its reason on the user's form)."""

    model = Contract
    fields = ["valid_from", "weekly_hours", "work_days", "holiday_calendar", "policy"]
    extra = 0
    ordering = ["valid_from"]


class TeamAdminForm(DisplayNamesForm):
    name_fields = ("name",)

    class Meta:
        model = Team
        fields = ["name", "managers", "holiday_calendar", "absences_visible_to_members"]


class ManagedTeamFilter(admin.RelatedFieldListFilter):
    """Offers a manager only the teams they manage (admins every team): the stock filter
    would list every team's name."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        managed = selectors.teams_managed_by(request.user).values("pk")
        return field.get_choices(include_blank=False, limit_choices_to={"pk__in": managed}, ordering=ordering)


@admin.register(User)
class UserAdmin(ScopedAdminMixin, ServiceAdmin):
    list_display = ["email", "first_name", "last_name", "role", "team", "is_active", "mfa_enabled", "last_login"]
    list_filter = ["role", ("team", ManagedTeamFilter), "is_active", "mfa_enabled"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    list_select_related = ["team"]
    readonly_fields = ["date_joined", "last_login"]
    # Today's contract version's terms: they change through the contract versions below.
    change_readonly_fields = ["weekly_contract_hours", "work_days", "date_joined", "last_login", "mfa_enabled"]
    actions = ["deactivate_selected", "reset_two_factor"]

    def scoped_queryset(self, user):
        return selectors.users_visible_to(user)

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = UserAddForm if obj is None else UserChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*UserAddForm.Meta.fields, "password"]
        return [*UserChangeForm.Meta.fields, "password", *self.change_readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return self.change_readonly_fields if obj is not None else self.readonly_fields

    def get_inlines(self, request, obj):
        return [ContractInline] if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.cleaned_data if name != "password"}
        if change:
            self.call_service(lambda: services.user_update(user=obj, actor=request.user, request=request, **data))
        else:
            password = form.cleaned_data["password"]
            saved = self.call_service(
                lambda: services.user_create(actor=request.user, password=password, request=request, **data)
            )
            adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        """Groups follow the role (set by the service); the contract versions are written
        by `save_formset`."""
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        """Contract versions through the services: deletions first (a day freed can be
        taken again), then changes, then new versions. Sets what Django's change message
        reads from a saved formset."""
        user = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.deleted_forms:
            if row.instance.pk is not None:
                self.call_service(
                    lambda row=row: services.contract_version_delete(
                        version=row.instance, actor=request.user, request=request
                    )
                )
                formset.deleted_objects.append(row.instance)
        for row in formset.forms:
            if row in formset.deleted_forms or not row.has_changed():
                continue
            data = {name: row.cleaned_data[name] for name in ContractInline.fields if name in row.cleaned_data}
            if row.instance.pk is not None:
                version = self.call_service(
                    lambda row=row, data=data: services.contract_version_update(
                        version=row.instance, actor=request.user, request=request, **data
                    )
                )
                formset.changed_objects.append((version, row.changed_data))
            else:
                version = self.call_service(
                    lambda data=data: services.contract_version_create(
                        user=user, actor=request.user, request=request, **data
                    )
                )
                formset.new_objects.append(version)

    # No service_delete: people are deactivated, never deleted; their time stays on record.

    @admin.action(description=_("Deactivate selected users"))
    def deactivate_selected(self, request, queryset):
        report_per_row(
            self,
            request,
            queryset,
            lambda user: services.user_deactivate(user=user, actor=request.user, request=request),
            gettext("deactivated."),
        )

    @admin.action(description=_("Reset two-factor sign-in of selected users"))
    def reset_two_factor(self, request, queryset):
        """A lost phone: the person signs in with the password alone again (or is sent to enrol,
        if their role requires it). Audited as `mfa_reset_by_admin`; admins only."""
        report_per_row(
            self,
            request,
            queryset,
            lambda user: services_mfa.mfa_reset(user=user, actor=request.user, request=request),
            gettext("two-factor sign-in reset."),
        )


@admin.register(Team)
class TeamAdmin(ScopedAdminMixin, ServiceAdmin):
    form = TeamAdminForm
    list_display = ["name", "manager_names", "absences_visible_to_members", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["managers"]

    def scoped_queryset(self, user):
        return selectors.teams_visible_to(user)

    @admin.display(description=_("Managers"))
    def manager_names(self, team):
        return ", ".join(str(manager) for manager in team.managers.all())

    def save_model(self, request, obj, form, change):
        """Teams are saved with their managers in save_related, through the service."""

    def save_related(self, request, form, formsets, change):
        data = {
            "name": form.cleaned_data["name"],
            "managers": list(form.cleaned_data.get("managers", [])),
            "holiday_calendar": form.cleaned_data.get("holiday_calendar"),
            "absences_visible_to_members": form.cleaned_data.get("absences_visible_to_members", True),
        }
        if change:
            self.call_service(
                lambda: services.team_update(team=form.instance, actor=request.user, request=request, **data)
            )
        else:
            adopt(
                form.instance,
                self.call_service(lambda: services.team_create(actor=request.user, request=request, **data)),
            )

    def service_delete(self, request, obj):
        """Audited as `team_deleted`; the members keep their data and their leave is re-counted."""
        services.team_delete(team=obj, actor=request.user, request=request)


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(ServiceAdmin):
    """Everyone's personal access tokens, for admins only: read-only (the secret is never
    here, the hash is not shown) with a "Revoke" action through `token_revoke`."""

    list_display = ["name", "user", "prefix", "scopes", "token_status", "created_at", "last_used_at", "expires_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "expires_at"]
    search_fields = ["name", "prefix", "user__email"]
    list_select_related = ["user"]
    fields = [
        "user",
        "name",
        "prefix",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields
    actions = ["revoke_selected"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_admin

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Status"))
    def token_status(self, token):
        return token.status_at(timezone.now())

    @admin.action(description=_("Revoke selected tokens"))
    def revoke_selected(self, request, queryset):
        report_per_row(
            self,
            request,
            queryset,
            lambda token: services_tokens.token_revoke(token=token, actor=request.user, request=request),
            gettext("revoked."),
        )


# django-otp's own device admins would show the keys and the recovery codes and write around
# the services: admins reset a person's second factor with the action on the user list.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)
