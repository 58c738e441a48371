"""Every read the people pages, the API and other apps need. Each starts from the gate in
profiles/permissions.py and owns its select_related / prefetch_related."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Lower, LPad

from moderation.selectors import hidden_from_viewer
from profiles.models import Department, Endorsement, Follow, Skill, User
from profiles.permissions import filter_visible_people

MAX_CHAIN_DEPTH = 64
MAX_SEARCH_TERMS = 6


# --- Org chart ------------------------------------------------------------------------------
def manager_chain_ids(start_id: int | None) -> list[int]:
    """`start_id` and every manager above it, nearest first, in two queries whatever the depth.

    A recursive query collects the ids (UNION stops on a loop that slipped into the data);
    the order is rebuilt by walking `manager_id` in memory.
    """
    if start_id is None:
        return []
    table = connection.ops.quote_name(User._meta.db_table)
    sql = (
        f"WITH RECURSIVE chain(id) AS ("  # noqa: S608 (the table name is ours, values are bound)
        f"  SELECT CAST(%s AS BIGINT)"
        f"  UNION"
        f"  SELECT u.manager_id FROM {table} u JOIN chain c ON u.id = c.id WHERE u.manager_id IS NOT NULL"
        f") SELECT id FROM chain LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start_id, MAX_CHAIN_DEPTH * 4])
        ids = [row[0] for row in cursor.fetchall()]
    managers = dict(User.objects.filter(pk__in=ids).values_list("pk", "manager_id"))
    ordered, current = [], start_id
    while current is not None and current in managers and current not in ordered:
        ordered.append(current)
        if len(ordered) >= MAX_CHAIN_DEPTH:
            break
        current = managers[current]
    return ordered


def manager_chain(person: User) -> list[User]:
    """The person's managers from the top of the company down to their direct manager."""
    ids = manager_chain_ids(person.manager_id)
    by_id = {u.pk: u for u in User.objects.filter(pk__in=ids).select_related("department")}
    return [by_id[pk] for pk in reversed(ids) if pk in by_id]


def direct_reports(viewer: User, person: User) -> QuerySet[User]:
    """The person's current direct reports, each with how many reports they have in turn."""
    active_reports = Count("reports", filter=Q(reports__is_active=True))
    return (
        filter_visible_people(viewer, person.reports.all())
        .select_related("department")
        .annotate(report_count=active_reports)
        .order_by("display_name", "id")
    )


def top_of_company(viewer: User) -> QuerySet[User]:
    """Active people with no manager, the one heading most people first (the chief executive;
    people not yet placed in the chart also have no manager)."""
    return (
        filter_visible_people(viewer)
        .filter(manager__isnull=True)
        .select_related("department")
        .annotate(report_count=Count("reports", filter=Q(reports__is_active=True)))
        .order_by("-report_count", "display_name", "id")
    )


# --- Directory and search -------------------------------------------------------------------
@dataclass(frozen=True)
class DirectoryFilters:
    query: str = ""
    department_id: int | None = None
    location: str = ""
    skill_slug: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.query or self.department_id or self.location or self.skill_slug)


def _has_topic(relation: str, **lookup) -> Exists:
    """Whether the outer person has a skill (relation "people") or topic ("advisors") matching."""
    return Exists(Skill.objects.filter(**{relation: OuterRef("pk")}, **lookup))


def _rank(query: str) -> Case | Value:
    """How well a person matches the whole query: exact name or skill first, then prefixes."""
    if not query:
        return Value(0, output_field=IntegerField())
    weights = [
        (Q(display_name__iexact=query), 100),
        (_has_topic("people", name__iexact=query), 90),
        (_has_topic("advisors", name__iexact=query), 80),
        (Q(display_name__istartswith=query), 70),
        (Q(title__iexact=query), 60),
        (_has_topic("people", name__istartswith=query), 50),
        (Q(display_name__icontains=query), 45),
        (Q(title__icontains=query), 40),
        (_has_topic("people", name__icontains=query), 30),
        (_has_topic("advisors", name__icontains=query), 25),
        (Q(department__name__iexact=query), 20),
        (Q(department__name__icontains=query), 15),
        (Q(location__icontains=query), 10),
    ]
    return Case(*(When(condition, then=Value(w)) for condition, w in weights), default=Value(0))


