from django.urls import path

from messaging import api

urlpatterns = [
    path("", api.ConversationListApi.as_view(), name="conversations"),
    path("<int:conversation_id>/", api.ConversationDetailApi.as_view(), name="conversation"),
    path("<int:conversation_id>/members/", api.ConversationMembersApi.as_view(), name="conversation-members"),
    path(
        "<int:conversation_id>/members/<int:user_id>/",
        api.ConversationMemberApi.as_view(),
        name="conversation-member",
    ),
    path(
        "<int:conversation_id>/messages/", api.ConversationMessagesApi.as_view(), name="conversation-messages"
    ),
    path(
        "<int:conversation_id>/messages/<int:message_id>/",
        api.MessageDetailApi.as_view(),
        name="conversation-message",
    ),
    path("<int:conversation_id>/read/", api.ConversationReadApi.as_view(), name="conversation-read"),
]
