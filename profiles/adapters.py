"""django-allauth adapter: sign-up only for the company's e-mail domains."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _


def signup_domain_allowed(email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].strip().lower()
    return domain in settings.SIGNUP_EMAIL_DOMAINS


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        email = super().clean_email(email).lower()
        if "+" in email.rsplit("@", 1)[0]:
            raise forms.ValidationError(
                _("Use your plain company address, without a +tag."), code="plus_address"
            )
        if not signup_domain_allowed(email):
            domains = ", ".join(f"@{d}" for d in settings.SIGNUP_EMAIL_DOMAINS)
            raise forms.ValidationError(
                _("Only company addresses can be used here (%(domains)s).") % {"domains": domains},
                code="domain_not_allowed",
            )
        return email

    def send_account_already_exists_mail(self, email: str) -> None:
        """Spend the time hashing a password would take, so that signing up with a taken
        address answers as slowly as with a new one (no account enumeration by timing)."""
        make_password(None)
        make_password("equalise-timing")
        super().send_account_already_exists_mail(email)

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data.get("display_name", "").strip() or user.email.split("@")[0]
        if commit:
            user.save()
        return user
