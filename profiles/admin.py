from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from profiles.models import Department, Skill, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["display_name"]
    list_display = ["email", "display_name", "title", "department", "manager", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "department", "groups"]
    list_select_related = ["department", "manager"]
    search_fields = ["email", "display_name", "title"]
    autocomplete_fields = ["department", "manager", "skills"]
    date_hierarchy = "date_joined"
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "title", "department", "manager", "skills", "time_zone")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")}),
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["name"]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    search_fields = ["name", "slug"]
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
