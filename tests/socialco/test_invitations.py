"""Sign-up under the site policy: allowed domains, invitation-only mode, invitation links."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from profiles.models import User
from socialco.models import Invitation
from socialco.policy_services import invitation_create, invitations_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "display_name": "Nina Guest",
    "password1": "a-Long-unusual-pass-42",
    "password2": "a-Long-unusual-pass-42",
}


def _invite(email, django_capture_on_commit_callbacks, invited_by=None) -> str:
    """Create and send an invitation; return the link path from the e-mail."""
    invitation = invitation_create(email=email, invited_by=invited_by)
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(invitations=[invitation], site_url="http://testserver")
    message = mail.outbox[-1]
    assert message.to == [email.lower()]
    match = re.search(r"http://testserver(/invitations/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_domain_removed_from_the_policy_is_refused_at_once(client, set_site_policy):
    set_site_policy(signup_email_domains=["example.org"])
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "nina@example.com"})
    assert response.status_code == 200
    assert "Only company addresses can be used here (@example.org)." in response.text
    assert not User.objects.filter(email="nina@example.com").exists()
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "nina@example.org"})
    assert response.status_code == 302
    assert User.objects.filter(email="nina@example.org").exists()


def test_invitation_only_closes_the_signup_page(client, set_site_policy):
    assert client.get(reverse("account_signup")).status_code == 200
    set_site_policy(signup_mode="invitation")
    response = client.get(reverse("account_signup"))
    assert "Sign-up is by invitation only" in response.text
    assert 'name="password1"' not in response.text
    client.post(reverse("account_signup"), {**SIGNUP, "email": "nina@example.com"})
    assert not User.objects.filter(email="nina@example.com").exists()


def test_an_invited_address_signs_up_in_invitation_only_mode(
    client, set_site_policy, staff_user, django_capture_on_commit_callbacks
):
    set_site_policy(signup_mode="invitation")
    link = _invite("Nina@Example.com", django_capture_on_commit_callbacks, invited_by=staff_user)
    assert staff_user.display_name in mail.outbox[-1].body
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_signup") + "?email=nina%40example.com"
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert 'value="nina@example.com"' in response.text
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "nina@example.com"})
    assert response.status_code == 302
    user = User.objects.get(email="nina@example.com")
    invitation = Invitation.objects.get(email="nina@example.com")
    assert invitation.accepted_by == user
    assert invitation.accepted_at is not None
    # Used once: the link now opens nothing.
    client.logout()
    response = client.get(link)
    assert response.status_code == 404
    assert "This invitation link no longer works" in response.text


def test_invitation_only_refuses_another_address_even_with_a_link(
    client, set_site_policy, django_capture_on_commit_callbacks
):
    set_site_policy(signup_mode="invitation")
    link = _invite("nina@example.com", django_capture_on_commit_callbacks)
    client.get(link)
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "someone.else@example.com"})
    assert response.status_code == 200
    assert "Sign-up is by invitation only and this address has not been invited" in response.text
    assert 'value="Nina Guest"' in response.text  # what was typed is kept
    assert not User.objects.filter(email="someone.else@example.com").exists()


def test_an_invitation_admits_an_address_outside_the_domains(client, django_capture_on_commit_callbacks):
    link = _invite("contractor@partner.test", django_capture_on_commit_callbacks)
    client.get(link)
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "contractor@partner.test"})
    assert response.status_code == 302
    assert User.objects.filter(email="contractor@partner.test").exists()


def test_resending_rotates_the_link(client, django_capture_on_commit_callbacks):
    first = _invite("nina@example.com", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(invitations=Invitation.objects.all(), site_url="http://testserver")
    second = re.search(r"http://testserver(/invitations/[^\s]+/)", mail.outbox[-1].body).group(1)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 302


def test_an_expired_or_forged_link_opens_nothing(client, set_site_policy, django_capture_on_commit_callbacks):
    set_site_policy(signup_mode="invitation")
    link = _invite("nina@example.com", django_capture_on_commit_callbacks)
    Invitation.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert client.get(link).status_code == 404
    assert client.get("/invitations/forged-token/").status_code == 404
    assert "Sign-up is by invitation only" in client.get(reverse("account_signup")).text


def test_sending_is_skipped_for_accepted_invitations(django_capture_on_commit_callbacks):
    invitation = invitation_create(email="nina@example.com", invited_by=None)
    Invitation.objects.update(accepted_at="2020-01-01T00:00:00Z")
    invitation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations_send(invitations=[invitation], site_url="http://testserver") == 0
    assert mail.outbox == []


def test_password_reset_still_works_for_company_addresses_in_invitation_only_mode(client, set_site_policy):
    UserFactory(email="lena@example.com")
    set_site_policy(signup_mode="invitation")
    response = client.post(reverse("account_reset_password"), {"email": "lena@example.com"})
    assert response.status_code == 302
    assert any("lena@example.com" in m.to for m in mail.outbox)


def test_company_name_from_the_policy_shows_at_once(client, set_site_policy):
    set_site_policy(company_name="Globex")
    response = client.get(reverse("account_login"))
    assert "Globex" in response.text
