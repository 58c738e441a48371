from django.urls import path

from groups import views

app_name = "groups"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.create, name="create"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:invitation_id>/accept/", views.accept_invitation, name="accept_invitation"),
    path("invitations/<int:invitation_id>/decline/", views.decline_invitation, name="decline_invitation"),
    path("people/<int:user_id>/", views.person_groups, name="person_groups"),
    path("id/<int:pk>/", views.permalink, name="permalink"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/cover/<str:size>/", views.cover, name="cover"),
    path("<slug:slug>/settings/", views.edit, name="edit"),
    path("<slug:slug>/archive/", views.archive, name="archive"),
    path("<slug:slug>/unarchive/", views.unarchive, name="unarchive"),
    path("<slug:slug>/transfer/", views.transfer, name="transfer"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/request/", views.request_join, name="request_join"),
    path("<slug:slug>/request/cancel/", views.cancel_request, name="cancel_request"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/invite/", views.invite, name="invite"),
    path("<slug:slug>/members/<int:user_id>/remove/", views.remove_member, name="remove_member"),
    path("<slug:slug>/members/<int:user_id>/role/", views.change_role, name="change_role"),
    path("<slug:slug>/requests/", views.join_requests, name="requests"),
    path("<slug:slug>/requests/<int:request_id>/approve/", views.approve_request, name="approve_request"),
    path("<slug:slug>/requests/<int:request_id>/deny/", views.deny_request, name="deny_request"),
    path(
        "<slug:slug>/invitations/<int:invitation_id>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
]
