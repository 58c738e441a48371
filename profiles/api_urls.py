"""The people API, included under /api/v1/ (see socialco/api_urls.py)."""

from django.urls import path

from profiles import api

app_name = "profiles"

urlpatterns = [
    path("people/", api.PeopleListView.as_view(), name="people"),
    path("people/<int:person_id>/", api.PersonDetailView.as_view(), name="person"),
    path("people/<int:person_id>/follow/", api.FollowView.as_view(), name="person-follow"),
    path("people/<int:person_id>/followers/", api.FollowersListView.as_view(), name="person-followers"),
    path("people/<int:person_id>/following/", api.FollowingListView.as_view(), name="person-following"),
    path("me/", api.MeView.as_view(), name="me"),
    path("me/avatar/", api.MeAvatarView.as_view(), name="me-avatar"),
    path("skills/", api.SkillSuggestionsView.as_view(), name="skills"),
]
