"""Chat over REST at /api/v1/conversations/: the same services, checks and idempotency as the socket.

A conversation the caller is not in answers 404 exactly like one that does not exist, and so
does a message moderation holds or hides from the caller. Refusals: 400 with field errors (or,
when the usage-guideline rules refuse a text, moderation's body {"detail", "code", "screening"}),
403 for a visible thing the caller may not change, 429 when sending too fast.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging import events, policy
from messaging.exceptions import ChatError, ChatPermissionDenied, ChatRateLimited
from messaging.models import Conversation, Message
from messaging.permissions import (
    can_add_members,
    check_view_conversation_permission,
    check_view_message_permission,
)
from messaging.presence import presence_of
from messaging.selectors import (
    attach_summaries,
    conversation_detail,
    conversation_members,
    conversations_for_list,
    messages_for_history,
    partner_read_up_to,
)
from messaging.services import (
    conversation_add_members,
    conversation_create_group,
    conversation_get_or_create_direct,
    conversation_leave,
    conversation_mark_read,
    conversation_rename,
    message_delete,
    message_edit,
    message_send,
)
from moderation.services import ScreeningError
from socialco.pagination import CursorPagination
from socialco.policy import read_receipts_enabled

FIELD_FOR_CODE = {
    "body_empty": "body",
    "body_too_long": "body",
    "bad_client_id": "client_id",
    "invalid_members": "members",
    "too_few_members": "members",
    "too_many_members": "members",
    "name_too_long": "name",
}


def _api_error(exc: ChatError) -> exceptions.APIException:
    if isinstance(exc, ChatRateLimited):
        return exceptions.Throttled(wait=exc.retry_after, detail=exc.message)
    if isinstance(exc, ChatPermissionDenied):
        return exceptions.PermissionDenied(detail=exc.message, code=exc.code)
    field = FIELD_FOR_CODE.get(exc.code, "non_field_errors")
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(exc.message, code=exc.code)]})


class ConversationPagination(CursorPagination):
    ordering = ("-activity_at", "-id")


class MessagePagination(CursorPagination):
    ordering = "-id"
    page_size = 50


# Output -----------------------------------------------------------------------------------
class ChatPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    presence = serializers.ChoiceField(choices=["online", "away", "offline"], required=False)


class SenderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    """The same shape as the `message` of socket frames (messaging.events.message_payload)."""

    id = serializers.IntegerField()
    conversation = serializers.IntegerField()
    client_id = serializers.CharField()
    sender = SenderSerializer()
    body = serializers.CharField(help_text="The markdown source (empty when deleted).")
    body_html = serializers.CharField(help_text="Sanitised HTML (empty when deleted).")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted = serializers.BooleanField()
    moderation_state = serializers.ChoiceField(
        choices=["visible", "held", "hidden"],
        help_text="Others see only visible messages; the sender and moderators also held or hidden ones.",
    )

    def to_representation(self, instance: Message) -> dict[str, Any]:
        return events.message_payload(instance)


class GroupRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class ConversationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Conversation.Kind.choices)
    title = serializers.CharField()
    name = serializers.CharField()
    group = GroupRefSerializer(allow_null=True)
    partner = ChatPersonSerializer(allow_null=True)
    member_count = serializers.IntegerField(allow_null=True)
    unread_count = serializers.IntegerField()
    last_message = MessageSerializer(allow_null=True)
    activity_at = serializers.DateTimeField()

    def to_representation(self, instance: Conversation) -> dict[str, Any]:
        presence = self.context.get("presence", {})
        partner = instance.partner
        group = instance.group if instance.kind == Conversation.Kind.ROOM else None
        return {
            "id": instance.pk,
            "kind": instance.kind,
            "title": instance.title,
            "name": instance.name,
            "group": {"id": group.pk, "slug": group.slug, "name": group.name} if group else None,
            "partner": (
                {
                    "id": partner.pk,
                    "name": partner.display_name or partner.email,
                    "presence": presence.get(partner.pk, "offline"),
                }
                if partner is not None
                else None
            ),
            "member_count": instance.member_count,
            "unread_count": instance.unread_count,
            "last_message": events.message_payload(instance.last_message) if instance.last_message else None,
            "activity_at": instance.activity_at.isoformat(),
        }


class ConversationDetailSerializer(ConversationSerializer):
    can_add_members = serializers.BooleanField()
    partner_read_up_to = serializers.IntegerField(
        allow_null=True, help_text="Direct chats with read receipts on: how far the other person has read."
    )

    def to_representation(self, instance: Conversation) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["can_add_members"] = self.context["can_add_members"]
        data["partner_read_up_to"] = self.context["partner_read_up_to"]
        return data


def _presence_for(conversations: list[Conversation]) -> dict[int, str]:
    return presence_of(c.partner.pk for c in conversations if c.partner is not None)


# Input ------------------------------------------------------------------------------------
class ConversationCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Conversation.Kind.choices, help_text="direct or group")
    user = serializers.IntegerField(required=False, help_text="direct: the colleague's id")
    members = serializers.ListField(
        child=serializers.IntegerField(), required=False, max_length=policy.GROUP_CHAT_MAX_MEMBERS
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def validate(self, attrs: dict) -> dict:
        if attrs["kind"] == Conversation.Kind.ROOM:
            raise serializers.ValidationError({"kind": ["Rooms belong to groups: join the group instead."]})
        if attrs["kind"] == "direct" and "user" not in attrs:
            raise serializers.ValidationError({"user": ["A direct chat needs the colleague's id."]})
        if attrs["kind"] == "group" and not attrs.get("members"):
            raise serializers.ValidationError({"members": ["Pick at least one colleague."]})
        return attrs


class ConversationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, max_length=100)


class MembersAddSerializer(serializers.Serializer):
    users = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, max_length=policy.GROUP_CHAT_MAX_MEMBERS
    )


CONFIRM_HELP = "Send anyway after a usage-guideline warning (answered 400 confirmation_required)."


class MessageSendSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)
    client_id = serializers.CharField(
        trim_whitespace=False, help_text="Chosen by the client (a UUID); a resend returns the original."
    )
    confirm_warnings = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)


class MessageEditSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)
    confirm_warnings = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)


class ReadSerializer(serializers.Serializer):
    up_to = serializers.IntegerField(min_value=0)


# Views ------------------------------------------------------------------------------------
class ConversationListApi(APIView):
    """GET: your conversations, latest activity first (cursor-paginated). POST: start one."""

    @extend_schema(responses=ConversationSerializer(many=True))
    def get(self, request: Request) -> Response:
        paginator = ConversationPagination()
        page = paginator.paginate_queryset(conversations_for_list(request.user), request, view=self)
        page = attach_summaries(page, request.user)
        data = ConversationSerializer(page, many=True, context={"presence": _presence_for(page)}).data
        return paginator.get_paginated_response(data)

    @extend_schema(request=ConversationCreateSerializer, responses=ConversationSerializer)
    def post(self, request: Request) -> Response:
        serializer = ConversationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            if data["kind"] == "direct":
                try:
                    conversation, created = conversation_get_or_create_direct(
                        user=request.user, other_user_id=data["user"]
                    )
                except Http404:
                    raise exceptions.ValidationError({"user": ["No such colleague."]}) from None
            else:
                conversation = conversation_create_group(
                    creator=request.user, member_ids=data["members"], name=data.get("name", "")
                )
                created = True
        except ChatError as exc:
            raise _api_error(exc) from None
        detail = conversation_detail(request.user, conversation)
        return Response(
            ConversationSerializer(detail, context={"presence": _presence_for([detail])}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ConversationDetailApi(APIView):
    """GET: one conversation. PATCH {name}: rename a group chat."""

    def _respond(self, request: Request, conversation: Conversation) -> Response:
        detail = conversation_detail(request.user, conversation)
        context = {
            "presence": _presence_for([detail]),
            "can_add_members": can_add_members(request.user, conversation),
            "partner_read_up_to": (
                partner_read_up_to(conversation, request.user) if read_receipts_enabled() else None
            ),
        }
        return Response(ConversationDetailSerializer(detail, context=context).data)

    @extend_schema(responses=ConversationDetailSerializer)
    def get(self, request: Request, conversation_id: int) -> Response:
        return self._respond(request, check_view_conversation_permission(request.user, conversation_id))

    @extend_schema(request=ConversationUpdateSerializer, responses=ConversationDetailSerializer)
    def patch(self, request: Request, conversation_id: int) -> Response:
        serializer = ConversationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            conversation = conversation_rename(
                actor=request.user, conversation_id=conversation_id, name=serializer.validated_data["name"]
            )
        except ChatError as exc:
            raise _api_error(exc) from None
        return self._respond(request, conversation)


class ConversationMembersApi(APIView):
    """GET: who is in the conversation. POST {users: [ids]}: add colleagues to a group chat."""

    @extend_schema(responses=ChatPersonSerializer(many=True))
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = check_view_conversation_permission(request.user, conversation_id)
        people = list(conversation_members(conversation).only("id", "display_name", "email"))
        states = presence_of(person.pk for person in people)
        return Response(
            [
                {"id": p.pk, "name": p.display_name or p.email, "presence": states.get(p.pk, "offline")}
                for p in people
            ]
        )

    @extend_schema(request=MembersAddSerializer, responses=ChatPersonSerializer(many=True))
    def post(self, request: Request, conversation_id: int) -> Response:
        serializer = MembersAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            added = conversation_add_members(
                actor=request.user,
                conversation_id=conversation_id,
                user_ids=serializer.validated_data["users"],
            )
        except ChatError as exc:
            raise _api_error(exc) from None
        return Response(
            [{"id": p.pk, "name": p.display_name or p.email} for p in added], status=status.HTTP_201_CREATED
        )


class ConversationMemberApi(APIView):
    """DELETE /members/<your id>/: leave a group chat."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, conversation_id: int, user_id: int) -> Response:
        check_view_conversation_permission(request.user, conversation_id)
        if user_id != request.user.pk:
            raise exceptions.PermissionDenied("You can only remove yourself from a chat.")
        try:
            conversation_leave(user=request.user, conversation_id=conversation_id)
        except ChatError as exc:
            raise _api_error(exc) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConversationMessagesApi(APIView):
    """GET: history, newest first (cursor-paginated; follow `next` to scroll back).
    POST {body, client_id}: send (201; a resend with the same client_id answers 200 with the original)."""

    @extend_schema(responses=MessageSerializer(many=True))
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = check_view_conversation_permission(request.user, conversation_id)
        paginator = MessagePagination()
        history = messages_for_history(request.user, conversation)
        page = paginator.paginate_queryset(history, request, view=self)
        return paginator.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(request=MessageSendSerializer, responses=MessageSerializer)
    def post(self, request: Request, conversation_id: int) -> Response:
        serializer = MessageSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            message, created = message_send(
                sender=request.user,
                conversation_id=conversation_id,
                body=serializer.validated_data["body"],
                client_id=serializer.validated_data["client_id"],
                confirmed=serializer.validated_data["confirm_warnings"],
            )
        except ChatError as exc:
            raise _api_error(exc) from None
        except ScreeningError as exc:
            return Response(exc.as_api_error(), status=status.HTTP_400_BAD_REQUEST)
        return Response(
            MessageSerializer(message).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class MessageDetailApi(APIView):
    """GET: one message. PATCH {body, confirm_warnings?}: edit your message within the edit
    window. DELETE: delete it (a tombstone stays)."""

    def _check_in_conversation(self, request: Request, conversation_id: int, message_id: int) -> Message:
        return check_view_message_permission(request.user, conversation_id, message_id)

    @extend_schema(responses=MessageSerializer)
    def get(self, request: Request, conversation_id: int, message_id: int) -> Response:
        message = self._check_in_conversation(request, conversation_id, message_id)
        return Response(MessageSerializer(message).data)

    @extend_schema(request=MessageEditSerializer, responses=MessageSerializer)
    def patch(self, request: Request, conversation_id: int, message_id: int) -> Response:
        self._check_in_conversation(request, conversation_id, message_id)
        serializer = MessageEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            message = message_edit(
                user=request.user,
                message_id=message_id,
                body=serializer.validated_data["body"],
                confirmed=serializer.validated_data["confirm_warnings"],
            )
        except ChatError as exc:
            raise _api_error(exc) from None
        except ScreeningError as exc:
            return Response(exc.as_api_error(), status=status.HTTP_400_BAD_REQUEST)
        return Response(MessageSerializer(message).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, conversation_id: int, message_id: int) -> Response:
        self._check_in_conversation(request, conversation_id, message_id)
        try:
            message_delete(user=request.user, message_id=message_id)
        except ChatError as exc:
            raise _api_error(exc) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConversationReadApi(APIView):
    """POST {up_to}: mark the conversation read up to that message."""

    @extend_schema(request=ReadSerializer, responses=ReadSerializer)
    def post(self, request: Request, conversation_id: int) -> Response:
        serializer = ReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            mark = conversation_mark_read(
                user=request.user, conversation_id=conversation_id, up_to=serializer.validated_data["up_to"]
            )
        except ChatError as exc:
            raise _api_error(exc) from None
        return Response({"up_to": mark})
