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


# --- Profiles (appended by the profiles app) -------------------------------------------------
@pytest.fixture
def crowd(db):
    """200 colleagues in 5 departments and 4 offices, 3 skills and a topic each, a manager tree,
    follows and endorsements, and one former employee: enough rows for an N+1 to show."""
    from profiles.models import Endorsement, Follow
    from profiles.services import skills_get_or_create
    from tests.factories import DepartmentFactory

    departments = [DepartmentFactory(name=f"Dept {i}") for i in range(5)]
    skills = skills_get_or_create(names=[f"Skill {i}" for i in range(12)])
    people = []
    for i in range(200):
        manager = people[(i - 1) // 4] if i else None
        person = UserFactory(
            display_name=f"Crowd Person {i:03d}",
            department=departments[i % 5],
            location=["London", "Berlin", "New York", "Remote"][i % 4],
            manager=manager,
            title=["Engineer", "Designer", "Analyst"][i % 3],
        )
        person.skills.set([skills[i % 12], skills[(i + 1) % 12], skills[(i + 5) % 12]])
        person.ask_me_about.set([skills[(i + 3) % 12]])
        people.append(person)
    Follow.objects.bulk_create(
        [Follow(follower=people[i], followed=people[(i + k) % 200]) for i in range(200) for k in (1, 2, 3)]
    )
    Endorsement.objects.bulk_create(
        [
            Endorsement(endorser=people[(i + 1) % 200], person=people[i], skill=skills[i % 12])
            for i in range(200)
        ]
    )
    former = UserFactory(display_name="Crowd Former", is_active=False, manager=people[0])
    return {"people": people, "skills": skills, "departments": departments, "former": former}


# --- Rate limits (appended by the integration) ------------------------------------------------
class _RateLimitClock:
    """What socialco.ratelimits reads as `time.time()`; starts at the beginning of a window."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.5  # a multiple of 10 s, a minute and an hour, plus half a second

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def rate_limit_clock(monkeypatch):
    """Pin the clock rate limits count with, so a test sending N messages never straddles two
    counting windows (the limiter's sliding window weighs the previous one), however slowly it
    runs; `rate_limit_clock.advance(seconds)` moves time on."""
    import socialco.ratelimits

    clock = _RateLimitClock()
    monkeypatch.setattr(socialco.ratelimits, "time", clock)
    # The cache still expires counts by the wall clock: on a slow machine a test sending 20
    # messages one by one can take longer than the period, so counts live an hour here.
    monkeypatch.setattr(socialco.ratelimits, "EXPIRY_SLACK", 3600)
    return clock
