"""Everything under /api/v1/. Each app adds its own `api_urls` module here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from socialco.api import ApiRootView

# Endpoints listed by the API root.
endpoint_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include("feed.api_urls")),
    path("notifications/", include("notifications.api_urls")),
    path("", include("profiles.api_urls")),
    path("groups/", include("groups.api_urls")),
    path("conversations/", include("messaging.api_urls")),
    path("moderation/", include("moderation.api_urls")),
    path("questions/", include("feed.questions.api_urls")),
]

urlpatterns = [
    path("", ApiRootView.as_view(), name="root"),
    path("", include(endpoint_patterns)),
]
