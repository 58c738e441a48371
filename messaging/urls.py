from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.index, name="index"),
    path("list/", views.conversation_list, name="conversation_list"),
    path("new/", views.new_group, name="new_group"),
    path("new/people/", views.people_search, name="people_search"),
    path("with/<int:user_id>/", views.start_direct, name="start_direct"),
    path("group/<slug:slug>/", views.group_room, name="group_room"),
    path("<int:conversation_id>/", views.conversation, name="conversation"),
    path("<int:conversation_id>/pane/", views.conversation_pane, name="conversation_pane"),
    path("<int:conversation_id>/item/", views.conversation_item, name="conversation_item"),
]
