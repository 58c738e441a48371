from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from profiles.models import Department, Endorsement, Follow, Skill, User
from socialco.markdown import render_markdown


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
    ]
    list_filter = ["is_active", "is_staff", "is_superuser", "department", "location", "groups"]
    list_select_related = ["department", "manager"]
    search_fields = ["email", "display_name", "title", "location"]
    autocomplete_fields = ["department", "manager", "skills", "ask_me_about"]
    date_hierarchy = "date_joined"
    readonly_fields = ["last_login", "date_joined"]
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

    def save_model(self, request, obj, form, change) -> None:
        obj.bio_html = render_markdown(obj.bio)
        super().save_model(request, obj, form, change)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["name"]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    search_fields = ["name", "slug"]
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


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
