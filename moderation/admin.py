"""Admin: guideline versions (drafts edited, published ones frozen), screening rules (validated,
audited), who has not accepted (CSV), and read-only views of everything moderators decided.

Moderation records change only through the queue's services (each audited); the audit log has no
add, change or delete in admin for anyone, superusers included.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from moderation import selectors, services
from moderation.forms import RuleAdminForm
from moderation.models import (
    Appeal,
    AuditEntry,
    Decision,
    GuidelineAcceptance,
    GuidelineVersion,
    ModerationItem,
    PeopleToAccept,
    Report,
    Rule,
    Suspension,
)
from moderation.views import AUDIT_HEADER, audit_rows, csv_response


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only: these rows change through audited services, never by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(GuidelineVersion)
class GuidelineVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "number_display", "change", "published_at", "published_by"]
    list_select_related = ["published_by"]
    list_filter = ["change"]
    fields = ["title", "body", "change", "change_summary"]
    actions = ["publish"]

    @admin.display(description=_("version"))
    def number_display(self, obj: GuidelineVersion) -> str:
        return obj.number or _("draft")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return [*self.fields, "number_display", "published_at", "published_by", "links"]
        return []

    def get_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return [*self.fields, "number_display", "published_at", "published_by", "links"]
        return self.fields

    @admin.display(description=_("pages"))
    def links(self, obj: GuidelineVersion) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("guidelines_version", kwargs={"number": obj.number}),
            _("view"),
            reverse("guidelines_diff") + f"?to={obj.number}",
            _("what changed"),
            reverse("admin:moderation_peopletoaccept_changelist"),
            _("who has not accepted"),
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_published)

    def save_model(self, request, obj, form, change) -> None:
        services.guideline_save_draft(version=obj)

    @admin.action(description=_("Publish the selected draft"), permissions=["change"])
    def publish(self, request, queryset) -> None:
        drafts = list(queryset.filter(published_at__isnull=True).order_by("pk"))
        if len(drafts) != 1:
            self.message_user(request, _("Select exactly one draft to publish."), messages.ERROR)
            return
        try:
            version = services.guideline_publish(version=drafts[0], actor=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(
            request, _("Published version %(number)s.") % {"number": version.number}, messages.SUCCESS
        )


@admin.register(PeopleToAccept)
class PeopleToAcceptAdmin(ReadOnlyAdmin):
    """Active people who have not accepted the current major version, with a CSV export."""

    list_display = ["display_name", "email", "department", "date_joined", "last_login"]
    list_select_related = ["department"]
    search_fields = ["email", "display_name"]
    actions = ["export_csv"]

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("moderation.export_acceptances")

    def get_queryset(self, request):
        return selectors.people_not_accepted().select_related("department")

    @admin.action(description=_("Export the selected people as CSV"))
    def export_csv(self, request, queryset):
        version = selectors.current_guidelines()
        number = version.number if version else ""
        rows = (
            [p.email, p.display_name, p.department.name if p.department else "", number] for p in queryset
        )
        return csv_response(
            f"not-accepted-{number or 'none'}.csv", ["email", "display_name", "department", "version"], rows
        )

    def changelist_view(self, request, extra_context=None):
        version = selectors.current_guidelines()
        extra_context = {
            **(extra_context or {}),
            "title": _("People who have not accepted version %(number)s") % {"number": version.number}
            if version
            else _("No guidelines are published"),
        }
        return super().changelist_view(request, extra_context)


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleAdminForm
    list_display = ["name", "kind", "action", "scope_list", "section", "is_enabled", "updated_at"]
    list_filter = ["is_enabled", "action", "kind"]
    search_fields = ["name", "terms", "explanation"]
    actions = ["enable", "disable"]

    @admin.display(description=_("scopes"))
    def scope_list(self, obj: Rule) -> str:
        return ", ".join(obj.scopes)

    def save_model(self, request, obj, form, change) -> None:
        services.rule_save(rule=obj, actor=request.user, reason=form.cleaned_data.get("change_reason", ""))

    def delete_model(self, request, obj) -> None:
        services.rule_delete(rule=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for rule in queryset:
            services.rule_delete(rule=rule, actor=request.user)

    def _set_enabled(self, request, queryset, enabled: bool) -> None:
        for rule in queryset:
            rule.is_enabled = enabled
            services.rule_save(rule=rule, actor=request.user)

    @admin.action(description=_("Switch the selected rules on"), permissions=["change"])
    def enable(self, request, queryset) -> None:
        self._set_enabled(request, queryset, True)

    @admin.action(description=_("Switch the selected rules off"), permissions=["change"])
    def disable(self, request, queryset) -> None:
        self._set_enabled(request, queryset, False)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_repr", "action", "target_type", "target_repr", "short_reason"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_repr", "target_repr", "reason", "action"]
    date_hierarchy = "created_at"
    actions = ["export_csv"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("reason"))
    def short_reason(self, obj: AuditEntry) -> str:
        return obj.reason if len(obj.reason) <= 90 else obj.reason[:89] + "…"

    @admin.action(description=_("Export the selected entries as CSV"))
    def export_csv(self, request, queryset):
        return csv_response(
            "audit-log.csv", AUDIT_HEADER, audit_rows(queryset.order_by("-created_at", "-id"))
        )


@admin.register(ModerationItem)
class ModerationItemAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "scope", "state", "is_open", "open_report_count", "author", "opened_at"]
    list_filter = ["is_open", "state", "scope"]
    list_select_related = ["content_type", "author"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["item", "reporter", "section", "status", "created_at"]
    list_filter = ["status", "section"]
    list_select_related = ["item__content_type", "reporter"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["action", "subject", "moderator", "section", "created_at"]
    list_filter = ["action"]
    list_select_related = ["subject", "moderator"]


@admin.register(Suspension)
class SuspensionAdmin(ReadOnlyAdmin):
    list_display = ["user", "starts_at", "ends_at", "lifted_at"]
    list_select_related = ["user"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["decision", "appellant", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["decision", "appellant", "decided_by"]


@admin.register(GuidelineAcceptance)
class GuidelineAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["user", "version", "accepted_at"]
    list_select_related = ["user", "version"]
    search_fields = ["user__email"]
