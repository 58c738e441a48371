from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.kinds import Delivery, DigestPeriod, Kind
from notifications.selectors import KindPreference


def field_name(kind: Kind) -> str:
    return f"kind_{kind.value}"


class PreferencesForm(forms.Form):
    """One delivery choice per kind, plus how often the digest comes."""

    digest_period = forms.ChoiceField(label=_("E-mail digest"), choices=DigestPeriod.choices)

    def __init__(
        self, *args, preferences: list[KindPreference], digest_period: DigestPeriod, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.preferences = preferences
        for preference in preferences:
            self.fields[field_name(preference.kind)] = forms.ChoiceField(
                label=preference.label,
                choices=Delivery.choices,
                initial=preference.delivery.value,
                widget=forms.RadioSelect,
            )
        self.fields["digest_period"].initial = digest_period.value

    def rows(self) -> list[dict]:
        """What the template's table needs: one row per kind with its bound field and choices."""
        return [
            {"preference": preference, "field": self[field_name(preference.kind)]}
            for preference in self.preferences
        ]

    def deliveries(self) -> dict[Kind, Delivery]:
        return {pref.kind: Delivery(self.cleaned_data[field_name(pref.kind)]) for pref in self.preferences}
