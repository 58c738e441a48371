"""REST API for notifications: the same services and selectors as the pages, one class per operation."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import services
from notifications.kinds import Delivery, DigestPeriod, Kind
from notifications.selectors import (
    NotificationItem,
    digest_period_for,
    notifications_visible,
    preferences_for,
    present,
    unread_count,
)
from socialco.pagination import CursorPagination


class NotificationPagination(CursorPagination):
    ordering = ("-updated_at", "-id")


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class TargetSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="app_label.model, e.g. groups.group")
    id = serializers.IntegerField()
    url = serializers.CharField()


class NotificationOutputSerializer(serializers.Serializer):
    """One notification as its recipient sees it; built from a presented NotificationItem."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    text = serializers.CharField()
    excerpt = serializers.CharField()
    actor = ActorSerializer(allow_null=True)
    actor_count = serializers.IntegerField()
    target = TargetSerializer()
    data = serializers.DictField()
    is_read = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @staticmethod
    def from_item(item: NotificationItem) -> dict:
        n = item.notification
        content_type = ContentType.objects.get_for_id(n.target_type_id)
        return {
            "id": n.pk,
            "kind": n.kind,
            "text": item.text,
            "excerpt": n.excerpt,
            "actor": {"id": n.actor.pk, "display_name": item.actor_name} if item.show_actor else None,
            "actor_count": n.actor_count,
            "target": {
                "type": f"{content_type.app_label}.{content_type.model}",
                "id": n.target_id,
                "url": item.target_url,
            },
            "data": n.data,
            "is_read": n.read_at is not None,
            "created_at": n.created_at,
            "updated_at": n.updated_at,
        }


def _serialize(items: list[NotificationItem]) -> list[dict]:
    return NotificationOutputSerializer(
        [NotificationOutputSerializer.from_item(i) for i in items], many=True
    ).data


class NotificationListApi(GenericAPIView):
    """The signed-in person's notifications, newest activity first; `?unread=true` for unread only."""

    pagination_class = NotificationPagination
    serializer_class = NotificationOutputSerializer

    def get_queryset(self):
        qs = notifications_visible(user=self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(_serialize(present(page)))


class NotificationMarkReadApi(APIView):
    @extend_schema(request=None, responses=NotificationOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
        items = present(notifications_visible(user=request.user).filter(pk=notification.pk))
        return Response(_serialize(items)[0])


class NotificationMarkAllReadApi(APIView):
    @extend_schema(
        request=None,
        responses=inline_serializer(
            "MarkAllRead", {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()}
        ),
    )
    def post(self, request: Request) -> Response:
        marked = services.notifications_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread": unread_count(user=request.user)})


class UnreadCountApi(APIView):
    @extend_schema(responses=inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}))
    def get(self, request: Request) -> Response:
        return Response({"unread": unread_count(user=request.user)})


class PreferencesSerializer(serializers.Serializer):
    deliveries = serializers.DictField(
        child=serializers.ChoiceField(choices=Delivery.choices),
        required=False,
        help_text="kind -> delivery; kinds left out keep their current setting",
    )
    digest_period = serializers.ChoiceField(choices=DigestPeriod.choices, required=False)

    def validate_deliveries(self, value: dict) -> dict:
        unknown = sorted(set(value) - set(Kind.values))
        if unknown:
            raise serializers.ValidationError(f"Unknown kinds: {', '.join(unknown)}.")
        return value


class PreferencesApi(APIView):
    """Delivery per kind (in_app, email, digest, off) and the digest period (daily, weekly, never)."""

    @staticmethod
    def _current(user) -> dict:
        return {
            "deliveries": {p.kind.value: p.delivery.value for p in preferences_for(user=user)},
            "digest_period": digest_period_for(user=user).value,
        }

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request: Request) -> Response:
        return Response(self._current(request.user))

    @extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer)
    def patch(self, request: Request) -> Response:
        """Change some preferences; kinds and fields left out keep their current setting."""
        serializer = PreferencesSerializer(data=request.data)
        if not serializer.is_valid():
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        services.preferences_update(
            user=request.user,
            deliveries=serializer.validated_data.get("deliveries", {}),
            digest_period=serializer.validated_data.get("digest_period"),
        )
        return Response(self._current(request.user))
