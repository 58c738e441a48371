"""The groups API under /api/v1/groups/: the same gate, services and selectors as the pages.

A secret group the caller is not in answers exactly like a missing one: 404 with the same
body, by id or by slug. A private group's inside (members) answers 403 to non-members.
Forbidden actions answer 403 with the reason, bad input 400 with field errors, abuse 429.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from groups import selectors, services
from groups.models import Group, Invitation, JoinRequest, Membership
from groups.permissions import (
    check_manage_group_permission,
    check_view_group_content_permission,
    check_view_group_permission,
)
from moderation.api import ScreeningRefused
from moderation.services import ScreeningError
from profiles.models import User
from socialco.pagination import CursorPagination


# Serializers ------------------------------------------------------------------------------
class GroupPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)


class GroupOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.SerializerMethodField(help_text="Markdown source.")
    description_html = serializers.SerializerMethodField(help_text="Sanitised HTML.")
    visibility = serializers.CharField()
    is_archived = serializers.BooleanField()
    member_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()
    cover = serializers.SerializerMethodField()
    viewer_role = serializers.CharField(allow_null=True, help_text="owner, admin, member or null.")
    viewer_has_pending_request = serializers.SerializerMethodField()

    def get_url(self, group: Group) -> str:
        return self.context["request"].build_absolute_uri(reverse("groups:detail", args=[group.slug]))

    # Empty while moderation holds or hides the description (selectors annotate description_hidden).
    def get_description(self, group: Group) -> str:
        return "" if getattr(group, "description_hidden", False) else group.description

    def get_description_html(self, group: Group) -> str:
        return "" if getattr(group, "description_hidden", False) else group.description_html

    def get_cover(self, group: Group) -> dict[str, str] | None:
        if not group.has_cover:
            return None
        build = self.context["request"].build_absolute_uri
        return {
            size: build(reverse("groups:cover", args=[group.slug, size]) + f"?v={group.cover_version}")
            for size in ("large", "small")
        }

    def get_viewer_has_pending_request(self, group: Group) -> bool:
        return bool(group.viewer_request_id) and not group.viewer_role


class GroupCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.SlugField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Group.Visibility.choices, default=Group.Visibility.OPEN)
    cover = serializers.FileField(required=False, help_text="JPEG, PNG, WebP or GIF; re-encoded.")
    confirm_warnings = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Save although a usage-guideline rule warns (flagged for review).",
    )


class GroupUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    slug = serializers.SlugField(max_length=100, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Group.Visibility.choices, required=False)
    cover = serializers.FileField(required=False)
    remove_cover = serializers.BooleanField(required=False, default=False)
    confirm_warnings = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Save although a usage-guideline rule warns (flagged for review).",
    )


class MembershipOutputSerializer(serializers.Serializer):
    user = GroupPersonSerializer()
    role = serializers.CharField()
    joined_at = serializers.DateTimeField(source="created_at")


class JoinRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = GroupPersonSerializer()
    message = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class JoinRequestInputSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class UserRefInputSerializer(serializers.Serializer):
    user = serializers.IntegerField(help_text="The colleague's user id.")

    def validate_user(self, value: int) -> User:
        user = User.objects.filter(pk=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError("No active colleague has this id.")
        return user


class RoleInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=[Membership.Role.ADMIN, Membership.Role.MEMBER])


class InvitationGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    visibility = serializers.CharField()
    description_html = serializers.CharField()


class InvitationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    group = InvitationGroupSerializer()
    invitee = GroupPersonSerializer()
    inviter = GroupPersonSerializer(allow_null=True)
    created_at = serializers.DateTimeField()

    def to_representation(self, invitation):
        data = super().to_representation(invitation)
        # Empty while moderation holds or hides the description (selectors.user_invitations).
        if getattr(invitation, "group_description_hidden", False):
            data["group"]["description_html"] = ""
        return data


# Shared behaviour -------------------------------------------------------------------------
class GroupsApiView(APIView):
    """Turns the services' exceptions into API answers: ValidationError -> 400 with field
    errors, a screening refusal -> 400 {"detail", "code", "screening"}, RateLimited -> 429.
    Http404 and PermissionDenied are handled by DRF (404, 403)."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.RateLimited):
            exc = Throttled(detail=str(exc))
        elif isinstance(exc, ScreeningError):
            exc = ScreeningRefused(exc)
        elif isinstance(exc, DjangoValidationError):
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            exc = ApiValidationError(detail=detail)
        return super().handle_exception(exc)

    def group(self, pk: int) -> Group:
        return check_view_group_permission(self.request.user, group_id=pk)

    def output(self, group: Group, *, status_code: int = status.HTTP_200_OK) -> Response:
        group = selectors.group_for_page(viewer=self.request.user, group=group)
        return Response(
            GroupOutputSerializer(group, context={"request": self.request}).data, status=status_code
        )

    def paginate(self, queryset, serializer_class) -> Response:
        paginator = CursorPagination()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(
            serializer_class(page, many=True, context={"request": self.request}).data
        )


