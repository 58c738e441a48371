"""REST API for people: the same selectors, services and gate as the pages.

/api/v1/people/                      GET list (q, department, location, skill), cursor-paginated
/api/v1/people/{id}/                 GET one person
/api/v1/people/{id}/follow/          POST follow, DELETE unfollow
/api/v1/people/{id}/followers/       GET, cursor-paginated
/api/v1/people/{id}/following/       GET, cursor-paginated
/api/v1/me/                          GET, PATCH the fields a person edits themselves
/api/v1/me/avatar/                   PUT (multipart "avatar"), DELETE
/api/v1/skills/?q=                   GET suggestions for skills and topics
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation.api import ScreeningRefused
from moderation.services import ScreeningError
from profiles import selectors, services
from profiles.models import User, clean_skill_names
from profiles.permissions import (
    can_follow,
    can_view_contact_details,
    check_follow_permission,
    check_view_profile_permission,
)
from profiles.ratelimits import RateLimited, consume
from profiles.views import directory_filters_from
from socialco.pagination import CursorPagination


def _throttled(exc: RateLimited) -> Throttled:
    return Throttled(wait=exc.retry_after)


def _api_errors(exc: DjangoValidationError) -> ApiValidationError:
    if hasattr(exc, "error_dict"):
        return ApiValidationError(exc.message_dict)
    return ApiValidationError({"non_field_errors": exc.messages})


# --- Serializers ----------------------------------------------------------------------------
class DepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {
            "small": {"type": "string", "format": "uri"},
            "large": {"type": "string", "format": "uri"},
        },
    }
)
class AvatarUrlsField(serializers.Field):
    """{"small": url, "large": url} through the login-checked view, or null."""

    def __init__(self, **kwargs) -> None:
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, person: User) -> dict | None:
        if not person.avatar_small:
            return None
        request = self.context["request"]
        return {
            size: request.build_absolute_uri(
                reverse("profiles:avatar", kwargs={"person_id": person.pk, "size": size})
                + f"?v={person.avatar_version}"
            )
            for size in ("small", "large")
        }


class PersonSummarySerializer(serializers.Serializer):
    """A person as they appear in lists (directory, followers, org chart)."""

    id = serializers.IntegerField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    pronouns = serializers.SerializerMethodField(help_text="Empty while moderation holds or hides it.")
    title = serializers.CharField(read_only=True)
    department = DepartmentSerializer(read_only=True, allow_null=True)
    location = serializers.CharField(read_only=True)
    avatar = AvatarUrlsField()
    is_former_employee = serializers.BooleanField(read_only=True)
    profile_url = serializers.SerializerMethodField()

    def get_pronouns(self, person: User) -> str:
        return "" if getattr(person, "profile_text_hidden", False) else person.pronouns

    def get_profile_url(self, person: User) -> str:
        return self.context["request"].build_absolute_uri(reverse("profiles:detail", args=[person.pk]))


class PersonListSerializer(PersonSummarySerializer):
    skills = serializers.SerializerMethodField()

    def get_skills(self, person: User) -> list[str]:
        return [skill.name for skill in person.skills.all()]  # prefetched by the selector


class SkillOnProfileSerializer(serializers.Serializer):
    name = serializers.CharField(source="skill.name")
    slug = serializers.CharField(source="skill.slug")
    endorsements = serializers.IntegerField()
    endorsed_by_me = serializers.BooleanField(source="endorsed_by_viewer")


class PersonDetailSerializer(PersonSummarySerializer):
    """One person; contact details (e-mail, phone, time zone) only for current colleagues."""

    bio_html = serializers.CharField(read_only=True)
    start_date = serializers.DateField(read_only=True)
    manager = PersonSummarySerializer(read_only=True, allow_null=True)
    skills = serializers.SerializerMethodField()
    ask_me_about = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    followers_count = serializers.SerializerMethodField()
    following_count = serializers.SerializerMethodField()
    is_followed_by_me = serializers.SerializerMethodField()

    def get_skills(self, person: User) -> list[dict]:
        entries = selectors.profile_skills(self.context["request"].user, person)
        return SkillOnProfileSerializer(entries, many=True).data

    def get_ask_me_about(self, person: User) -> list[str]:
        return [topic.name for topic in selectors.profile_topics(person)]

    def get_contact(self, person: User) -> dict | None:
        if not can_view_contact_details(self.context["request"].user, person):
            return None
        return {"email": person.email, "phone": person.phone, "time_zone": person.time_zone}

    def _counts(self, person: User) -> dict:
        if "_counts" not in self.context:
            self.context["_counts"] = selectors.follow_counts(person)
        return self.context["_counts"]

    def get_followers_count(self, person: User) -> int:
        return self._counts(person)["followers"]

    def get_following_count(self, person: User) -> int:
        return self._counts(person)["following"]

    def get_is_followed_by_me(self, person: User) -> bool:
        viewer = self.context["request"].user
        return can_follow(viewer, person) and selectors.is_following(viewer, person)


class SkillListField(serializers.ListField):
    """A list of skill or topic names, normalised and de-duplicated like the form does."""

    def __init__(self, **kwargs) -> None:
        super().__init__(child=serializers.CharField(allow_blank=True, max_length=200), **kwargs)

    def to_internal_value(self, data) -> list[str]:
        names = super().to_internal_value(data)
        try:
            return clean_skill_names(names)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class MeSerializer(serializers.Serializer):
    """The signed-in person. Only the fields in WRITABLE may be changed; sending any other
    field (org fields, e-mail, is_staff...) is refused with 400 rather than silently ignored."""

    WRITABLE = ("pronouns", "phone", "time_zone", "bio", "skills", "ask_me_about", "confirm_warnings")

    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    department = DepartmentSerializer(read_only=True, allow_null=True)
    manager = PersonSummarySerializer(read_only=True, allow_null=True)
    location = serializers.CharField(read_only=True)
    start_date = serializers.DateField(read_only=True)
    is_staff = serializers.BooleanField(read_only=True)
    avatar = AvatarUrlsField()
    bio_html = serializers.CharField(read_only=True)
    pronouns = serializers.CharField(max_length=40, allow_blank=True, required=False)
    phone = serializers.CharField(max_length=40, allow_blank=True, required=False)
    time_zone = serializers.CharField(max_length=64, allow_blank=True, required=False)
    bio = serializers.CharField(max_length=2000, allow_blank=True, required=False, trim_whitespace=False)
    skills = SkillListField(required=False, write_only=True)
    ask_me_about = SkillListField(required=False, write_only=True)
    confirm_warnings = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="Save although a usage-guideline rule warns (the change is flagged for review).",
    )

    def to_representation(self, user: User) -> dict:
        data = super().to_representation(user)
        data["skills"] = [s.name for s in user.skills.order_by(Lower("name"))]
        data["ask_me_about"] = [s.name for s in user.ask_me_about.order_by(Lower("name"))]
        return data

    def validate(self, attrs: dict) -> dict:
        refused = sorted(set(self.initial_data) - set(self.WRITABLE))
        if refused:
            raise serializers.ValidationError(
                {name: [_("This field cannot be changed here.")] for name in refused}
            )
        return attrs


# --- Views ----------------------------------------------------------------------------------
class PeopleCursorPagination(CursorPagination):
    ordering = "sort_key"  # rank, then name, then id: see selectors.people_search


class FollowCursorPagination(CursorPagination):
    ordering = "-followed_at"


SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q",
        str,
        description="Words matched against name, e-mail, title, department, "
        "location, skills and “ask me about”; best match first.",
    ),
    OpenApiParameter("department", int, description="Department id."),
    OpenApiParameter("location", str, description="Exact location / office."),
    OpenApiParameter("skill", str, description="Skill or topic slug."),
]


@extend_schema(parameters=SEARCH_PARAMETERS)
class PeopleListView(ListAPIView):
    """Search the directory: active colleagues only."""

    serializer_class = PersonListSerializer
    pagination_class = PeopleCursorPagination

    def get_queryset(self):
        return selectors.people_search(self.request.user, directory_filters_from(self.request.query_params))


class PersonDetailView(APIView):
    @extend_schema(responses=PersonDetailSerializer)
    def get(self, request: Request, person_id: int) -> Response:
        person = check_view_profile_permission(request.user, person_id=person_id)
        person = selectors.without_hidden_text(request.user, person)
        return Response(PersonDetailSerializer(person, context={"request": request}).data)


class _FollowListView(ListAPIView):
    serializer_class = PersonSummarySerializer
    pagination_class = FollowCursorPagination
    which = "followers"

    def get_queryset(self):
        person = check_view_profile_permission(self.request.user, person_id=self.kwargs["person_id"])
        if self.which == "followers":
            qs = selectors.followers_of(self.request.user, person)
            return qs.annotate(followed_at=F("following_links__created_at"))
        qs = selectors.following_of(self.request.user, person)
        return qs.annotate(followed_at=F("follower_links__created_at"))


class FollowersListView(_FollowListView):
    """Active colleagues following this person, most recent first."""

    which = "followers"


class FollowingListView(_FollowListView):
    """Active colleagues this person follows, most recent first."""

    which = "following"


FOLLOW_STATE = inline_serializer("FollowState", {"following": serializers.BooleanField()})


class FollowView(APIView):
    """POST: follow this colleague (201, or 200 if already). DELETE: unfollow (204)."""

    @extend_schema(request=None, responses={200: FOLLOW_STATE, 201: FOLLOW_STATE})
    def post(self, request: Request, person_id: int) -> Response:
        person = check_follow_permission(request.user, person_id=person_id)
        try:
            consume(action="follow", user_id=request.user.pk)
        except RateLimited as exc:
            raise _throttled(exc) from None
        created = services.follow_create(follower=request.user, followed=person)
        return Response(
            {"following": True}, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, person_id: int) -> Response:
        person = check_follow_permission(request.user, person_id=person_id)
        services.follow_delete(follower=request.user, followed=person)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in person's profile. PATCH changes only pronouns, phone, time_zone, bio,
    skills and ask_me_about; any other field in the body is refused with 400. Texts are
    screened with the usage-guideline rules: a refusal is 400 {"detail", "code", "screening"};
    send "confirm_warnings": true to save despite a warning."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(self._me(request), context={"request": request}).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request: Request) -> Response:
        serializer = MeSerializer(data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        confirmed = data.pop("confirm_warnings", False)
        try:
            services.profile_update(user=request.user, confirmed=confirmed, **data)
        except DjangoValidationError as exc:
            raise _api_errors(exc) from None
        except ScreeningError as exc:
            raise ScreeningRefused(exc) from None
        return Response(MeSerializer(self._me(request), context={"request": request}).data)

    @staticmethod
    def _me(request: Request) -> User:
        return User.objects.select_related("department", "manager").get(pk=request.user.pk)


class MeAvatarView(APIView):
    """PUT a photo as multipart field "avatar" (JPEG, PNG, WebP or GIF; re-encoded, metadata
    removed); DELETE removes it. Refusals answer 400 with the reason under "avatar"."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=inline_serializer("AvatarUpload", {"avatar": serializers.FileField()}),
        responses=MeSerializer,
    )
    def put(self, request: Request) -> Response:
        upload = request.FILES.get("avatar")
        if upload is None:
            raise ApiValidationError({"avatar": [_("Send the image as multipart form field “avatar”.")]})
        try:
            consume(action="avatar", user_id=request.user.pk)
        except RateLimited as exc:
            raise _throttled(exc) from None
        try:
            services.avatar_set(user=request.user, upload=upload)
        except DjangoValidationError as exc:
            raise ApiValidationError({"avatar": exc.messages}) from None
        return Response(MeSerializer(MeView._me(request), context={"request": request}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        services.avatar_remove(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SkillSuggestionSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()


class SkillSuggestionsView(APIView):
    """Existing skills and topics for autocomplete, prefix matches and most used first."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)],
        responses=SkillSuggestionSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        suggestions = selectors.skill_suggestions(request.query_params.get("q", "")[:100], limit=20)
        return Response(SkillSuggestionSerializer(suggestions, many=True).data)
