"""REST API: report content, screen a text as it is written, the person's guidelines status and
accepting them. The same services and gates as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation import selectors, services
from moderation.models import Scope
from moderation.reportables import reportable_by_key


class ScreeningRefused(APIException):
    """400 with the documented screening body, its types kept (booleans stay booleans):
    {"detail", "code": "content_blocked" | "confirmation_required", "screening": {...}}.

    Content APIs: `except ScreeningError as exc: raise ScreeningRefused(exc) from None`.
    """

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "screening"

    def __init__(self, error: services.ScreeningError) -> None:
        self.detail = error.as_api_error()  # not coerced to strings like ValidationError's


class ReportInputSerializer(serializers.Serializer):
    type = serializers.CharField(max_length=100, help_text="app_label.model, e.g. groups.group, feed.post")
    id = serializers.IntegerField(min_value=1)
    section = serializers.CharField(max_length=100, help_text="a guideline section key, or 'other'")
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    section = serializers.CharField()
    created_at = serializers.DateTimeField()


def _errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()
        }
    return {"non_field_errors": exc.messages}


class ReportCreateApi(APIView):
    """Report something you can see. 404 for what you cannot see; 400 if you already reported it."""

    @extend_schema(request=ReportInputSerializer, responses={201: ReportOutputSerializer})
    def post(self, request: Request) -> Response:
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = reportable_by_key(data.validated_data["type"])
        if entry is None:
            raise Http404
        target = entry.base_queryset().filter(pk=data.validated_data["id"]).first()
        if (
            target is None
            or not entry.can_view(request.user, target)
            or not selectors.can_see_moderated(request.user, target)
        ):
            raise Http404
        try:
            report = services.report_create(
                reporter=request.user,
                target=target,
                section=data.validated_data["section"],
                note=data.validated_data["note"],
            )
        except ValidationError as exc:
            return Response(_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(ReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)


class ScreenInputSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Scope.choices)
    text = serializers.CharField(allow_blank=True, max_length=100_000, trim_whitespace=False)


class ScreenApi(APIView):
    """What the rules say about a text before it is sent: action (allow, warn, hold, block) and
    each matching rule's explanation and guideline section."""

    write_gate_exempt = True

    @extend_schema(
        request=ScreenInputSerializer,
        responses=inline_serializer(
            "ScreenResult",
            {
                "action": serializers.CharField(),
                "needs_confirmation": serializers.BooleanField(),
                "matches": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def post(self, request: Request) -> Response:
        data = ScreenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.screen_text(
            text=data.validated_data["text"], scope=data.validated_data["scope"], author=request.user
        )
        return Response(result.as_dict())


def _status(user) -> dict:
    state = selectors.write_state(user)
    current = state.current
    body = {
        "current": None,
        "accepted": f"{state.accepted[0]}.{state.accepted[1]}" if state.accepted else None,
        "must_accept": state.must_accept,
        "has_minor_update": state.has_minor_update,
        "can_write": state.blocked_code is None,
        "blocked_code": state.blocked_code,
        "suspension": None,
    }
    if current is not None:
        body["current"] = {
            "version": current.number,
            "title": current.title,
            "change": current.change,
            "change_summary": current.change_summary,
            "published_at": current.published_at.isoformat(),
            "sections": current.sections,
        }
    if state.suspension is not None:
        body["suspension"] = {
            "until": state.suspension.ends_at.isoformat(),
            "reason": state.suspension.reason,
        }
    return body


class GuidelinesStatusApi(APIView):
    """The current guidelines and where the signed-in person stands (accepted, suspended)."""

    @extend_schema(
        responses=inline_serializer("GuidelinesStatus", {"must_accept": serializers.BooleanField()})
    )
    def get(self, request: Request) -> Response:
        return Response(_status(request.user))


class GuidelinesAcceptApi(APIView):
    """Accept the current version (idempotent)."""

    write_gate_exempt = True

    @extend_schema(
        request=None,
        responses=inline_serializer("GuidelinesAccepted", {"must_accept": serializers.BooleanField()}),
    )
    def post(self, request: Request) -> Response:
        services.guidelines_accept(user=request.user)
        return Response(_status(request.user))
