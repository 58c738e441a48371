from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from groups.models import Group, Membership


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "visibility", "is_archived", "members_count", "creator", "created_at"]
    list_filter = ["visibility", "is_archived"]
    list_select_related = ["creator"]
    search_fields = ["name", "slug", "description"]
    autocomplete_fields = ["creator"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "updated_at"]
    actions = ["archive", "unarchive"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    @admin.display(description=_("members"), ordering="member_total")
    def members_count(self, obj: Group) -> int:
        return obj.member_total

    @admin.action(description=_("Archive (read-only for everyone)"), permissions=["change"])
    def archive(self, request, queryset) -> None:
        # A bulk flag flip; the groups app's archive service replaces this once it exists.
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
    search_fields = ["user__email", "user__display_name", "group__name", "group__slug"]
    autocomplete_fields = ["user", "group"]
    date_hierarchy = "created_at"
