"""Admin for the site policy (one form), its read-only history, and invitations.

Also registers the site-wide actions every ModelAdmin gets (CSV export).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from socialco.admin_actions import export_selected_as_csv
from socialco.models import Invitation, SitePolicy, SitePolicyChange
from socialco.policy_services import invitation_create, invitations_send, site_policy_save
from socialco.policy_values import (
    NOTIFICATION_DELIVERIES,
    NOTIFICATION_KINDS,
    complete_notification_preferences,
    normalise_domain,
    validate_domain,
)
from socialco.uploads import process_image

admin.site.add_action(export_selected_as_csv, "export_selected_as_csv")

LOGO_MAX_SIDE = 256
RECENT_CHANGES_SHOWN = 10


# --- Site policy -------------------------------------------------------------------------------


class DomainListField(forms.Field):
    """A list of e-mail domains typed one per line (or separated by commas)."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 40})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return value
        domains: list[str] = []
        for raw in re.split(r"[\s,;]+", value or ""):
            domain = normalise_domain(raw)
            if domain and domain not in domains:
                domains.append(domain)
        return domains

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        errors = []
        for domain in value:
            try:
                validate_domain(domain)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)


def _notification_field_name(kind: str) -> str:
    return f"notify_{kind}"


class _SitePolicyFormBase(forms.ModelForm):
    signup_email_domains = DomainListField(
        label=_("Allowed sign-up e-mail domains"),
        required=False,
        help_text=_("One per line, e.g. example.com. Subdomains are not included unless listed."),
    )

    class Meta:
        model = SitePolicy
        widgets = {"upload_max_bytes": forms.NumberInput(attrs={"class": "vBigIntegerField"})}
        fields = [  # notification_defaults is edited through one select per kind
            "company_name",
            "logo",
            "signup_mode",
            "signup_email_domains",
            "group_creation",
            "announcement_posting",
            "upload_max_bytes",
            "upload_max_megapixels",
            "chat_edit_window_minutes",
            "chat_retention_days",
            "chat_read_receipts",
            "rate_limit_posts",
            "rate_limit_comments",
            "rate_limit_chat_messages",
            "question_escalation_hours",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        current = complete_notification_preferences(self.instance.notification_defaults)
        for kind in NOTIFICATION_KINDS:
            name = _notification_field_name(kind)
            if name in self.fields:
                self.fields[name].initial = current[kind]

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not logo or not hasattr(logo, "content_type"):  # unchanged (a stored file) or cleared (False)
            return logo
        processed = process_image(logo, sizes={"logo": LOGO_MAX_SIDE})["logo"]
        processed.content.name = f"logo{processed.extension}"
        return processed.content

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        names = {kind: _notification_field_name(kind) for kind in NOTIFICATION_KINDS}
        if all(name in cleaned for name in names.values()):
            self.instance.notification_defaults = {kind: cleaned[name] for kind, name in names.items()}
        return cleaned


# One select per notification kind, declared on the class so admin fieldsets can name them.
SitePolicyForm = type(
    "SitePolicyForm",
    (_SitePolicyFormBase,),
    {
        "__module__": __name__,
        **{
            _notification_field_name(kind): forms.ChoiceField(
                label=label, choices=list(NOTIFICATION_DELIVERIES.items())
            )
            for kind, label in NOTIFICATION_KINDS.items()
        },
    },
)


@admin.register(SitePolicy)
class SitePolicyAdmin(admin.ModelAdmin):
    """One form for the one row: no list, no add, no delete. Saving records each change."""

    form = SitePolicyForm
    readonly_fields = ["recent_changes", "updated_at"]
    fieldsets = (
        (_("Company"), {"fields": ("company_name", "logo")}),
        (_("Sign-up"), {"fields": ("signup_mode", "signup_email_domains")}),
        (_("Who may"), {"fields": ("group_creation", "announcement_posting")}),
        (_("Uploads"), {"fields": ("upload_max_bytes", "upload_max_megapixels")}),
        (_("Chat"), {"fields": ("chat_edit_window_minutes", "chat_retention_days", "chat_read_receipts")}),
        (
            _("Rate limits (per person)"),
            {"fields": ("rate_limit_posts", "rate_limit_comments", "rate_limit_chat_messages")},
        ),
        (_("Questions"), {"fields": ("question_escalation_hours",)}),
        (
            _("Default notification preferences"),
            {
                "fields": tuple(_notification_field_name(kind) for kind in NOTIFICATION_KINDS),
                "description": _("What each person starts with; everyone can change their own."),
            },
        ),
        (_("History"), {"fields": ("recent_changes", "updated_at")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def _form_url(self) -> str:
        return reverse("admin:socialco_sitepolicy_change", args=[SitePolicy.SINGLETON_PK])

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(self._form_url())

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        if object_id != str(SitePolicy.SINGLETON_PK):
            return HttpResponseRedirect(self._form_url())
        SitePolicy.load()  # the row exists even after a database flush
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: SitePolicy, form, change: bool) -> None:
        site_policy_save(policy=obj, actor=request.user)

    def response_change(self, request: HttpRequest, obj: SitePolicy):
        if "_continue" in request.POST or "_save" in request.POST:
            self.message_user(
                request, _("The site policy is saved and applies everywhere now."), messages.SUCCESS
            )
            return HttpResponseRedirect(self._form_url())
        return super().response_change(request, obj)

    @admin.display(description=_("Recent changes"))
    def recent_changes(self, obj: SitePolicy) -> str:
        changes = list(SitePolicyChange.objects.all()[:RECENT_CHANGES_SHOWN])
        if not changes:
            return _("No changes recorded yet.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    timezone.localtime(c.changed_at).strftime("%Y-%m-%d %H:%M"),
                    c.actor_label or _("system"),
                    setting_label(c.field),
                    short_value(c.old_value),
                    short_value(c.new_value),
                )
                for c in changes
            ),
        )
        return format_html(
            '<table class="policy-history"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            '<th>{}</th></tr></thead><tbody>{}</tbody></table><p><a href="{}">{}</a></p>',
            _("When"),
            _("Who"),
            _("Setting"),
            _("Old value"),
            _("New value"),
            rows,
            reverse("admin:socialco_sitepolicychange_changelist"),
            _("Full history"),
        )


def setting_label(field: str) -> str:
    """'chat_retention_days' -> 'Chat retention (days)'; 'notification_defaults.mention' -> kind label."""
    name, _sep, key = field.partition(".")
    if key:
        return f"{_('Notifications')}: {NOTIFICATION_KINDS.get(key, key)}"
    try:
        label = str(SitePolicy._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - a field removed since: show its stored name
        return field
    return label[:1].upper() + label[1:]


def short_value(value: Any, limit: int = 80) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@admin.register(SitePolicyChange)
class SitePolicyChangeAdmin(admin.ModelAdmin):
    """Append-only: nobody adds, edits or deletes rows here, superusers included."""

    list_display = ["changed_at", "actor_label", "setting", "old", "new"]
    list_filter = ["field"]
    search_fields = ["field", "actor_label"]
    date_hierarchy = "changed_at"
    fields = ["changed_at", "actor_label", "actor", "field", "old_value", "new_value"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("setting"), ordering="field")
    def setting(self, obj: SitePolicyChange) -> str:
        return setting_label(obj.field)

    @admin.display(description=_("old value"))
    def old(self, obj: SitePolicyChange) -> str:
        return short_value(obj.old_value)

    @admin.display(description=_("new value"))
    def new(self, obj: SitePolicyChange) -> str:
        return short_value(obj.new_value)


# --- Invitations -------------------------------------------------------------------------------


class InvitationStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("not_sent", _("not sent")),
            ("sent", _("sent, waiting")),
            ("expired", _("expired")),
            ("accepted", _("accepted")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == "not_sent":
            return queryset.filter(sent_at__isnull=True, accepted_at__isnull=True)
        if value == "sent":
            return queryset.filter(accepted_at__isnull=True, sent_at__isnull=False, expires_at__gt=now)
        if value == "expired":
            return queryset.filter(accepted_at__isnull=True, expires_at__lte=now)
        if value == "accepted":
            return queryset.filter(accepted_at__isnull=False)
        return queryset


class InvitationAddForm(forms.ModelForm):
    send_now = forms.BooleanField(label=_("Send the invitation now"), required=False, initial=True)

    class Meta:
        model = Invitation
        fields = ["email"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "status", "invited_by", "created_at", "sent_at", "expires_at", "accepted_at"]
    list_filter = [InvitationStatusFilter, "created_at"]
    list_select_related = ["invited_by"]
    search_fields = ["email"]
    date_hierarchy = "created_at"
    actions = ["send_invitations"]
    readonly_fields = ["invited_by", "created_at", "sent_at", "expires_at", "accepted_at", "accepted_by"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = InvitationAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["email", "send_now"]
        return ["email", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["email", *self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: Invitation, form, change: bool) -> None:
        if change:
            return  # nothing on a saved invitation is editable
        created = invitation_create(email=obj.email, invited_by=request.user)
        obj.pk = created.pk
        if form.cleaned_data.get("send_now"):
            invitations_send(invitations=[created], site_url=request.build_absolute_uri("/"))
            self.message_user(
                request, _("The invitation to %(email)s is on its way.") % {"email": created.email}
            )

    @admin.action(description=_("Send (or resend) the selected invitations"), permissions=["change"])
    def send_invitations(self, request: HttpRequest, queryset) -> None:
        sent = invitations_send(invitations=queryset, site_url=request.build_absolute_uri("/"))
        self.message_user(
            request,
            ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", sent) % {"count": sent},
            messages.SUCCESS,
        )
