from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _isolated_state(settings, tmp_path):
    """Each test gets its own media folder and an empty cache (rate limits, policy)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def logged_in_client(client, user):
    client.force_login(user)
    return client


_DB_FIXTURES = ("transactional_db", "db")


@pytest.fixture(autouse=True)
def _warm_site_policy(request, _isolated_state):
    """Tests that use the database start with the site policy cached, as a running site has it.

    So a query-count assertion measures the page, not the one-off policy read after the
    cache was cleared.
    """
    wants_db = request.node.get_closest_marker("django_db") is not None
    for name in _DB_FIXTURES:
        if name in request.fixturenames:
            request.getfixturevalue(name)
            wants_db = True
            break
    if wants_db:
        from socialco.policy import get_policy

        get_policy()


@pytest.fixture
def set_site_policy(db):
    """Change site policy settings the way an admin does: set_site_policy(signup_mode="invitation")."""
    from socialco.policy_services import site_policy_update

    def _set(**values):
        return site_policy_update(actor=None, **values)

    return _set
