from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from groups.models import Group, Invitation, JoinRequest, Membership
from groups.services import group_description_render


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    """Site admins repair groups here; note that this bypasses the membership rules of the
    services (e.g. it can make co-owners). Secret groups appear here by design of the admin
    site, not through the product's visibility gate."""

    list_display = ["name", "slug", "visibility", "member_count", "is_archived", "creator", "created_at"]
    list_filter = ["visibility", "is_archived"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["creator"]
    readonly_fields = ["description_html", "created_at", "updated_at"]
    inlines = [MembershipInline]
    date_hierarchy = "created_at"
    actions = ["archive", "unarchive"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("creator")
            .annotate(_member_count=Count("memberships"))
        )

    @admin.display(description=_("members"), ordering="_member_count")
    def member_count(self, obj: Group) -> int:
        return obj._member_count

    def save_model(self, request, obj: Group, form, change) -> None:
        group_description_render(group=obj)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Archive (read-only for everyone)"), permissions=["change"])
    def archive(self, request, queryset) -> None:
        # Site admins archive any group (the group's own admins use groups.services.group_archive).
        count = queryset.filter(is_archived=False).update(is_archived=True, updated_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d group archived.", "%(count)d groups archived.", count) % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unarchive"), permissions=["change"])
    def unarchive(self, request, queryset) -> None:
        count = queryset.filter(is_archived=True).update(is_archived=False, updated_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d group unarchived.", "%(count)d groups unarchived.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "role", "created_at"]
    list_filter = ["role", "group__visibility"]
    list_select_related = ["user", "group"]
    search_fields = ["user__email", "user__display_name", "group__name"]
    autocomplete_fields = ["user", "group"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "status", "created_at", "decided_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["user", "group", "decided_by"]
    search_fields = ["user__email", "user__display_name", "group__name"]
    autocomplete_fields = ["user", "group", "decided_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["invitee", "group", "inviter", "created_at"]
    list_select_related = ["invitee", "group", "inviter"]
    search_fields = ["invitee__email", "invitee__display_name", "group__name"]
    autocomplete_fields = ["invitee", "group", "inviter"]