def _get_or_404(queryset, **lookup):
    """Like get_object_or_404, but with the bare 404 body every missing thing shares."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def _input(serializer_class, data) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# Groups -----------------------------------------------------------------------------------
class GroupListCreateApi(GroupsApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Search name and description."),
            OpenApiParameter("mine", bool, description="Only groups the caller belongs to."),
            OpenApiParameter("slug", str, description="Exactly this slug (0 or 1 result)."),
        ],
        responses=GroupOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        """Groups the caller may know of: open, private, and secret ones they are in."""
        qs = selectors.group_directory(
            viewer=request.user,
            query=request.query_params.get("q", ""),
            mine=request.query_params.get("mine") in ("1", "true", "yes"),
        )
        if "slug" in request.query_params:
            qs = qs.filter(slug=request.query_params["slug"])
        return self.paginate(qs, GroupOutputSerializer)

    @extend_schema(request=GroupCreateInputSerializer, responses={201: GroupOutputSerializer})
    def post(self, request: Request) -> Response:
        """Create a group; the caller becomes its owner (subject to the site policy)."""
        data = _input(GroupCreateInputSerializer, request.data)
        confirmed = data.pop("confirm_warnings", False)
        group = services.group_create(actor=request.user, confirmed=confirmed, **data)
        return self.output(group, status_code=status.HTTP_201_CREATED)


class GroupDetailApi(GroupsApiView):
    @extend_schema(responses=GroupOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.group(pk))

    @extend_schema(request=GroupUpdateInputSerializer, responses=GroupOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        """Change details (owners and admins; not while archived)."""
        group = self.group(pk)
        data = _input(GroupUpdateInputSerializer, request.data)
        confirmed = data.pop("confirm_warnings", False)
        group = services.group_update(actor=request.user, group=group, confirmed=confirmed, **data)
        return self.output(group)


class GroupBySlugApi(GroupsApiView):
    @extend_schema(responses=GroupOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return self.output(check_view_group_permission(request.user, slug=slug))


class GroupArchiveApi(GroupsApiView):
    archive = True

    @extend_schema(request=None, responses=GroupOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        group = self.group(pk)
        if self.archive:
            group = services.group_archive(actor=request.user, group=group)
        else:
            group = services.group_unarchive(actor=request.user, group=group)
        return self.output(group)


class GroupUnarchiveApi(GroupArchiveApi):
    archive = False


class GroupTransferApi(GroupsApiView):
    @extend_schema(request=UserRefInputSerializer, responses=MembershipOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        """The owner hands ownership to another member (and becomes an admin)."""
        group = self.group(pk)
        data = _input(UserRefInputSerializer, request.data)
        membership = services.group_transfer_ownership(
            actor=request.user, group=group, new_owner=data["user"]
        )
        return Response(MembershipOutputSerializer(membership).data)


# Membership -------------------------------------------------------------------------------
class GroupMembersApi(GroupsApiView):
    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Search by name or e-mail.")],
        responses=MembershipOutputSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        """Members (open groups: everyone; private and secret: members only)."""
        group = check_view_group_content_permission(request.user, group_id=pk)
        return self.paginate(
            selectors.group_members(group=group, query=request.query_params.get("q", "")),
            MembershipOutputSerializer,
        )


class GroupMemberApi(GroupsApiView):
    def membership(self, pk: int, user_id: int) -> Membership:
        group = check_view_group_content_permission(self.request.user, group_id=pk)
        return _get_or_404(Membership.objects.select_related("user", "group"), group=group, user_id=user_id)

    @extend_schema(request=RoleInputSerializer, responses=MembershipOutputSerializer)
    def patch(self, request: Request, pk: int, user_id: int) -> Response:
        """Promote to admin or demote to member (owners and admins)."""
        membership = self.membership(pk, user_id)
        data = _input(RoleInputSerializer, request.data)
        membership = services.membership_set_role(
            actor=request.user, membership=membership, role=data["role"]
        )
        return Response(MembershipOutputSerializer(membership).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int, user_id: int) -> Response:
        """Remove a member (owners: admins and members; admins: members)."""
        services.membership_remove(actor=request.user, membership=self.membership(pk, user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupJoinApi(GroupsApiView):
    @extend_schema(request=None, responses={201: MembershipOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Join an open group at once."""
        membership = services.group_join(actor=request.user, group=self.group(pk))
        return Response(MembershipOutputSerializer(membership).data, status=status.HTTP_201_CREATED)


