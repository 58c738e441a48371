import os

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from feed import views as feed_views
from socialco import api_urls, policy_views, views

# The admin signs people in through allauth, so MFA and login rate limits apply there too.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    # The site root shows the home feed (allauth's LOGIN_REDIRECT_URL points at "home").
    path("", feed_views.home, name="home"),
    path("feed/", include("feed.urls")),
    path("questions/", include("feed.questions.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("guidelines/", include("moderation.guideline_urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("site-logo", policy_views.company_logo, name="company_logo"),
    path("invitations/<str:token>/", policy_views.invitation_accept, name="invitation_accept"),
    path("people/", include("profiles.urls")),
    path("groups/", include("groups.urls")),
    path("api/v1/", include((api_urls, "api"))),
    path("notifications/", include("notifications.urls")),
    path("chat/", include("messaging.urls")),
    path("moderation/", include("moderation.urls")),
]

if os.environ.get("SOCIALCO_BENCH") == "1":  # `make bench` only: the ceiling view (bench/README.md)
    urlpatterns.append(path("bench/", include("bench.urls")))
