"""Admin for working-time compliance: admins edit the policies (through `policy_save`, so
the one-policy-per-team rule and the audit apply); managers look at them. Violations are
recorded by the scan and the live checks, never typed in: managers see their teams' and
acknowledge them with a comment through `violation_acknowledge`."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from compliance import services
from compliance.models import POLICY_FIELDS, Violation, WorkingTimePolicy
from compliance.selectors import violations_visible_to
from core.admin import ScopedAdminMixin, ServiceAdmin
from core.admin_actions import comment_form, confirm_comment_then
from core.forms import ServiceModelForm


def _is_admin(request) -> bool:
    return request.user.is_active and request.user.is_admin


class WorkingTimePolicyAdminForm(ServiceModelForm):
    class Meta:
        model = WorkingTimePolicy
        fields = POLICY_FIELDS

    def _get_validation_exclusions(self):
        # Ticking "is default" on another policy is how the default moves: policy_save clears
        # the old one in the same transaction, so the one-default constraint is not the form's.
        return {*super()._get_validation_exclusions(), "is_default"}

    def clean(self):
        cleaned_data = super().clean()
        for name in ("max_weekly_hours", "max_daily_hours"):
            value = cleaned_data.get(name)
            if value is not None and value <= 0:
                self.add_error(name, _("Give a limit above zero."))
        return cleaned_data


@admin.register(WorkingTimePolicy)
class WorkingTimePolicyAdmin(ServiceAdmin):
    """Admins add and change policies; managers (view permission) only look. A policy is
    not deleted: its teams are moved to another one."""

    form = WorkingTimePolicyAdminForm
    list_display = [
        "name",
        "is_default",
        "enforcement",
        "require_clocked_times",
        "max_weekly_hours",
        "min_daily_rest_hours",
        "team_names",
    ]
    list_filter = ["is_default", "enforcement", "require_clocked_times"]
    search_fields = ["name"]
    filter_horizontal = ["teams"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("teams")

    @admin.display(description=_("Teams"))
    def team_names(self, policy: WorkingTimePolicy) -> str:
        names = ", ".join(team.name for team in policy.teams.all())
        return names or (_("everyone else") if policy.is_default else _("no team"))

    def has_add_permission(self, request):
        return _is_admin(request)

    def has_change_permission(self, request, obj=None):
        return _is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fields = dict(form.cleaned_data)
        teams = list(fields.pop("teams", []))
        self.call_service(lambda: services.policy_save(actor=request.user, instance=obj, teams=teams, **fields))

    def save_related(self, request, form, formsets, change):
        """policy_save has set the teams with the policy."""


AcknowledgeForm = comment_form(
    _("What is done about these violations?"),
    _("Recorded on each violation with your name; the audit log keeps it too."),
)


@admin.register(Violation)
class ViolationAdmin(ScopedAdminMixin, ServiceAdmin):
    # Years of rows: no second COUNT over the whole table on every changelist page.
    show_full_result_count = False
    list_display = ["user", "rule", "period_start", "period_end", "measured", "limit", "status", "acknowledged_by"]
    list_filter = ["status", "rule", ("user__team", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "period_end"
    search_fields = ["user__email", "user__first_name", "user__last_name", "message"]
    list_select_related = ["user", "acknowledged_by"]
    actions = ["acknowledge_selected"]
    fields = [
        "user",
        "rule",
        "period_start",
        "period_end",
        "measured",
        "limit",
        "message_localized",
        "entries",
        "status",
        "acknowledged_by",
        "acknowledged_at",
        "comment",
        "resolved_at",
        "resolution_note",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields  # the status only moves through the action (the service) and the scans

    def scoped_queryset(self, user):
        return violations_visible_to(user)

    @admin.display(description=_("message"))
    def message_localized(self, violation) -> str:
        return violation.message_text

    def has_add_permission(self, request):
        return False  # the scan and the live checks record violations

    def has_change_permission(self, request, obj=None):
        # "Change" is what the action needs; a single violation is only ever viewed.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Acknowledge selected violations…"), permissions=["change"])
    def acknowledge_selected(self, request, queryset):
        """Asks for the comment on a confirmation page first; nothing changes without it."""
        return confirm_comment_then(
            self,
            request,
            queryset,
            form_class=AcknowledgeForm,
            title=_("Acknowledge violations"),
            intro=_("These violations will be marked acknowledged, with your comment:"),
            submit_label=_("Acknowledge"),
            call=lambda violation, comment: services.violation_acknowledge(
                violation_id=violation.pk, actor=request.user, comment=comment
            ),
            done=pgettext_lazy("a violation", "acknowledged."),
        )