class GroupLeaveApi(GroupsApiView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, pk: int) -> Response:
        """Leave the group. The last owner must transfer ownership first (403)."""
        services.membership_leave(actor=request.user, group=self.group(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupJoinRequestApi(GroupsApiView):
    @extend_schema(request=JoinRequestInputSerializer, responses={201: JoinRequestOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Ask to join a private group."""
        group = self.group(pk)
        data = _input(JoinRequestInputSerializer, request.data)
        join_request = services.join_request_create(actor=request.user, group=group, message=data["message"])
        return Response(JoinRequestOutputSerializer(join_request).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        """Withdraw one's pending request."""
        services.join_request_cancel(actor=request.user, group=self.group(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupRequestsApi(GroupsApiView):
    @extend_schema(responses=JoinRequestOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        """Pending join requests (owners and admins)."""
        group = self.group(pk)
        check_manage_group_permission(request.user, group)
        return self.paginate(selectors.group_pending_requests(group=group), JoinRequestOutputSerializer)


class GroupRequestDecisionApi(GroupsApiView):
    approve = True

    @extend_schema(request=None, responses={200: JoinRequestOutputSerializer})
    def post(self, request: Request, pk: int, request_id: int) -> Response:
        group = self.group(pk)
        join_request = _get_or_404(
            JoinRequest.objects.select_related("user", "group"), pk=request_id, group=group
        )
        if self.approve:
            services.join_request_approve(actor=request.user, join_request=join_request)
            join_request.status = "approved"
        else:
            join_request = services.join_request_deny(actor=request.user, join_request=join_request)
        return Response(JoinRequestOutputSerializer(join_request).data)


class GroupRequestDenyApi(GroupRequestDecisionApi):
    approve = False


class GroupInvitationsApi(GroupsApiView):
    @extend_schema(responses=InvitationOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        """Invitations not yet answered (owners and admins)."""
        group = self.group(pk)
        check_manage_group_permission(request.user, group)
        return self.paginate(selectors.group_open_invitations(group=group), InvitationOutputSerializer)

    @extend_schema(request=UserRefInputSerializer, responses={201: InvitationOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Invite a colleague (owners and admins; any visibility)."""
        group = self.group(pk)
        data = _input(UserRefInputSerializer, request.data)
        invitation = services.invitation_create(actor=request.user, group=group, invitee=data["user"])
        return Response(InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


class GroupInvitationRevokeApi(GroupsApiView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int, invitation_id: int) -> Response:
        group = self.group(pk)
        invitation = _get_or_404(Invitation.objects.select_related("group"), pk=invitation_id, group=group)
        services.invitation_revoke(actor=request.user, invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)


# The caller's own invitations -------------------------------------------------------------
class MyInvitationsApi(GroupsApiView):
    @extend_schema(operation_id="groups_my_invitations_list", responses=InvitationOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Invitations addressed to the caller."""
        return self.paginate(selectors.user_invitations(user=request.user), InvitationOutputSerializer)


class MyInvitationAnswerApi(GroupsApiView):
    accept = True

    @extend_schema(request=None, responses={200: MembershipOutputSerializer, 204: None})
    def post(self, request: Request, invitation_id: int) -> Response:
        # Someone else's invitation answers exactly like a missing one.
        invitation = _get_or_404(
            Invitation.objects.select_related("group"), pk=invitation_id, invitee_id=request.user.pk
        )
        if self.accept:
            membership = services.invitation_accept(actor=request.user, invitation=invitation)
            return Response(MembershipOutputSerializer(membership).data)
        services.invitation_decline(actor=request.user, invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyInvitationDeclineApi(MyInvitationAnswerApi):
    accept = False
