"""The hidden-content leak matrix for the feed: held and hidden posts, comments and questions
are absent from every door for another member of the group, and present for their author and
for a moderator who is also a member (the author with a badge and a link to the decision).

A held item is held by a real hold rule when it is written; a hidden one was published, reported
and hidden by a moderator through moderation's services. Each door is one entry in `DOORS`:
`fetch(world, viewer) -> (status, text)`; the matrix looks for each item's unique token.
Doors that take an id also answer a refused viewer exactly like a missing id (socket doors:
tests/moderation/test_feed_consumers.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from feed.parsing import mention_handle
from feed.questions.services import question_create
from feed.services import comment_create, post_create
from groups.models import Membership
from moderation import services as moderation
from moderation.models import ModerationItem, ModerationState
from notifications.models import NotificationPreference
from tests.factories import UserFactory
from tests.feed.conftest import make_group, without_csrf
from tests.moderation.conftest import make_moderator, make_rule

pytestmark = pytest.mark.django_db

STATES = ("held", "hidden")
KINDS = ("post", "comment", "question")
VIEWERS = ("author", "member", "moderator")
MISSING = 987654
HOLD_WORD = "holdmeplease"


@dataclass
class World:
    author: object
    member: object
    moderator: object
    group: object
    items: dict[tuple[str, str], object] = field(default_factory=dict)  # (kind, state) -> row
    _clients: dict = field(default_factory=dict)

    def viewer(self, name: str):
        return getattr(self, name)

    def web(self, viewer) -> Client:
        if ("web", viewer.pk) not in self._clients:
            client = Client()
            client.force_login(viewer)
            self._clients[("web", viewer.pk)] = client
        return self._clients[("web", viewer.pk)]

    def api(self, viewer) -> APIClient:
        if ("api", viewer.pk) not in self._clients:
            client = APIClient()
            client.force_authenticate(viewer)
            self._clients[("api", viewer.pk)] = client
        return self._clients[("api", viewer.pk)]


def token(kind: str, state: str) -> str:
    return f"leaky{state}{kind}token"


def _hide(world: World, row) -> None:
    moderation.report_create(reporter=world.member, target=row, section="be-respectful")
    item = ModerationItem.objects.get(object_id=row.pk, content_type__model=row._meta.model_name)
    moderation.item_hide(item=item, moderator=world.moderator, reason="Not OK.", section="be-respectful")


def build_world() -> World:
    author = UserFactory(display_name="Hanna Hiddenauthor")
    member = UserFactory(display_name="Mick Member")
    moderator = make_moderator(display_name="Mo Moderatormember")
    group = make_group("private", author, slug="hidden-leak-group")
    for person in (member, moderator):
        Membership.objects.create(group=group, user=person, role=Membership.Role.MEMBER)
    for person in (member, moderator):  # mentions reach them in the digest too
        NotificationPreference.objects.create(user=person, kind="mention", delivery="digest")
        NotificationPreference.objects.create(user=person, kind="reply", delivery="digest")
    world = World(author=author, member=member, moderator=moderator, group=group)
    make_rule(name="Hold", terms=HOLD_WORD, action="hold", scopes=["posts", "comments", "answers"])
    mentions = f"@{mention_handle(member.email)} @{mention_handle(moderator.email)}"
    parent = post_create(author=member, group=group, body="A visible post to comment on #hiddenleaktag")
    for state in STATES:
        hold = HOLD_WORD if state == "held" else ""
        world.items[("post", state)] = post_create(
            author=author, group=group, body=f"{token('post', state)} #hiddenleaktag {mentions} {hold}"
        )
        world.items[("comment", state)] = comment_create(
            post=parent, author=author, body=f"{token('comment', state)} {mentions} {hold}"
        )
        world.items[("question", state)] = question_create(
            author=author,
            group=group,
            title=f"Question {token('question', state)} about plans?",
            body=f"Details {mentions} {hold}",
            tags="hiddenleaktag",
        )
    world.parent = parent
    for kind in KINDS:
        row = world.items[(kind, "hidden")]
        _hide(world, row)
        row.refresh_from_db()
        assert row.moderation_state == ModerationState.HIDDEN
        assert world.items[(kind, "held")].moderation_state == ModerationState.HELD
    return world


@pytest.fixture
def world(guidelines, set_site_policy):
    set_site_policy(rate_limit_posts="", rate_limit_comments="")
    return build_world()


# Doors -------------------------------------------------------------------------------------
def _get(client, path, **headers) -> tuple[int, str]:
    response = client.get(path, **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, without_csrf(body).decode(errors="replace")


def _page(path: str, **headers) -> Callable:
    def fetch(world, viewer, row=None):
        return _get(world.web(viewer), path.format(w=world, row=row), **headers)

    return fetch


def _api(path: str) -> Callable:
    def fetch(world, viewer, row=None):
        return _get(world.api(viewer), path.format(w=world, row=row))

    return fetch


def _notifications(world, viewer, row=None):
    return _get(world.web(viewer), "/notifications/")


def _digest(world, viewer, row=None):
    from notifications.digests import build_digest
    from notifications.kinds import DigestPeriod

    digest = build_digest(
        viewer, period=DigestPeriod.WEEKLY, now=timezone.now() + datetime.timedelta(seconds=1)
    )
    text = " ".join(f"{item.text} {item.notification.excerpt}" for item in digest.notifications)
    text += " ".join(i.text for section in digest.sections for i in section.items)
    return 200, text


@dataclass(frozen=True)
class Door:
    name: str
    fetch: Callable
    kinds: tuple[str, ...] = KINDS
    by_id: str = ""  # a path with {id}: a refused viewer gets what a missing id gets
    states: tuple[str, ...] = STATES


DOORS = [
    Door("home feed page", _page("/feed/"), ("post", "comment", "question")),
    Door("company feed page", _page("/feed/company/"), ("post", "comment", "question")),
    Door("group feed page", _page("/feed/groups/{w.group.slug}/"), ("post", "comment", "question")),
    Door("group feed slot (htmx)", _page("/feed/groups/{w.group.slug}/?embed=1", HTTP_HX_REQUEST="true")),
    Door("tag feed page", _page("/feed/tags/hiddenleaktag/"), ("post", "question")),
    Door("person feed page", _page("/feed/people/{w.author.pk}/"), ("post", "question")),
    Door("profile page", _page("/people/{w.author.pk}/"), ("post",)),
    Door("post page", _page("/feed/posts/{row.pk}/"), ("post",), by_id="/feed/posts/{id}/"),
    Door(
        "post history page",
        _page("/feed/posts/{row.pk}/history/"),
        ("post",),
        by_id="/feed/posts/{id}/history/",
    ),
    Door("parent post page (comments)", _page("/feed/posts/{w.parent.pk}/"), ("comment",)),
    Door(
        "comment partial (htmx)",
        _page("/feed/comments/{row.pk}/", HTTP_HX_REQUEST="true"),
        ("comment",),
        by_id="/feed/comments/{id}/",
    ),
    Door("API feed list", _api("/api/v1/posts/?feed=company&page_size=50"), ("post", "question")),
    Door(
        "API post detail", _api("/api/v1/posts/{row.pk}/"), ("post", "question"), by_id="/api/v1/posts/{id}/"
    ),
    Door("API comments of the post", _api("/api/v1/posts/{w.parent.pk}/comments/"), ("comment",)),
    Door(
        "API comment detail", _api("/api/v1/comments/{row.pk}/"), ("comment",), by_id="/api/v1/comments/{id}/"
    ),
    Door("questions list page", _page("/questions/"), ("question",)),
    Door("questions search (similar)", _page("/questions/similar/?q=Question+about+plans"), ("question",)),
    Door("question page", _page("/questions/{row.pk}/"), ("question",), by_id="/questions/{id}/"),
    Door("API questions list", _api("/api/v1/questions/"), ("question",)),
    Door(
        "API question detail",
        _api("/api/v1/questions/{row.pk}/"),
        ("question",),
        by_id="/api/v1/questions/{id}/",
    ),
    # Mentions of held content are never sent; hidden content's earlier ones vanish for others.
    Door("notifications page", _notifications, ("post", "comment"), states=("hidden",)),
    Door("e-mail digest", _digest, ("post", "comment"), states=("hidden",)),
]


def _expected(viewer: str, door: Door) -> bool:
    if door.fetch in (_notifications, _digest):
        return viewer == "moderator"  # the author is never notified of their own mention
    return viewer in ("author", "moderator")


@pytest.mark.parametrize("door", DOORS, ids=[d.name for d in DOORS])
def test_hidden_and_held_feed_content_only_for_author_and_moderators(world, door):
    for state in door.states:
        for kind in door.kinds:
            row = world.items[(kind, state)]
            for viewer_name in VIEWERS:
                viewer = world.viewer(viewer_name)
                status, text = door.fetch(world, viewer, row)
                seen = status == 200 and token(kind, state) in text
                expected = _expected(viewer_name, door)
                assert seen is expected, f"{door.name}: {kind} {state} for {viewer_name} (status {status})"
                if door.by_id and not expected:
                    missing = _get(
                        world.api(viewer) if door.by_id.startswith("/api/") else world.web(viewer),
                        door.by_id.format(id=MISSING),
                        **({"HTTP_HX_REQUEST": "true"} if "comments" in door.by_id else {}),
                    )
                    assert (status, text) == missing, f"{door.name}: {viewer_name} can tell it exists"


def test_author_sees_a_badge_and_the_decision_link(world):
    hidden = world.items[("post", "hidden")]
    held = world.items[("post", "held")]
    status, text = _get(world.web(world.author), "/feed/groups/hidden-leak-group/")
    assert status == 200
    assert "Held for review" in text
    assert "Hidden by a moderator" in text
    decision = hidden_decision(hidden)
    assert f'href="/moderation/decisions/{decision.pk}/"' in text
    assert _get(world.web(world.author), f"/moderation/decisions/{decision.pk}/")[0] == 200
    _, page = _get(world.web(world.author), f"/feed/posts/{held.pk}/")
    assert "Held for review" in page
    _, comments = _get(world.web(world.author), f"/feed/posts/{world.parent.pk}/")
    assert "Hidden by a moderator" in comments
    assert (
        f'href="/moderation/decisions/{hidden_decision(world.items[("comment", "hidden")]).pk}/"' in comments
    )


def hidden_decision(row):
    from moderation.models import Decision

    return Decision.objects.get(item__object_id=row.pk, item__content_type__model=row._meta.model_name)


def test_restore_brings_content_back_for_everyone(world):
    from moderation.services import item_restore

    for kind in ("post", "comment"):
        row = world.items[(kind, "hidden")]
        item = ModerationItem.objects.get(object_id=row.pk, content_type__model=row._meta.model_name)
        item_restore(item=item, moderator=world.moderator, reason="On reflection, fine.")
    _, text = _get(world.web(world.member), "/feed/company/")
    assert token("post", "hidden") in text
    _, text = _get(world.web(world.member), f"/feed/posts/{world.parent.pk}/")
    assert token("comment", "hidden") in text
    world.parent.refresh_from_db()
    assert world.parent.comment_count == 1  # the restored one; the held one is not counted


def test_approving_a_held_question_asks_the_experts(world):
    from feed.models import Post
    from moderation.services import item_approve

    question = world.items[("question", "held")]
    assert question.question.routed_at is None
    item = ModerationItem.objects.get(object_id=question.pk, content_type__model="post")
    item_approve(item=item, moderator=world.moderator, reason="Fine.")
    question = Post.objects.select_related("question").get(pk=question.pk)
    assert question.moderation_state == "visible"
    assert question.question.routed_at is not None


@pytest.mark.parametrize("state", STATES)
def test_held_and_hidden_posts_take_no_new_comments_or_reactions(world, state):
    from django.core.exceptions import PermissionDenied

    from feed.models import Comment, Reaction
    from feed.questions.services import answer_create
    from feed.services import reaction_set

    post = world.items[("post", state)]
    question = world.items[("question", state)]
    for person in (world.author, world.moderator):
        with pytest.raises(PermissionDenied):
            comment_create(post=post, author=person, body="Still talking")
        with pytest.raises(PermissionDenied):
            reaction_set(user=person, kind="like", post=post)
        with pytest.raises(PermissionDenied):
            answer_create(question_post=question, author=person, body="An answer")
    web = world.web(world.author)
    page = web.get(f"/feed/posts/{post.pk}/").content.decode()
    assert {"held": "Held for review", "hidden": "Hidden by a moderator"}[state] in page
    assert f'action="/feed/posts/{post.pk}/comments/"' not in page
    assert f"comment-body-{post.pk}-" not in page
    assert web.post(f"/feed/posts/{post.pk}/comments/", {"body": "Sneaky"}).status_code in (403, 404)
    assert web.post(f"/feed/posts/{post.pk}/react/", {"kind": "like"}).status_code in (403, 404)
    api = world.api(world.author).post(f"/api/v1/posts/{post.pk}/comments/", {"body": "API"}, format="json")
    assert api.status_code in (403, 404)
    question_page = web.get(f"/questions/{question.pk}/").content.decode()
    assert 'id="answer-form"' not in question_page
    assert not Comment.objects.filter(post=post).exists()
    assert not Reaction.objects.filter(post=post).exists()
