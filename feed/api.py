"""The feed's REST API under /api/v1/: the same services, selectors and gate as the pages.

Serializers list their fields explicitly. Author, audience checks and counts come from the
server: an input serializer has no author, counts or rendered HTML to forge, and the group
is checked by the service like on the page. A post the caller may not see answers 404.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from feed import selectors, services
from feed.models import (
    Comment,
    Post,
    PraiseBadge,
    ReactionKind,
)
from feed.permissions import (
    can_acknowledge,
    can_comment_on_post,
    can_delete_comment,
    can_edit_comment,
    can_view_acknowledgements,
    check_view_comment_permission,
    check_view_post_permission,
)
from feed.seen import posts_mark_seen
from feed.selectors import BadCursor
from groups.permissions import filter_visible_groups
from moderation.api import ScreeningRefused
from moderation.services import ScreeningError
from socialco.ratelimits import RateLimitExceeded

User = get_user_model()


# Output --------------------------------------------------------------------------------------
class FeedPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class PostGroupSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class PostImageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    large_url = serializers.SerializerMethodField()
    small_url = serializers.SerializerMethodField()

    def get_large_url(self, image) -> str:
        return reverse("feed:image", args=[image.pk, "large"])

    def get_small_url(self, image) -> str:
        return reverse("feed:image", args=[image.pk, "small"])


class PostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    kind = serializers.CharField()
    author = FeedPersonSerializer()
    group = PostGroupSerializer(allow_null=True)
    title = serializers.CharField()
    body = serializers.CharField()
    body_html = serializers.CharField()
    summary = serializers.CharField()
    praise_badge = serializers.CharField()
    praised = FeedPersonSerializer(many=True, source="praised.all")
    images = PostImageSerializer(many=True, source="images.all")
    tags = serializers.SerializerMethodField()
    is_announcement = serializers.BooleanField()
    pinned_until = serializers.DateTimeField(allow_null=True)
    must_read = serializers.BooleanField()
    acknowledged = serializers.BooleanField(default=False)
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    comment_count = serializers.IntegerField()
    reaction_counts = serializers.DictField(child=serializers.IntegerField())
    my_reaction = serializers.CharField(allow_null=True, default=None)
    # "visible"; "held" or "hidden" only ever reach the author and moderators.
    moderation_state = serializers.CharField()

    def get_url(self, post) -> str:
        return reverse("feed:post_detail", args=[post.pk])

    def get_tags(self, post) -> list[str]:
        return [tag.key for tag in post.tags.all()]


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    post = serializers.IntegerField(source="post_id")
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    author = FeedPersonSerializer()
    body = serializers.CharField()
    body_html = serializers.CharField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    reaction_counts = serializers.DictField(child=serializers.IntegerField())
    my_reaction = serializers.CharField(allow_null=True, default=None)
    moderation_state = serializers.CharField()


class PostVersionSerializer(serializers.Serializer):
    title = serializers.CharField(required=False)
    body_html = serializers.CharField()
    created_at = serializers.DateTimeField()
    current = serializers.BooleanField()


class FeedTagSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()
    post_count = serializers.IntegerField(required=False)

    def get_url(self, tag) -> str:
        return reverse("feed:tag", args=[tag.key])


# Input ---------------------------------------------------------------------------------------
class PostCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Post.Kind.choices, default=Post.Kind.POST)
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    title = serializers.CharField(required=False, allow_blank=True, default="")
    group = serializers.SlugField(
        required=False, allow_null=True, default=None, help_text="Group slug; empty for the company."
    )
    praise_badge = serializers.ChoiceField(choices=PraiseBadge.choices, required=False, default="")
    praised = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=50
    )
    is_announcement = serializers.BooleanField(required=False, default=False)
    pinned_until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    must_read = serializers.BooleanField(required=False, default=False)
    idempotency_key = serializers.UUIDField(required=False, allow_null=True, default=None)
    images = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    cover = serializers.FileField(required=False, allow_null=True, default=None)
    confirm_warnings = serializers.BooleanField(
        required=False, default=False, help_text='"Post anyway" after a 400 with code confirmation_required.'
    )


class PostEditSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    title = serializers.CharField(required=False, allow_blank=True)
    confirm_warnings = serializers.BooleanField(required=False, default=False)


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    parent = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    confirm_warnings = serializers.BooleanField(required=False, default=False)


class CommentEditSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    confirm_warnings = serializers.BooleanField(required=False, default=False)


class ReactionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)


# Helpers -------------------------------------------------------------------------------------
def call_service(func, **kwargs):
    """Run a service; turn its errors into API answers (400 with field errors or with the
    screening body {"detail", "code", "screening"}, 403, 429)."""
    try:
        return func(**kwargs)
    except ScreeningError as exc:
        raise ScreeningRefused(exc) from None
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        ) from None
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc) or None) from None
    except RateLimitExceeded as exc:
        raise Throttled(wait=exc.retry_after, detail=str(exc.message)) from None


def _post_for_output(request: Request, post_id: int) -> Post:
    post = selectors.post_for_detail(request.user, post_id)
    return post


API_POST_TIMEOUT = 60 * 60
VIEWER_FIELDS = ("acknowledged", "my_reaction")


def _post_data(posts: list[Post]) -> list[dict]:
    """The posts as PostSerializer writes them. What is the same for every caller is cached
    per post state and time zone (feed.cards.post_state_key: every column of the post, its
    author's name, its group; images, praised people and tags change only with the revision);
    the caller's acknowledgement and reaction are set on each request. One cache round trip,
    and three queries for the posts not in the cache."""
    from django.core.cache import cache
    from django.db.models import prefetch_related_objects
    from django.utils import timezone

    from feed.cards import post_state_key

    zone = timezone.get_current_timezone_name()
    keys = [f"feed:api-post:{post_state_key(post)}:{zone}" for post in posts]
    found = cache.get_many(keys)
    missing = [(key, post) for key, post in zip(keys, posts, strict=True) if key not in found]
    if missing:
        prefetch_related_objects([post for _key, post in missing], *selectors.CONTENT_PREFETCHES, "tags")
        fresh = {key: dict(PostSerializer(post).data) for key, post in missing}
        cache.set_many(fresh, API_POST_TIMEOUT)
        found.update(fresh)
    output = []
    for key, post in zip(keys, posts, strict=True):
        data = dict(found[key])
        data["acknowledged"] = bool(getattr(post, "acknowledged", False))
        mine = getattr(post, "my_reaction", None)
        data["my_reaction"] = None if mine is None else str(mine)
        output.append(data)
    return output


# Posts ---------------------------------------------------------------------------------------
FEED_PARAMETERS = [
    OpenApiParameter(
        "feed", str, enum=list(selectors.FeedSpec.KINDS), description="Which feed (default home)."
    ),
    OpenApiParameter("group", str, description="Group slug, for feed=group."),
    OpenApiParameter("tag", str, description="Tag key, for feed=tag."),
    OpenApiParameter("author", int, description="Person id, for feed=person."),
    OpenApiParameter("cursor", str, description="The `next` cursor of the previous page."),
    OpenApiParameter("page_size", int, description="5 to 50 (default 20)."),
]


class PostListCreateApi(APIView):
    """GET: a feed, newest first, cursor-paginated (pinned announcements first on page one of
    home and company). POST: create a post, article or praise (JSON, or multipart with images)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(parameters=FEED_PARAMETERS, responses=PostSerializer(many=True))
    def get(self, request: Request) -> Response:
        kind = request.query_params.get("feed", selectors.FeedSpec.HOME)
        key = {
            selectors.FeedSpec.GROUP: request.query_params.get("group"),
            selectors.FeedSpec.TAG: request.query_params.get("tag"),
            selectors.FeedSpec.PERSON: request.query_params.get("author"),
        }.get(kind)
        if kind not in selectors.FeedSpec.KINDS:
            raise ValidationError({"feed": [f"Choose one of: {', '.join(selectors.FeedSpec.KINDS)}."]})
        spec = selectors.resolve_feed_spec(request.user, kind, key)
        page_size = selectors.clamp_page_size(request.query_params.get("page_size"))
        try:
            page = selectors.feed_page(
                request.user,
                spec,
                cursor=request.query_params.get("cursor"),
                page_size=page_size,
                preview_comments=False,
            )
        except BadCursor:
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None
        posts_mark_seen(user=request.user, posts=page.pinned + page.posts)
        next_url = None
        if page.next_cursor:
            query = request.query_params.copy()
            query["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response(
            {
                "next": next_url,
                "pinned": _post_data(page.pinned),
                "results": _post_data(page.posts),
            }
        )

    @extend_schema(request=PostCreateSerializer, responses={201: PostSerializer})
    def post(self, request: Request) -> Response:
        data = request.data
        if hasattr(request.data, "getlist"):  # multipart or form: lists come as repeated keys
            data = {key: request.data.get(key) for key in request.data}
            data["images"] = request.FILES.getlist("images")
            data["praised"] = request.data.getlist("praised")
        serializer = PostCreateSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        group = None
        if values.pop("group"):
            group = (
                filter_visible_groups(request.user).filter(slug=serializer.validated_data["group"]).first()
            )
            if group is None:
                raise ValidationError({"group": ["No such group."]})
        praised_ids = values.pop("praised")
        praised = list(User.objects.filter(pk__in=praised_ids, is_active=True))
        if len(praised) != len(set(praised_ids)):
            raise ValidationError({"praised": ["Some of these people do not exist."]})
        values["confirmed"] = values.pop("confirm_warnings")
        key = values.get("idempotency_key")
        replay = key is not None and Post.objects.filter(author=request.user, idempotency_key=key).exists()
        post = call_service(services.post_create, author=request.user, group=group, praised=praised, **values)
        output = _post_data([_post_for_output(request, post.pk)])[0]
        return Response(output, status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED)


class PostDetailApi(APIView):
    """GET one post; PATCH its text (author); DELETE it (author or moderator)."""

    @extend_schema(responses=PostSerializer)
    def get(self, request: Request, pk: int) -> Response:
        post = _post_for_output(request, pk)
        posts_mark_seen(user=request.user, posts=[post])
        return Response(_post_data([post])[0])

    @extend_schema(request=PostEditSerializer, responses=PostSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        post = check_view_post_permission(request.user, pk)
        serializer = PostEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call_service(
            services.post_edit,
            post=post,
            editor=request.user,
            body=serializer.validated_data["body"],
            title=serializer.validated_data.get("title"),
            confirmed=serializer.validated_data["confirm_warnings"],
        )
        return Response(_post_data([_post_for_output(request, pk)])[0])

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        post = check_view_post_permission(request.user, pk)
        call_service(services.post_delete, post=post, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostHistoryApi(APIView):
    """Every version of a post, newest first."""

    @extend_schema(responses=PostVersionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        post = check_view_post_permission(request.user, pk)
        return Response(PostVersionSerializer(selectors.post_history(post), many=True).data)


# Comments ------------------------------------------------------------------------------------
def _comment_data(request: Request, comment_id: int) -> dict:
    return CommentSerializer(selectors.comment_for_display(request.user, comment_id)).data


class CommentListCreateApi(APIView):
    """GET a post's comments (top-level and replies, oldest first, replies after their
    comment); POST a comment or, with `parent`, a reply."""

    @extend_schema(responses=CommentSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        post = check_view_post_permission(request.user, pk)
        flat = []
        for comment in selectors.comments_for_post(request.user, post):
            flat.append(comment)
            flat.extend(comment.visible_replies)
        return Response(CommentSerializer(flat, many=True).data)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        post = check_view_post_permission(request.user, pk, Post.objects.select_related("group", "author"))
        if not can_comment_on_post(request.user, post):
            raise PermissionDenied("You cannot comment on this post.")
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent = None
        if serializer.validated_data["parent"]:
            parent = Comment.objects.filter(
                pk=serializer.validated_data["parent"], post=post, deleted_at__isnull=True
            ).first()
            if parent is None:
                raise ValidationError({"parent": ["No such comment on this post."]})
        comment = call_service(
            services.comment_create,
            post=post,
            author=request.user,
            body=serializer.validated_data["body"],
            parent=parent,
            confirmed=serializer.validated_data["confirm_warnings"],
        )
        return Response(_comment_data(request, comment.pk), status=status.HTTP_201_CREATED)


class CommentDetailApi(APIView):
    @extend_schema(responses=CommentSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_comment_data(request, pk))

    @extend_schema(request=CommentEditSerializer, responses=CommentSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        comment = check_view_comment_permission(request.user, pk)
        if not can_edit_comment(request.user, comment):
            raise PermissionDenied("You cannot edit this comment.")
        serializer = CommentEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call_service(
            services.comment_edit,
            comment=comment,
            editor=request.user,
            body=serializer.validated_data["body"],
            confirmed=serializer.validated_data["confirm_warnings"],
        )
        return Response(_comment_data(request, pk))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        comment = check_view_comment_permission(request.user, pk)
        if not can_delete_comment(request.user, comment):
            raise PermissionDenied("You cannot delete this comment.")
        call_service(services.comment_delete, comment=comment, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Reactions -----------------------------------------------------------------------------------
class FeedReactionGroupSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    users = FeedPersonSerializer(many=True)


class FeedReactionsSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    my_reaction = serializers.CharField(allow_null=True)
    reactions = FeedReactionGroupSerializer(many=True)


class AcknowledgementReportSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    acknowledged_count = serializers.IntegerField()
    pending_count = serializers.IntegerField()
    acknowledged = FeedPersonSerializer(many=True)
    pending = FeedPersonSerializer(many=True)


class AcknowledgementSerializer(serializers.Serializer):
    post = serializers.IntegerField()
    acknowledged_at = serializers.DateTimeField()


class FeedTagDetailSerializer(FeedTagSerializer):
    following = serializers.BooleanField()


class FeedTagListSerializer(serializers.Serializer):
    popular = FeedTagSerializer(many=True)
    following = FeedTagSerializer(many=True)


class _ReactionsApi(APIView):
    """GET who reacted how; PUT {"kind"} sets the caller's one reaction; DELETE removes it."""

    def target(self, request: Request, pk: int) -> dict:
        raise NotImplementedError

    def _answer(self, request: Request, target: dict) -> Response:
        item = target.get("post") or target.get("comment")
        item.refresh_from_db(fields=["reaction_counts"])
        return Response(
            {
                "counts": item.reaction_counts,
                "my_reaction": selectors.my_reaction(user=request.user, **target),
                "reactions": FeedReactionGroupSerializer(
                    selectors.reactions_by_kind(**target), many=True
                ).data,
            }
        )

    @extend_schema(responses=FeedReactionsSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return self._answer(request, self.target(request, pk))

    @extend_schema(request=ReactionInputSerializer, responses=FeedReactionsSerializer)
    def put(self, request: Request, pk: int) -> Response:
        target = self.target(request, pk)
        serializer = ReactionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call_service(
            services.reaction_set, user=request.user, kind=serializer.validated_data["kind"], **target
        )
        return self._answer(request, target)

    @extend_schema(responses=FeedReactionsSerializer)
    def delete(self, request: Request, pk: int) -> Response:
        target = self.target(request, pk)
        call_service(services.reaction_remove, user=request.user, **target)
        return self._answer(request, target)


class PostReactionsApi(_ReactionsApi):
    def target(self, request: Request, pk: int) -> dict:
        return {"post": check_view_post_permission(request.user, pk)}


class CommentReactionsApi(_ReactionsApi):
    def target(self, request: Request, pk: int) -> dict:
        return {"comment": check_view_comment_permission(request.user, pk)}


# Announcements -------------------------------------------------------------------------------
class AcknowledgementsApi(APIView):
    """GET: the author's report (counts and names); POST: "I have read this"."""

    @extend_schema(responses=AcknowledgementReportSerializer)
    def get(self, request: Request, pk: int) -> Response:
        post = check_view_post_permission(request.user, pk)
        if not can_view_acknowledgements(request.user, post):
            raise PermissionDenied("Only the author sees who has read it.")
        report = selectors.acknowledgement_report(post)
        return Response(
            {
                "total": report["total"],
                "acknowledged_count": report["acknowledged_count"],
                "pending_count": report["pending_count"],
                "acknowledged": FeedPersonSerializer(report["acknowledged"], many=True).data,
                "pending": FeedPersonSerializer(report["pending"], many=True).data,
            }
        )

    @extend_schema(request=None, responses=AcknowledgementSerializer)
    def post(self, request: Request, pk: int) -> Response:
        post = check_view_post_permission(request.user, pk)
        if not can_acknowledge(request.user, post):
            raise PermissionDenied("There is nothing to acknowledge here.")
        acknowledgement = call_service(services.acknowledgement_create, post=post, user=request.user)
        return Response({"post": post.pk, "acknowledged_at": acknowledgement.created_at})


# Tags ----------------------------------------------------------------------------------------
class TagListApi(APIView):
    """The most used tags on posts the caller may see, and the tags the caller follows."""

    @extend_schema(operation_id="tags_list", responses=FeedTagListSerializer)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "popular": FeedTagSerializer(selectors.popular_tags(request.user), many=True).data,
                "following": FeedTagSerializer(selectors.followed_tags(request.user), many=True).data,
            }
        )


class TagDetailApi(APIView):
    """GET a tag (with whether the caller follows it); PUT follows it, DELETE unfollows."""

    def _tag(self, request: Request, key: str):
        tag = selectors.tag_by_key(request.user, key)
        if tag is None:
            raise Http404
        return tag

    def _answer(self, request: Request, tag) -> Response:
        data = dict(FeedTagSerializer(tag).data)
        data["following"] = selectors.is_following_tag(request.user, tag)
        return Response(data)

    @extend_schema(responses=FeedTagDetailSerializer)
    def get(self, request: Request, key: str) -> Response:
        return self._answer(request, self._tag(request, key))

    @extend_schema(request=None, responses=FeedTagDetailSerializer)
    def put(self, request: Request, key: str) -> Response:
        tag = self._tag(request, key)
        services.tag_follow(user=request.user, tag=tag)
        return self._answer(request, tag)

    @extend_schema(responses=FeedTagDetailSerializer)
    def delete(self, request: Request, key: str) -> Response:
        tag = self._tag(request, key)
        services.tag_unfollow(user=request.user, tag=tag)
        return self._answer(request, tag)
