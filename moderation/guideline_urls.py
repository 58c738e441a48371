"""/guidelines/...: public pages (no login needed), included from socialco/urls.py."""

from django.urls import path

from moderation import views

urlpatterns = [
    path("", views.guidelines, name="guidelines"),
    path("diff/", views.guideline_diff, name="guidelines_diff"),
    path("accept/", views.guidelines_accept, name="guidelines_accept"),
    path("dismiss/", views.guidelines_dismiss, name="guidelines_dismiss"),
    path("v<str:number>/", views.guideline_version, name="guidelines_version"),
]
