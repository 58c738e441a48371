from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from profiles.accounts import accounts_deactivate, accounts_reactivate, moderators_add, moderators_remove
from profiles.models import MODERATORS_GROUP, Department, Endorsement, Follow, Skill, User
from socialco.markdown import render_markdown


class HRModeratorFilter(admin.SimpleListFilter):
    title = _("HR moderator")
    parameter_name = "hr_moderator"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(is_hr_moderator=True)
        if self.value() == "no":
            return queryset.filter(is_hr_moderator=False)
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Admins set org fields here (or with `import_staff`); the manager field refuses loops."""

    ordering = ["display_name"]
    list_display = [
        "email",
        "display_name",
        "title",
        "department",
        "location",
        "manager",
        "is_active",
        "is_staff",
        "hr_moderator",
    ]
    list_filter = [
        "is_active",
        "is_staff",
        "is_superuser",
        HRModeratorFilter,
        "department",
        "location",
        "groups",
    ]
    list_select_related = ["department", "manager"]
    search_fields = ["email", "display_name", "title", "location"]
    autocomplete_fields = ["department", "manager", "skills", "ask_me_about"]
    date_hierarchy = "date_joined"
    readonly_fields = ["last_login", "date_joined"]
    actions = ["deactivate", "reactivate", "make_hr_moderator", "remove_hr_moderator"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Organisation"),
            {"fields": ("display_name", "title", "department", "manager", "location", "start_date")},
        ),
        (
            _("Profile (normally edited by the person)"),
            {"fields": ("pronouns", "phone", "time_zone", "bio", "skills", "ask_me_about")},
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")}),
    )

    def get_queryset(self, request):
        in_moderators = User.groups.through.objects.filter(
            user_id=OuterRef("pk"), group__name=MODERATORS_GROUP
        )
        return super().get_queryset(request).annotate(is_hr_moderator=Exists(in_moderators))

    @admin.display(description=_("HR moderator"), boolean=True, ordering="is_hr_moderator")
    def hr_moderator(self, obj: User) -> bool:
        return getattr(obj, "is_hr_moderator", False)

    @admin.action(
        description=_("Deactivate: sign out everywhere, keep their content"), permissions=["change"]
    )
    def deactivate(self, request, queryset) -> None:
        done = accounts_deactivate(users=queryset, actor=request.user)
        for user in done:
            self.log_change(request, user, [{"changed": {"fields": ["is_active"]}}])
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, _("You cannot deactivate your own account."), messages.WARNING)
        self.message_user(
            request,
            ngettext(
                "%(count)d account deactivated; its sessions and sockets are closed.",
                "%(count)d accounts deactivated; their sessions and sockets are closed.",
                len(done),
            )
            % {"count": len(done)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reactivate"), permissions=["change"])
    def reactivate(self, request, queryset) -> None:
        done = accounts_reactivate(users=queryset)
        for user in done:
            self.log_change(request, user, [{"changed": {"fields": ["is_active"]}}])
        self.message_user(
            request,
            ngettext("%(count)d account reactivated.", "%(count)d accounts reactivated.", len(done))
            % {"count": len(done)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Add to HR moderators"), permissions=["change"])
    def make_hr_moderator(self, request, queryset) -> None:
        users = list(queryset)
        moderators_add(users=users)
        for user in users:
            self.log_change(request, user, [{"changed": {"fields": ["groups"]}}])
        self.message_user(
            request,
            ngettext(
                "%(count)d person is an HR moderator.", "%(count)d people are HR moderators.", len(users)
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Remove from HR moderators"), permissions=["change"])
    def remove_hr_moderator(self, request, queryset) -> None:
        users = list(queryset)
        moderators_remove(users=users)
        for user in users:
            self.log_change(request, user, [{"changed": {"fields": ["groups"]}}])
        self.message_user(
            request,
            ngettext(
                "%(count)d person is no longer an HR moderator.",
                "%(count)d people are no longer HR moderators.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change) -> None:
        obj.bio_html = render_markdown(obj.bio)
        super().save_model(request, obj, form, change)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["name", "people"]

    def get_queryset(self, request):

        return super().get_queryset(request).annotate(people_count=Count("members"))

    @admin.display(description=_("people"), ordering="people_count")
    def people(self, obj: Department) -> int:
        return obj.people_count


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    search_fields = ["name", "slug"]
    list_display = ["name", "slug", "people"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):

        return super().get_queryset(request).annotate(people_count=Count("people"))

    @admin.display(description=_("people"), ordering="people_count")
    def people(self, obj: Skill) -> int:
        return obj.people_count


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["follower", "followed", "created_at"]
    list_select_related = ["follower", "followed"]
    raw_id_fields = ["follower", "followed"]
    search_fields = ["follower__email", "followed__email"]


@admin.register(Endorsement)
class EndorsementAdmin(admin.ModelAdmin):
    list_display = ["endorser", "person", "skill", "created_at"]
    list_select_related = ["endorser", "person", "skill"]
    raw_id_fields = ["endorser", "person"]
    search_fields = ["person__email", "skill__name"]
