"""The API door: the write gate (guidelines, suspension) on every unsafe endpoint, reports, screening."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from moderation import services
from moderation.models import Report
from moderation.permissions import CanWrite
from tests.factories import UserFactory
from tests.moderation.conftest import make_group, make_rule, publish

pytestmark = pytest.mark.django_db

PREFS = "api:notifications-preferences"


@pytest.fixture
def api():
    return APIClient()


def test_api_write_needs_accepted_guidelines_with_a_clear_code(api, guidelines):
    person = UserFactory(accepted_guidelines=False)
    api.force_authenticate(person)
    response = api.patch(reverse(PREFS), {"digest_period": "weekly"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "guidelines_not_accepted"
    assert response.json()["url"] == "/guidelines/accept/"
    assert api.get(reverse(PREFS)).status_code == 200  # reading is fine
    accept = api.post(reverse("api:moderation-guidelines-accept"))
    assert accept.status_code == 200
    assert accept.json()["must_accept"] is False
    assert api.patch(reverse(PREFS), {"digest_period": "weekly"}, format="json").status_code == 200


def test_api_gate_applies_to_token_logins_too(guidelines):
    person = UserFactory(accepted_guidelines=False)
    token = Token.objects.create(user=person)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(reverse("api:notifications-mark-all-read"))
    assert response.status_code == 403
    assert response.json()["code"] == "guidelines_not_accepted"


def test_api_write_refused_while_suspended(api, moderator):
    person = UserFactory()
    services.person_suspend(person=person, moderator=moderator, days=2, reason="Spam")
    api.force_authenticate(person)
    response = api.post(reverse("api:notifications-mark-all-read"))
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "suspended"
    assert body["reason"] == "Spam"
    assert body["until"]
    status = api.get(reverse("api:moderation-guidelines")).json()
    assert status["can_write"] is False
    assert status["suspension"]["reason"] == "Spam"


def test_api_minor_version_does_not_gate(api, guidelines):
    person = UserFactory()
    publish(change="minor")
    api.force_authenticate(person)
    assert api.post(reverse("api:notifications-mark-all-read")).status_code == 200
    assert api.get(reverse("api:moderation-guidelines")).json()["has_minor_update"] is True


def _api_views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "cls", None)
            if view_class is not None:
                yield pattern, view_class


def test_every_api_view_carries_the_write_gate():
    from socialco import api_urls

    writing = [
        (pattern, view_class)
        for pattern, view_class in _api_views(api_urls.urlpatterns)
        if any(hasattr(view_class, method) for method in ("post", "put", "patch", "delete"))
    ]
    assert len(writing) >= 5
    for pattern, view_class in writing:
        assert any(isinstance(p, CanWrite) for p in view_class().get_permissions()), pattern


def test_report_api(api, guidelines):
    group = make_group()
    api.force_authenticate(UserFactory())
    created = api.post(
        reverse("api:moderation-reports"),
        {"type": "groups.group", "id": group.pk, "section": "be-respectful"},
    )
    assert created.status_code == 201
    again = api.post(
        reverse("api:moderation-reports"),
        {"type": "groups.group", "id": group.pk, "section": "be-respectful"},
    )
    assert again.status_code == 400
    assert "non_field_errors" in again.json()
    bad = api.post(
        reverse("api:moderation-reports"), {"type": "groups.group", "id": group.pk, "section": "??"}
    )
    assert bad.status_code == 400
    assert "section" in bad.json()
    assert Report.objects.count() == 1


def test_report_api_hides_what_you_cannot_see(api, guidelines):
    secret = make_group(visibility="secret")
    api.force_authenticate(UserFactory())
    hidden = api.post(
        reverse("api:moderation-reports"), {"type": "groups.group", "id": secret.pk, "section": "other"}
    )
    missing = api.post(
        reverse("api:moderation-reports"), {"type": "groups.group", "id": 99999, "section": "other"}
    )
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_screen_api(api, guidelines):
    make_rule(terms="awful", action="block", explanation="Not that.")
    api.force_authenticate(UserFactory(accepted_guidelines=False))  # checking is not writing
    result = api.post(reverse("api:moderation-screen"), {"scope": "chat", "text": "awful"}).json()
    assert result["action"] == "block"
    assert result["matches"][0]["explanation"] == "Not that."
    assert result["matches"][0]["section_url"] == "/guidelines/#be-respectful"
    assert api.post(reverse("api:moderation-screen"), {"scope": "bogus", "text": "x"}).status_code == 400


def test_anonymous_api_is_still_401(guidelines):
    assert APIClient().post(reverse("api:moderation-reports"), {}).status_code == 401
