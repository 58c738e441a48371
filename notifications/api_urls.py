"""/api/v1/notifications/... (included from socialco/api_urls.py)."""

from django.urls import path

from notifications import api

urlpatterns = [
    path("", api.NotificationListApi.as_view(), name="notifications"),
    path("unread-count/", api.UnreadCountApi.as_view(), name="notifications-unread-count"),
    path("read-all/", api.NotificationMarkAllReadApi.as_view(), name="notifications-mark-all-read"),
    path("preferences/", api.PreferencesApi.as_view(), name="notifications-preferences"),
    path("<int:pk>/read/", api.NotificationMarkReadApi.as_view(), name="notifications-mark-read"),
]
