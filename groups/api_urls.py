"""/api/v1/groups/: included from socialco/api_urls.py endpoint_patterns."""

from django.urls import path

from groups import api

app_name = "groups"

urlpatterns = [
    path("", api.GroupListCreateApi.as_view(), name="groups"),
    path("invitations/", api.MyInvitationsApi.as_view(), name="group-invitations"),
    path(
        "invitations/<int:invitation_id>/accept/",
        api.MyInvitationAnswerApi.as_view(),
        name="invitation-accept",
    ),
    path(
        "invitations/<int:invitation_id>/decline/",
        api.MyInvitationDeclineApi.as_view(),
        name="invitation-decline",
    ),
    path("by-slug/<slug:slug>/", api.GroupBySlugApi.as_view(), name="group-by-slug"),
    path("<int:pk>/", api.GroupDetailApi.as_view(), name="group"),
    path("<int:pk>/members/", api.GroupMembersApi.as_view(), name="members"),
    path("<int:pk>/members/<int:user_id>/", api.GroupMemberApi.as_view(), name="member"),
    path("<int:pk>/join/", api.GroupJoinApi.as_view(), name="join"),
    path("<int:pk>/leave/", api.GroupLeaveApi.as_view(), name="leave"),
    path("<int:pk>/request/", api.GroupJoinRequestApi.as_view(), name="request"),
    path("<int:pk>/requests/", api.GroupRequestsApi.as_view(), name="requests"),
    path(
        "<int:pk>/requests/<int:request_id>/approve/", api.GroupRequestDecisionApi.as_view(), name="approve"
    ),
    path("<int:pk>/requests/<int:request_id>/deny/", api.GroupRequestDenyApi.as_view(), name="deny"),
    path("<int:pk>/invitations/", api.GroupInvitationsApi.as_view(), name="invitations"),
    path("<int:pk>/invitations/<int:invitation_id>/", api.GroupInvitationRevokeApi.as_view(), name="revoke"),
    path("<int:pk>/transfer/", api.GroupTransferApi.as_view(), name="transfer"),
    path("<int:pk>/archive/", api.GroupArchiveApi.as_view(), name="archive"),
    path("<int:pk>/unarchive/", api.GroupUnarchiveApi.as_view(), name="unarchive"),
]
