from django.urls import path

from profiles import views

app_name = "profiles"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("me/", views.me, name="me"),
    path("me/edit/", views.edit, name="edit"),
    path("org/", views.org_chart, name="org_chart_top"),
    path("skills/autocomplete/", views.skill_autocomplete, name="skill_autocomplete"),
    path("skills/<slug:slug>/", views.skill_detail, name="skill"),
    path("<int:person_id>/", views.detail, name="detail"),
    path("<int:person_id>/org/", views.org_chart, name="org_chart"),
    path("<int:person_id>/followers/", views.followers, name="followers"),
    path("<int:person_id>/following/", views.following, name="following"),
    path("<int:person_id>/follow/", views.follow, name="follow"),
    path("<int:person_id>/unfollow/", views.unfollow, name="unfollow"),
    path("<int:person_id>/skills/<slug:slug>/endorse/", views.endorse, name="endorse"),
    path("<int:person_id>/avatar/<str:size>/", views.avatar, name="avatar"),
]
