"""The login wall: anonymous visitors reach only the account pages and /healthz."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PUBLIC_PREFIXES = ("/accounts/", "/healthz", "/guidelines/", "/admin/login/", "/static/")


def _concrete_paths(patterns=None, prefix=""):
    """Every URL in the project that takes no argument, found from the URLconf itself."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        route = str(pattern.pattern)
        if any(char in route for char in "<(*+?["):
            continue
        route = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
        if isinstance(pattern, URLResolver):
            yield from _concrete_paths(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield "/" + prefix + route


def test_every_page_redirects_anonymous_visitors_to_login(client):
    checked = 0
    for path in sorted(set(_concrete_paths())):
        if path.startswith(PUBLIC_PREFIXES) or path.startswith("/api/"):
            continue
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/") or response["Location"].startswith(
            "/admin/login/"
        ), path
        checked += 1
    assert checked >= 2  # at least the home page and admin


def test_every_api_endpoint_answers_401_to_anonymous(client):
    paths = [p for p in set(_concrete_paths()) if p.startswith("/api/")]
    assert "/api/v1/" in paths
    for path in paths:
        response = client.get(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"].startswith("Token"), path


def test_api_root_lists_endpoints_to_a_logged_in_user(logged_in_client):
    response = logged_in_client.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["schema"].endswith("/api/v1/schema/")


def test_api_accepts_token_authentication(client, user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=user)
    response = client.get("/api/v1/", HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT="application/json")
    assert response.status_code == 200


def test_inactive_user_cannot_use_a_token(client, user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=user)
    user.is_active = False
    user.save()
    response = client.get("/api/v1/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401


def test_account_pages_and_guidelines_are_open(client):
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/guidelines/"):
        assert client.get(path).status_code == 200, path


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "<script>" not in response.text  # no inline scripts anywhere on the page


def test_non_staff_cannot_reach_admin(logged_in_client):
    response = logged_in_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_reach_admin(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("path", ["/people/?q=%00", "/groups/?q=a%00b", "/notifications/?x%00=1"])
def test_nul_bytes_in_the_query_string_are_a_clear_400(logged_in_client, path):
    response = logged_in_client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.text