def _term_matches(term: str) -> Q:
    return (
        Q(display_name__icontains=term)
        | Q(email__istartswith=term)
        | Q(title__icontains=term)
        | Q(department__name__icontains=term)
        | Q(location__icontains=term)
        | Q(_has_topic("people", name__icontains=term))
        | Q(_has_topic("advisors", name__icontains=term))
    )


def people_search(viewer: User, filters: DirectoryFilters) -> QuerySet[User]:
    """Active people matching every word of the query (name, e-mail, title, department, location,
    skill, "ask me about") and the filters, best match first.

    Annotates `rank` and a unique text `sort_key` (rank, then name, then id) so that both page
    numbers (HTML) and cursors (API) walk the same stable order.
    """
    qs = filter_visible_people(viewer)
    for term in filters.query.split()[:MAX_SEARCH_TERMS]:
        qs = qs.filter(_term_matches(term))
    if filters.department_id:
        qs = qs.filter(department_id=filters.department_id)
    if filters.location:
        qs = qs.filter(location__iexact=filters.location)
    if filters.skill_slug:
        qs = qs.filter(
            _has_topic("people", slug=filters.skill_slug) | _has_topic("advisors", slug=filters.skill_slug)
        )
    qs = qs.annotate(rank=_rank(" ".join(filters.query.split())))
    # Pronouns are left out of the cards and the API list while moderation holds or hides the
    # person's profile text (no extra query).
    qs = qs.annotate(profile_text_hidden=hidden_from_viewer(viewer, User))
    qs = qs.annotate(
        sort_key=Concat(
            LPad(Cast(Value(999) - F("rank"), CharField()), 3, Value("0")),
            Lower("display_name"),
            Value(" "),
            LPad(Cast("id", CharField()), 12, Value("0")),
            output_field=CharField(),
        )
    )
    return qs.select_related("department").prefetch_related(_skills_prefetch()).order_by("sort_key")


def _skills_prefetch() -> Prefetch:
    return Prefetch("skills", queryset=Skill.objects.order_by(Lower("name")))


def directory_filter_options(viewer: User) -> dict:
    """Departments, locations and skills that at least one visible person has (three queries)."""
    people = filter_visible_people(viewer)
    departments = Department.objects.filter(Exists(people.filter(department=OuterRef("pk")))).order_by("name")
    locations = people.exclude(location="").values_list("location", flat=True).distinct().order_by("location")
    skills = (
        Skill.objects.annotate(n=Count("people", filter=Q(people__is_active=True)))
        .filter(n__gt=0)
        .order_by(Lower("name"))
    )
    return {"departments": list(departments), "locations": list(locations), "skills": list(skills)}


# --- Profiles -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SkillOnProfile:
    skill: Skill
    endorsements: int
    endorsed_by_viewer: bool


