"""Sign-up, verification, enumeration resistance and MFA pages (django-allauth, our adapter)."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from profiles.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "display_name": "Ana Silva",
    "password1": "a-Long-unusual-pass-42",
    "password2": "a-Long-unusual-pass-42",
}


def _confirmation_link(message) -> str:
    match = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body)
    assert match, message.body
    return match.group(0).split("testserver", 1)[-1]


def test_signup_with_company_address_requires_verification_then_works(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "Ana.Silva@Example.com"})
    assert response.status_code == 302
    user = User.objects.get(email="ana.silva@example.com")
    assert user.display_name == "Ana Silva"

    # Not verified yet: logging in only re-sends the verification mail, the home page stays shut.
    client.logout()
    client.post(reverse("account_login"), {"login": "ana.silva@example.com", "password": SIGNUP["password1"]})
    assert client.get("/").status_code == 302
    assert not EmailAddress.objects.get(user=user).verified

    link = _confirmation_link(mail.outbox[0])
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    response = client.get("/")
    assert response.status_code == 200
    assert "Ana" in response.text


def test_signup_with_outside_domain_is_refused_with_form_error(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "ana@gmail.com"})
    assert response.status_code == 200
    assert "Only company addresses can be used here" in response.text
    assert "@example.com" in response.text
    assert 'value="Ana Silva"' in response.text  # what was typed is kept
    assert not User.objects.filter(email="ana@gmail.com").exists()
    assert mail.outbox == []


def test_signup_domain_check_ignores_lookalike_subdomains(client):
    client.post(reverse("account_signup"), {**SIGNUP, "email": "ana@example.com.evil.test"})
    client.post(reverse("account_signup"), {**SIGNUP, "email": "ana@evil-example.com"})
    client.post(reverse("account_signup"), {**SIGNUP, "email": "ana@sub.example.com"})
    assert User.objects.count() == 0


def test_signup_refuses_plus_addresses_so_one_mailbox_is_one_account(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "ana+2@example.com"})
    assert "without a +tag" in response.text
    assert User.objects.count() == 0


def test_signup_with_existing_address_hashes_like_a_new_one(client, settings):
    """No enumeration by timing: both paths hash a password (counted, not timed)."""
    from django.contrib.auth import hashers

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    UserFactory(email="taken@example.com")
    calls = []
    original = hashers.PBKDF2PasswordHasher.encode

    def counting_encode(self, password, salt, iterations=None):
        calls.append(1)
        return original(self, password, salt, iterations)

    hashers.PBKDF2PasswordHasher.encode = counting_encode
    try:
        client.post(reverse("account_signup"), {**SIGNUP, "email": "fresh@example.com"})
        fresh_hashes = len(calls)
        client.logout()
        calls.clear()
        client.post(reverse("account_signup"), {**SIGNUP, "email": "taken@example.com"})
        taken_hashes = len(calls)
    finally:
        hashers.PBKDF2PasswordHasher.encode = original
    assert fresh_hashes >= 1
    assert taken_hashes >= fresh_hashes


def test_signup_does_not_reveal_existing_account(client):
    existing = UserFactory(email="taken@example.com")
    fresh = client.post(reverse("account_signup"), {**SIGNUP, "email": "fresh@example.com"})
    client.logout()
    taken = client.post(reverse("account_signup"), {**SIGNUP, "email": "taken@example.com"})
    # Same redirect for both: to the "check your inbox" page.
    assert fresh.status_code == taken.status_code == 302
    assert fresh["Location"] == taken["Location"]
    assert User.objects.filter(email="taken@example.com").count() == 1
    assert User.objects.get(email="taken@example.com").pk == existing.pk
    # The owner of the existing account is told by e-mail instead.
    assert any("taken@example.com" in m.to for m in mail.outbox)


def test_password_reset_does_not_reveal_whether_account_exists(client):
    UserFactory(email="known@example.com")
    known = client.post(reverse("account_reset_password"), {"email": "known@example.com"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_login_with_email_and_logout(client):
    user = UserFactory(email="lena@example.com")
    response = client.post(reverse("account_login"), {"login": "LENA@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == user
    client.post(reverse("account_logout"))
    assert client.get("/").status_code == 302


def test_login_failures_are_rate_limited(client):
    UserFactory(email="lena@example.com")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "lena@example.com", "password": "wrong-password"})
    response = client.post(reverse("account_login"), {"login": "lena@example.com", "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def _login_through_the_form(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_account_pages_use_the_product_look(client, user):
    response = client.get(reverse("account_login"))
    assert 'class="topbar"' in response.text
    assert "/static/css/app.css" in response.text
    _login_through_the_form(client, user)
    for name in ("account_email", "account_change_password", "mfa_index", "account_reauthenticate"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert 'class="topbar"' in response.text, name


def test_totp_can_be_activated(client, user):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import hotp_value

    _login_through_the_form(client, user)
    # Turning on MFA asks for the password again first.
    assert client.get(reverse("mfa_activate_totp")).status_code == 302
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    secret = response.context["form"].secret
    code = hotp_value(secret, int(time.time()) // 30)
    response = client.post(reverse("mfa_activate_totp"), {"code": f"{code:06d}"})
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()

    # From now on a password alone does not log in: the second step asks for the code.
    client.logout()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/").status_code == 302

    # Nor through the admin's own login form.
    user.is_staff = True
    user.save()
    client.logout()
    client.post("/admin/login/", {"username": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
