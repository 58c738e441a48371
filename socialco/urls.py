from django.contrib import admin
from django.urls import include, path

from socialco import api_urls, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("guidelines/", views.guidelines, name="guidelines"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_urls, "api"))),
    path("chat/", include("messaging.urls")),
]
