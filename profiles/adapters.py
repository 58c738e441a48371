"""django-allauth adapter: who may sign up, read from the site policy at every request.

- Open mode: addresses on the policy's allowed domains, plus addresses with a usable invitation.
- Invitation-only mode: the sign-up page opens only after following an invitation link, and
  only an address with a usable invitation is accepted.
Other forms that check an address (password reset, adding an address) accept the allowed
domains and any address that was invited once.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from socialco.policy import get_policy
from socialco.policy_services import invitation_ever_sent, usable_invitation_exists
from socialco.policy_views import session_invitation


def signup_domain_allowed(email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].strip().lower()
    return domain in get_policy().signup_email_domains


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        if not get_policy().invitation_only:
            return True
        return session_invitation(request) is not None

    def _in_signup(self) -> bool:
        match = getattr(getattr(self, "request", None), "resolver_match", None)
        return match is not None and match.url_name == "account_signup"

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email).lower()
        if "+" in email.rsplit("@", 1)[0]:
            raise forms.ValidationError(
                _("Use your plain company address, without a +tag."), code="plus_address"
            )
        policy = get_policy()
        if self._in_signup():
            if usable_invitation_exists(email):
                return email
            if policy.invitation_only:
                raise forms.ValidationError(
                    _(
                        "Sign-up is by invitation only and this address has not been invited. "
                        "Use the address your invitation was sent to."
                    ),
                    code="not_invited",
                )
        elif invitation_ever_sent(email):
            return email
        if not signup_domain_allowed(email):
            if not policy.signup_email_domains:
                raise forms.ValidationError(
                    _("This address cannot be used here. Use the address your invitation was sent to."),
                    code="domain_not_allowed",
                )
            domains = ", ".join(f"@{d}" for d in policy.signup_email_domains)
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

    def format_email_subject(self, subject: str) -> str:
        return f"[{get_policy().company_name} Socialco] {subject}"

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data.get("display_name", "").strip() or user.email.split("@")[0]
        if commit:
            user.save()
        return user
