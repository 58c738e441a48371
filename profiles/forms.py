from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from moderation.forms import ScreenedTextMixin
from moderation.models import Scope
from profiles.models import User, clean_skill_names, phone_validator, split_skill_list
from profiles.services import avatar_process


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


def _time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [("", _("Company default")), *((z, z.replace("_", " ")) for z in zones), ("UTC", "UTC")]


class SkillListField(forms.CharField):
    """A comma-separated list of skills or topics, cleaned to normalised, unique names."""

    def __init__(self, *, autocomplete_for: str, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "autocomplete": "off",
                "data-skill-input": autocomplete_for,
                "hx-get": reverse_lazy("profiles:skill_autocomplete"),
                "hx-trigger": "input changed delay:200ms, focus",
                "hx-target": f"#{autocomplete_for}-suggestions",
                "hx-vals": f'{{"for": "{autocomplete_for}"}}',
                "aria-describedby": f"{autocomplete_for}-suggestions id_{autocomplete_for}_helptext",
                "aria-controls": f"{autocomplete_for}-suggestions",
            }
        )

    def clean(self, value) -> list[str]:  # type: ignore[override]
        text = super().clean(value)
        return clean_skill_names(split_skill_list(text))


SCREENED_WIDGET_ATTRS = {"data-screen-scope": Scope.PROFILES.value}


class ProfileForm(ScreenedTextMixin, forms.Form):
    """What a person edits on their own profile. Org fields are deliberately absent.

    The texts the person writes are screened with the "profile texts" rules (only those they
    changed: bind the form with `initial=ProfileForm.initial_for(...)`). Pronouns and skill or
    topic names are shown in every list, so a hold rule refuses them like a block.
    """

    screened_fields = {
        "bio": Scope.PROFILES,
        "pronouns": Scope.PROFILES,
        "skills": Scope.PROFILES,
        "ask_me_about": Scope.PROFILES,
    }
    hold_refused_fields = frozenset({"pronouns", "skills", "ask_me_about"})
    screen_changed_only = True

    pronouns = forms.CharField(
        label=_("Pronouns"),
        required=False,
        max_length=40,
        help_text=_("Optional, e.g. she/her, he/him, they/them."),
    )
    phone = forms.CharField(
        label=_("Phone / extension"),
        required=False,
        max_length=40,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=_("For example +44 20 7946 0000 ext 123, or just ext 123."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=_time_zone_choices,
        help_text=_("Times are shown to you in this zone, and colleagues see your local time."),
    )
    bio = forms.CharField(
        label=_("About you"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6, **SCREENED_WIDGET_ATTRS}),
        help_text=_("Markdown: **bold**, _italic_, lists and links. At most 2,000 characters."),
    )
    skills = SkillListField(
        label=_("Skills"),
        autocomplete_for="skills",
        help_text=_("Comma-separated. Pick existing ones so colleagues find you."),
    )
    ask_me_about = SkillListField(
        label=_("Ask me about"),
        autocomplete_for="ask_me_about",
        help_text=_("Topics you are happy to answer questions on. Comma-separated."),
    )
    avatar = forms.FileField(
        label=_("Upload a new photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        help_text=_("JPEG, PNG, WebP or GIF, up to %(size)s. Location and camera data are removed."),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my photo"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.processed_avatar = None
        current = self.data.get("time_zone") if self.is_bound else self.initial.get("time_zone")
        choices = self.fields["time_zone"].choices
        if current and current not in {value for value, _label in choices}:
            # A valid zone set elsewhere (API, admin) stays selectable instead of being reset.
            self.fields["time_zone"].choices = [*choices, (current, current)]
        self.fields["avatar"].help_text = self.fields["avatar"].help_text % {
            "size": filesizeformat(settings.UPLOAD_MAX_BYTES)
        }

    @classmethod
    def initial_for(cls, user: User, *, skills: list[str], topics: list[str]) -> dict:
        return {
            "pronouns": user.pronouns,
            "phone": user.phone,
            "time_zone": user.time_zone,
            "bio": user.bio,
            "skills": ", ".join(skills),
            "ask_me_about": ", ".join(topics),
        }

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if upload:
            # Decoded and re-encoded here so a refusal is a form error; stored by the view.
            self.processed_avatar = avatar_process(upload)
        return upload
