"""THE LEAK MATRIX. Every door x four viewers x open/private/secret (see leak_matrix.py).

Later features add their doors to DOORS, one line each, e.g.
    Door("feed: group posts in the home feed", CONTENT, probe_home_feed),
"""

import re

import pytest
from django.middleware import csrf

from tests.feed import leak_probes as feed_probes
from tests.groups.leak_matrix import (
    CONTENT,
    EXISTENCE,
    MEMBERS,
    VIEWERS,
    VISIBILITIES,
    Door,
    build_world,
    expected_visible,
    inside_traces,
    may_know,
    may_see_inside,
    probe_api_by_slug,
    probe_api_detail,
    probe_api_list,
    probe_api_list_search,
    probe_api_members,
    probe_chat_room,
    probe_cover_image,
    probe_directory,
    probe_directory_search,
    probe_group_feed_slot,
    probe_group_page,
    probe_group_page_by_id,
    probe_members_page,
    probe_profile_group_list,
    probe_profile_page,
    probe_websocket_subscription,
    traces,
)

pytestmark = pytest.mark.django_db

DOORS = [
    Door("group page", EXISTENCE, probe_group_page),
    Door("group page by id", EXISTENCE, probe_group_page_by_id),
    Door("group cover image", EXISTENCE, probe_cover_image),
    Door("members list", CONTENT, probe_members_page),
    Door("group feed slot", CONTENT, probe_group_feed_slot),
    Door("directory", EXISTENCE, probe_directory),
    Door("directory search", EXISTENCE, probe_directory_search),
    Door("api list", EXISTENCE, probe_api_list),
    Door("api list by slug", EXISTENCE, probe_api_list_search),
    Door("api detail", EXISTENCE, probe_api_detail),
    Door("api detail by slug", EXISTENCE, probe_api_by_slug),
    Door("api members", CONTENT, probe_api_members),
    Door("profile group list", CONTENT, probe_profile_group_list),
    # The consumer's database_sync_to_async closes a connection that is inside a transaction,
    # so the socket door runs with real transactions (PostgreSQL would fail otherwise).
    Door(
        "websocket subscription",
        CONTENT,
        probe_websocket_subscription,
        marks=(pytest.mark.django_db(transaction=True),),
    ),
    # The feed's doors (tests/feed/leak_probes.py)
    Door("feed: group feed page", CONTENT, feed_probes.probe_feed_group_page),
    Door("feed: group page slot", CONTENT, feed_probes.probe_feed_group_slot),
    Door("feed: post page", CONTENT, feed_probes.probe_feed_post_page),
    Door("feed: post history", CONTENT, feed_probes.probe_feed_post_history),
    Door("feed: post image", CONTENT, feed_probes.probe_feed_image),
    Door("feed: comment", CONTENT, feed_probes.probe_feed_comment),
    Door("feed: company feed", CONTENT, feed_probes.probe_feed_company),
    Door("feed: tag page", CONTENT, feed_probes.probe_feed_tag_page),
    Door("feed: person feed", CONTENT, feed_probes.probe_feed_person_feed),
    Door("feed: profile posts", CONTENT, feed_probes.probe_feed_profile_slot),
    Door("feed: api post list", CONTENT, feed_probes.probe_feed_api_list),
    Door("feed: api post", CONTENT, feed_probes.probe_feed_api_detail),
    Door("feed: api comments", CONTENT, feed_probes.probe_feed_api_comments),
    Door("feed: mention notification", CONTENT, feed_probes.probe_feed_mention_notification),
    Door(
        "feed: live new post",
        CONTENT,
        feed_probes.probe_feed_live_new_post,
        marks=(pytest.mark.django_db(transaction=True),),
    ),
    Door("profile page", CONTENT, probe_profile_page),
    Door("group chat room", MEMBERS, probe_chat_room),
]


@pytest.fixture
def world():
    return build_world()


def _table(cells: dict) -> str:
    rows = [f"{'':>12} " + " ".join(f"{v:>8}" for v in VISIBILITIES)]
    for viewer_kind in VIEWERS:
        rows.append(f"{viewer_kind:>12} " + " ".join(f"{cells[(viewer_kind, v)]!s:>8}" for v in VISIBILITIES))
    return "\n".join(rows)


@pytest.mark.parametrize("door", [pytest.param(d, marks=d.marks, id=d.name) for d in DOORS])
def test_leak_matrix(world, door):
    """One door, four viewers x three visibilities, against one world; a failure prints the
    whole expected and seen tables."""
    expected, seen, leaks = {}, {}, []
    for visibility in VISIBILITIES:
        group = world.groups[visibility]
        for viewer_kind in VIEWERS:
            result = door.probe(world, world.viewers[viewer_kind], group)
            cell = (viewer_kind, visibility)
            expected[cell] = expected_visible(door.level, visibility, viewer_kind)
            seen[cell] = result.visible
            hidden = []
            if not may_know(visibility, viewer_kind):
                hidden += traces(world, group)
            if not may_see_inside(visibility, viewer_kind):
                hidden += inside_traces(world, group)
            leaks += [f"{viewer_kind}/{visibility}: {t!r}" for t in hidden if t in result.text]
    assert seen == expected, f"{door.name}\nexpected:\n{_table(expected)}\nseen:\n{_table(seen)}"
    assert not leaks, f"{door.name} betrays: {leaks}"


