"""Rate limits from the site policy: counted per person and action, changed live."""

import pytest

from socialco.ratelimits import RateLimitAction, RateLimitExceeded, check_rate_limit

pytestmark = pytest.mark.django_db

T0 = 60 * 10_000.0 + 20  # 20 s into a one-minute window


def _attempts(user, action, n, now):
    allowed = 0
    for _ in range(n):
        try:
            check_rate_limit(user, action, now=now)
        except RateLimitExceeded:
            continue
        allowed += 1
    return allowed


def test_the_limit_refuses_the_next_attempt_with_a_clear_message(set_site_policy, user):
    set_site_policy(rate_limit_posts="3/m")
    for _ in range(3):
        check_rate_limit(user, RateLimitAction.POST, now=T0)
    with pytest.raises(RateLimitExceeded) as exc:
        check_rate_limit(user, RateLimitAction.POST, now=T0)
    assert exc.value.message.startswith("You are doing that too often: at most 3 posts per minute.")
    assert 1 <= exc.value.retry_after <= 120
    assert exc.value.action == "post"


def test_limits_are_per_person_and_per_action(set_site_policy, user, other_user):
    set_site_policy(rate_limit_posts="2/m", rate_limit_comments="2/m")
    assert _attempts(user, "post", 5, T0) == 2
    assert _attempts(other_user, "post", 5, T0) == 2
    assert _attempts(user, "comment", 5, T0) == 2


def test_a_policy_change_applies_to_the_next_attempt(set_site_policy, user):
    set_site_policy(rate_limit_chat_messages="2/10s")
    assert _attempts(user, "chat_message", 3, T0) == 2
    set_site_policy(rate_limit_chat_messages="5/10s")
    assert _attempts(user, "chat_message", 10, T0) == 3  # two already counted, three more fit
    set_site_policy(rate_limit_chat_messages="")
    assert _attempts(user, "chat_message", 50, T0) == 50  # no limit


def test_the_window_slides(set_site_policy, user):
    set_site_policy(rate_limit_comments="4/m")
    start = 60 * 20_000.0  # a window boundary
    assert _attempts(user, "comment", 4, start + 50) == 4  # late in one window
    # 20 s into the next window the previous one still weighs 4 * 40/60: one more fits, not four.
    assert _attempts(user, "comment", 4, start + 80) == 1
    # 50 s in, it weighs 4 * 10/60: two more fit beside the one already made.
    assert _attempts(user, "comment", 4, start + 110) == 2
    # Two windows later everything has slid out.
    assert _attempts(user, "comment", 5, start + 240) == 4


def test_refused_attempts_are_not_counted(set_site_policy, user):
    set_site_policy(rate_limit_posts="2/m")
    start = 60 * 30_000.0
    assert _attempts(user, "post", 20, start + 1) == 2
    assert _attempts(user, "post", 1, start + 125) == 1  # the 18 refusals did not extend the ban


def test_retry_after_is_when_one_more_fits(set_site_policy, user):
    set_site_policy(rate_limit_posts="2/m")
    start = 60 * 40_000.0
    _attempts(user, "post", 2, start + 30)
    with pytest.raises(RateLimitExceeded) as exc:
        check_rate_limit(user, "post", now=start + 30)
    wait = exc.value.retry_after
    with pytest.raises(RateLimitExceeded):
        check_rate_limit(user, "post", now=start + 30 + wait - 2)
    check_rate_limit(user, "post", now=start + 30 + wait)


def test_unknown_actions_are_a_programming_error(user):
    with pytest.raises(ValueError, match="unknown rate-limited action"):
        check_rate_limit(user, "like")


def test_anonymous_users_are_not_counted(set_site_policy):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValueError, match="authenticated"):
        check_rate_limit(AnonymousUser(), "post")
