from django.contrib import admin

from notifications.models import DigestRun, DigestSubscription, Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "recipient",
        "kind",
        "actor",
        "actor_count",
        "target_type",
        "target_id",
        "updated_at",
        "read_at",
    ]
    list_filter = ["kind"]
    list_select_related = ["recipient", "actor", "target_type"]
    raw_id_fields = ["recipient", "actor"]
    readonly_fields = ["created_at", "updated_at", "emailed_at"]
    search_fields = ["recipient__email"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "delivery", "updated_at"]
    list_filter = ["kind", "delivery"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "period", "updated_at"]
    list_filter = ["period"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(DigestRun)
class DigestRunAdmin(admin.ModelAdmin):
    list_display = ["user", "period", "period_key", "sent_at", "notification_count"]
    list_filter = ["period"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