# Secret probes answer byte for byte like a missing group -----------------------------------
@pytest.fixture
def fixed_csrf(monkeypatch):
    """Pin the CSRF token's random mask so two pages can be compared byte for byte."""
    monkeypatch.setattr(csrf, "_get_new_csrf_string", lambda: "x" * csrf.CSRF_SECRET_LENGTH)


MISSING_SLUG = "leakprobe-missing-quokka"

PAGE_PROBES = [
    ("get", "/groups/{slug}/"),
    ("get", "/groups/id/{id}/"),
    ("get", "/groups/{slug}/members/"),
    ("get", "/groups/{slug}/requests/"),
    ("get", "/groups/{slug}/settings/"),
    ("get", "/groups/{slug}/cover/large/"),
    ("post", "/groups/{slug}/join/"),
    ("post", "/groups/{slug}/request/"),
    ("post", "/groups/{slug}/request/cancel/"),
    ("post", "/groups/{slug}/leave/"),
    ("post", "/groups/{slug}/members/invite/"),
    ("post", "/groups/{slug}/members/{member_id}/remove/"),
    ("post", "/groups/{slug}/archive/"),
    ("post", "/groups/{slug}/transfer/"),
]
API_PROBES = [
    ("get", "/api/v1/groups/{id}/"),
    ("get", "/api/v1/groups/by-slug/{slug}/"),
    ("get", "/api/v1/groups/{id}/members/"),
    ("get", "/api/v1/groups/{id}/requests/"),
    ("get", "/api/v1/groups/{id}/invitations/"),
    ("patch", "/api/v1/groups/{id}/"),
    ("post", "/api/v1/groups/{id}/join/"),
    ("post", "/api/v1/groups/{id}/request/"),
    ("post", "/api/v1/groups/{id}/leave/"),
    ("post", "/api/v1/groups/{id}/invitations/"),
    ("post", "/api/v1/groups/{id}/archive/"),
    ("delete", "/api/v1/groups/{id}/members/{member_id}/"),
]


def _paths(world, template):
    secret = world.groups["secret"]
    missing_id = secret.pk + 10_000
    as_secret = template.format(slug=secret.slug, id=secret.pk, member_id=world.marker.pk)
    as_missing = template.format(slug=MISSING_SLUG, id=missing_id, member_id=world.marker.pk)
    return as_secret, as_missing


def _compare(client, method, template, world, data, **kwargs) -> list[str]:
    secret_path, missing_path = _paths(world, template)
    secret = getattr(client, method)(secret_path, data, **kwargs)
    missing = getattr(client, method)(missing_path, data, **kwargs)
    problems = []
    if not secret.status_code == missing.status_code == 404:
        problems.append(f"{method} {template}: status {secret.status_code} vs {missing.status_code}")
    if secret.content != missing.content or secret["Content-Type"] != missing["Content-Type"]:
        problems.append(f"{method} {template}: bodies differ")
    if re.search(r"quokka|wombat", secret.content.decode(), re.IGNORECASE):
        problems.append(f"{method} {template}: names the group")
    return problems


@pytest.mark.parametrize("viewer_kind", ["outsider", "requester"])
def test_secret_group_pages_answer_byte_for_byte_like_a_missing_one(world, fixed_csrf, viewer_kind):
    client = world.client(world.viewers[viewer_kind])
    problems = []
    for method, template in PAGE_PROBES:
        data = {"email": "x@example.com"} if method == "post" else None
        problems += _compare(client, method, template, world, data)
    assert not problems


@pytest.mark.parametrize("viewer_kind", ["outsider", "requester"])
def test_secret_group_api_answers_byte_for_byte_like_a_missing_one(world, viewer_kind):
    client = world.api(world.viewers[viewer_kind])
    problems = []
    for method, template in API_PROBES:
        problems += _compare(client, method, template, world, {"user": world.marker.pk}, format="json")
    assert not problems


def test_secret_group_by_slug_in_the_api_list_answers_like_a_missing_one(world):
    client = world.api(world.viewers["outsider"])
    secret = client.get(f"/api/v1/groups/?slug={world.groups['secret'].slug}")
    missing = client.get(f"/api/v1/groups/?slug={MISSING_SLUG}")
    assert secret.status_code == missing.status_code == 200
    assert secret.json()["results"] == missing.json()["results"] == []


def test_matrix_covers_every_viewer_and_visibility():
    """Guard against someone shrinking the matrix by accident."""
    assert set(VIEWERS) == {"outsider", "requester", "member", "group_admin"}
    assert set(VISIBILITIES) == {"open", "private", "secret"}
    assert len(DOORS) >= 14