def profile_skills(viewer: User, person: User) -> list[SkillOnProfile]:
    """The person's skills, most endorsed first, with whether the viewer endorsed each (1 query)."""
    endorsements = Endorsement.objects.filter(
        person_id=person.pk, skill_id=OuterRef("pk"), endorser__is_active=True
    )
    skills = person.skills.annotate(
        endorsement_count=Coalesce(
            Subquery(
                endorsements.values("skill_id").annotate(n=Count("id")).values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        ),
        endorsed_by_viewer=Exists(endorsements.filter(endorser_id=viewer.pk)),
    ).order_by("-endorsement_count", Lower("name"))
    return [SkillOnProfile(s, s.endorsement_count, s.endorsed_by_viewer) for s in skills]


def profile_topics(person: User) -> list[Skill]:
    return list(person.ask_me_about.order_by(Lower("name")))


def follow_counts(person: User) -> dict[str, int]:
    """Active followers and active people followed (one query)."""
    counts = User.objects.filter(pk=person.pk).aggregate(
        followers=Count("follower_links", filter=Q(follower_links__follower__is_active=True), distinct=True),
        following=Count(
            "following_links", filter=Q(following_links__followed__is_active=True), distinct=True
        ),
    )
    return {"followers": counts["followers"], "following": counts["following"]}


def is_following(viewer: User, person: User) -> bool:
    return Follow.objects.filter(follower_id=viewer.pk, followed_id=person.pk).exists()


# --- Follows (also read by the feed and notifications) ---------------------------------------
def follower_ids(user_id: int) -> QuerySet:
    """Subquery of the ids of active people following `user_id` (no query of its own)."""
    return Follow.objects.filter(followed_id=user_id, follower__is_active=True).values("follower_id")


def followed_ids(user_id: int) -> QuerySet:
    """Subquery of the ids of people `user_id` follows (for "posts from people I follow")."""
    return Follow.objects.filter(follower_id=user_id).values("followed_id")


def followers_of(viewer: User, person: User) -> QuerySet[User]:
    """Active people following `person`, most recent first."""
    return (
        filter_visible_people(viewer)
        .filter(following_links__followed_id=person.pk)
        .select_related("department")
        .order_by("-following_links__created_at", "-id")
    )


def following_of(viewer: User, person: User) -> QuerySet[User]:
    """Active people `person` follows, most recent first."""
    return (
        filter_visible_people(viewer)
        .filter(follower_links__follower_id=person.pk)
        .select_related("department")
        .order_by("-follower_links__created_at", "-id")
    )


# --- Skills ---------------------------------------------------------------------------------
def skill_by_slug(slug: str) -> Skill | None:
    return Skill.objects.filter(slug=slug).first()


def people_with_skill(viewer: User, skill: Skill) -> QuerySet[User]:
    """Who knows about `skill`: most endorsed by active colleagues first, then by name."""
    endorsed = Count(
        "endorsements_received",
        filter=Q(endorsements_received__skill=skill, endorsements_received__endorser__is_active=True),
        distinct=True,
    )
    return (
        filter_visible_people(viewer)
        .filter(_has_topic("people", pk=skill.pk))
        .select_related("department")
        .annotate(endorsement_count=endorsed)
        .order_by("-endorsement_count", "display_name", "id")
    )


def advisors_on(viewer: User, skill: Skill) -> QuerySet[User]:
    """People who list `skill` under "ask me about"."""
    return (
        filter_visible_people(viewer)
        .filter(_has_topic("advisors", pk=skill.pk))
        .select_related("department")
        .order_by("display_name", "id")
    )


def skill_suggestions(prefix: str, *, exclude: set[str] = frozenset(), limit: int = 8) -> list[Skill]:
    """Existing skills and topics whose name (then one of its words) starts with `prefix`,
    most used first."""
    prefix = " ".join(prefix.split())
    if not prefix:
        return []
    usage = Count("people", distinct=True) + Count("advisors", distinct=True)
    qs = (
        Skill.objects.filter(Q(name__istartswith=prefix) | Q(name__icontains=f" {prefix}"))
        .annotate(
            usage=usage,
            starts=Case(When(name__istartswith=prefix, then=Value(1)), default=Value(0)),
        )
        .order_by("-starts", "-usage", Lower("name"))
    )
    return [s for s in qs[: limit + len(exclude)] if s.name.casefold() not in exclude][:limit]


# The person's own words that moderation may hold or hide (moderation.core_reportables).
HIDEABLE_PROFILE_TEXT = ("bio", "bio_html", "pronouns")


def without_hidden_text(viewer: User, person: User) -> User:
    """`person` for display to `viewer`: if moderation holds or hides their profile text and the
    viewer may not read it, the text fields are blanked on this in-memory copy (never saved) and
    `profile_text_hidden` is set; `profile_text_state` is "visible", "held" or "hidden" (to badge
    held text for the person and moderators). One query (moderation's state), two when it is not visible."""
    from moderation.selectors import moderation_state_of
    from profiles.permissions import can_view_profile_text

    person.profile_text_state = moderation_state_of(person)
    person.profile_text_hidden = person.profile_text_state != "visible" and not can_view_profile_text(
        viewer, person
    )
    if person.profile_text_hidden:
        for name in HIDEABLE_PROFILE_TEXT:
            setattr(person, name, "")
    return person
