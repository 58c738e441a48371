from django.urls import path

from feed import views

app_name = "feed"

urlpatterns = [
    path("", views.home, name="home"),
    path("company/", views.company, name="company"),
    path("groups/<slug:slug>/", views.group_feed, name="group"),
    path("tags/<str:key>/", views.tag_feed, name="tag"),
    path("tags/<str:key>/follow/", views.tag_follow_toggle, name="tag_follow"),
    path("people/<int:user_id>/", views.person_feed, name="person"),
    path("u/<int:user_id>/", views.person_link, name="person_link"),
    path("new/<str:kind>/", views.compose, name="compose"),
    path("mentions/", views.mention_autocomplete, name="mentions"),
    path("posts/<int:pk>/", views.post_detail, name="post_detail"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("posts/<int:pk>/history/", views.post_history, name="post_history"),
    path("posts/<int:pk>/react/", views.post_react, name="post_react"),
    path("posts/<int:pk>/reactions/", views.post_reactions, name="post_reactions"),
    path("posts/<int:pk>/acknowledge/", views.post_acknowledge, name="post_acknowledge"),
    path("posts/<int:pk>/acknowledgements/", views.post_acknowledgements, name="post_acknowledgements"),
    path("posts/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("comments/<int:pk>/", views.comment_detail, name="comment_detail"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/react/", views.comment_react, name="comment_react"),
    path("comments/<int:pk>/reactions/", views.comment_reactions, name="comment_reactions"),
    path("comments/<int:pk>/history/", views.comment_history, name="comment_history"),
    path("images/<int:pk>/<str:size>/", views.image, name="image"),
]
