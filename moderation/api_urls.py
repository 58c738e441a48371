"""/api/v1/moderation/... (included from socialco/api_urls.py)."""

from django.urls import path

from moderation import api

urlpatterns = [
    path("reports/", api.ReportCreateApi.as_view(), name="moderation-reports"),
    path("screen/", api.ScreenApi.as_view(), name="moderation-screen"),
    path("guidelines/", api.GuidelinesStatusApi.as_view(), name="moderation-guidelines"),
    path("guidelines/accept/", api.GuidelinesAcceptApi.as_view(), name="moderation-guidelines-accept"),
]
