"""The questions REST API under /api/v1/questions/: the same services, selectors and gate as
the pages. Serializers list their fields explicitly; a question or answer the caller may not
see answers 404, like a missing one."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from feed.api import call_service
from feed.questions import selectors, services
from feed.questions.experts import rank_experts
from feed.questions.permissions import (
    can_accept_answer,
    can_answer_question,
    can_vote_answer,
    check_view_answer_permission,
)
from groups.permissions import filter_visible_groups
from socialco.pagination import CursorPagination


# Output --------------------------------------------------------------------------------------
class QuestionPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class QuestionGroupSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")
    author = QuestionPersonSerializer()
    group = QuestionGroupSerializer(allow_null=True)
    tags = serializers.SerializerMethodField()
    answer_count = serializers.IntegerField(source="question.answer_count")
    vote_count = serializers.IntegerField(source="question.vote_count")
    is_answered = serializers.BooleanField(source="question.is_answered")
    accepted_answer = serializers.IntegerField(source="question.accepted_answer_id", allow_null=True)
    created_at = serializers.DateTimeField()
    moderation_state = serializers.CharField()

    def get_tags(self, post) -> list[str]:
        return [tag.key for tag in post.tags.all()]


class AnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = QuestionPersonSerializer()
    body = serializers.CharField()
    body_html = serializers.CharField()
    vote_count = serializers.IntegerField()
    voted = serializers.BooleanField(default=False)
    is_accepted = serializers.SerializerMethodField()
    moderation_state = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_is_accepted(self, answer) -> bool:
        return answer.pk == self.context.get("accepted_id")


class ExpertSerializer(serializers.Serializer):
    user = QuestionPersonSerializer()
    accepted_answers = serializers.IntegerField()
    matched = serializers.ListField(child=serializers.CharField())


class QuestionDetailSerializer(QuestionSerializer):
    body = serializers.CharField()
    body_html = serializers.CharField()
    time_to_first_answer = serializers.DurationField(source="question.time_to_first_answer", allow_null=True)
    time_to_accepted_answer = serializers.DurationField(
        source="question.time_to_accepted_answer", allow_null=True
    )


# Input ---------------------------------------------------------------------------------------
class QuestionCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True)
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=20)
    group = serializers.SlugField(required=False, allow_null=True, default=None)
    idempotency_key = serializers.UUIDField(required=False, allow_null=True, default=None)
    confirm_warnings = serializers.BooleanField(required=False, default=False)


class AnswerCreateSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    confirm_warnings = serializers.BooleanField(required=False, default=False)


ORDERINGS = {
    "newest": ("-created_at", "-id"),
    "votes": ("-votes", "-created_at", "-id"),
    "oldest_unanswered": ("has_answers", "created_at", "id"),
}


class QuestionPagination(CursorPagination):
    page_size = 20

    def get_ordering(self, request, queryset, view):
        return ORDERINGS[selectors.ListSpec.parse(request.query_params).sort]


LIST_PARAMETERS = [
    OpenApiParameter("filter", str, enum=list(selectors.ListSpec.FILTERS)),
    OpenApiParameter("tag", str),
    OpenApiParameter("sort", str, enum=list(selectors.ListSpec.SORTS)),
    OpenApiParameter("cursor", str),
    OpenApiParameter("page_size", int),
]


class QuestionListCreateApi(APIView):
    """GET: questions the caller may see (filter=all|unanswered|open|answered|mine, tag, sort=
    newest|votes|oldest_unanswered), cursor-paginated. POST: ask a question."""

    @extend_schema(parameters=LIST_PARAMETERS, responses=QuestionSerializer(many=True))
    def get(self, request: Request) -> Response:
        spec = selectors.ListSpec.parse(request.query_params)
        qs = selectors.questions_list(request.user, spec)
        paginator = QuestionPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(QuestionSerializer(page, many=True).data)

    @extend_schema(request=QuestionCreateSerializer, responses={201: QuestionDetailSerializer})
    def post(self, request: Request) -> Response:
        serializer = QuestionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        group = None
        if values["group"]:
            group = filter_visible_groups(request.user).filter(slug=values["group"]).first()
            if group is None:
                raise ValidationError({"group": ["No such group."]})
        post = call_service(
            services.question_create,
            author=request.user,
            title=values["title"],
            body=values["body"],
            tags=values.get("tags") or [],
            group=group,
            idempotency_key=values["idempotency_key"],
            confirmed=values["confirm_warnings"],
        )
        post = selectors.question_for_detail(request.user, post.pk)
        return Response(QuestionDetailSerializer(post).data, status=status.HTTP_201_CREATED)


class QuestionDetailApi(APIView):
    """GET one question with its answers (accepted, then votes, then age), the people who may
    know, and what the caller may do."""

    @extend_schema(responses=QuestionDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        post = selectors.question_for_detail(request.user, pk)
        answers = selectors.answers_for_question(request.user, post)
        data = dict(QuestionDetailSerializer(post).data)
        data["answers"] = AnswerSerializer(
            answers, many=True, context={"accepted_id": post.question.accepted_answer_id}
        ).data
        data["experts"] = ExpertSerializer(rank_experts(post, viewer=request.user), many=True).data
        data["can_answer"] = can_answer_question(request.user, post)
        data["can_accept"] = can_accept_answer(request.user, post.question)
        return Response(data)


class AnswerListCreateApi(APIView):
    """GET the visible answers of a question; POST {"body", "confirm_warnings"?} answers it."""

    @extend_schema(responses=AnswerSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        post = selectors.question_for_detail(request.user, pk)
        answers = selectors.answers_for_question(request.user, post)
        context = {"accepted_id": post.question.accepted_answer_id}
        return Response(AnswerSerializer(answers, many=True, context=context).data)

    @extend_schema(request=AnswerCreateSerializer, responses={201: AnswerSerializer})
    def post(self, request: Request, pk: int) -> Response:
        post = selectors.question_for_detail(request.user, pk)
        serializer = AnswerCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answer = call_service(
            services.answer_create,
            question_post=post,
            author=request.user,
            body=serializer.validated_data["body"],
            confirmed=serializer.validated_data["confirm_warnings"],
        )
        return Response(AnswerSerializer(answer).data, status=status.HTTP_201_CREATED)


class AnswerVoteApi(APIView):
    """POST up-votes an answer (once; never one's own); DELETE takes the vote back."""

    @extend_schema(request=None, responses=AnswerSerializer)
    def post(self, request: Request, pk: int) -> Response:
        answer = check_view_answer_permission(request.user, pk)
        if not can_vote_answer(request.user, answer):
            raise PermissionDenied("You cannot vote for your own answer.")
        call_service(services.answer_vote, answer=answer, user=request.user)
        answer.voted = True
        return Response(AnswerSerializer(answer).data)

    @extend_schema(request=None, responses=AnswerSerializer)
    def delete(self, request: Request, pk: int) -> Response:
        answer = check_view_answer_permission(request.user, pk)
        call_service(services.answer_unvote, answer=answer, user=request.user)
        answer.voted = False
        return Response(AnswerSerializer(answer).data)


class AnswerAcceptApi(APIView):
    """POST marks the answer accepted (the asker or a moderator); DELETE removes the mark."""

    @extend_schema(request=None, responses=QuestionSerializer)
    def post(self, request: Request, pk: int) -> Response:
        answer = check_view_answer_permission(request.user, pk)
        call_service(services.answer_accept, answer=answer, actor=request.user)
        return Response(
            QuestionSerializer(selectors.question_for_detail(request.user, answer.question_id)).data
        )

    @extend_schema(request=None, responses=QuestionSerializer)
    def delete(self, request: Request, pk: int) -> Response:
        answer = check_view_answer_permission(request.user, pk)
        if answer.question.accepted_answer_id == answer.pk:
            call_service(services.answer_unaccept, question=answer.question, actor=request.user)
        return Response(
            QuestionSerializer(selectors.question_for_detail(request.user, answer.question_id)).data
        )


class SimilarQuestionsApi(APIView):
    """GET ?q=: up to five questions the caller may see with titles like `q`."""

    @extend_schema(parameters=[OpenApiParameter("q", str)], responses=QuestionSerializer(many=True))
    def get(self, request: Request) -> Response:
        from django.db.models import prefetch_related_objects

        similar = selectors.similar_questions(request.user, request.query_params.get("q", ""))
        prefetch_related_objects(similar, "tags")
        return Response({"results": QuestionSerializer(similar, many=True).data})
