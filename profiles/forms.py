from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    """Extra sign-up fields, merged by allauth into its own sign-up form."""

    display_name = forms.CharField(
        label=_("Full name"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": _("As colleagues know you")}),
    )

    field_order = ["display_name", "email", "password1", "password2"]

    def signup(self, request, user) -> None:
        """allauth calls this after the user is saved (the adapter already set the name)."""
