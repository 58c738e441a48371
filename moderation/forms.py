"""Forms for reports, moderators' actions, appeals, admin rules, and the screened-text mixin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import Decision, Rule, Scope
from moderation.selectors import section_choices
from moderation.services import (
    MAX_SUSPENSION_DAYS,
    ConfirmationRequired,
    ContentBlocked,
    ScreenResult,
    enforce_screening,
)

OTHER_SECTION = ("other", _("Something else"))


def _sections(*, blank: bool = False, other: bool = False) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [("", _("(no section)"))] if blank else []
    choices += section_choices()
    if other:
        choices.append(OTHER_SECTION)
    return choices


class ScreenedTextMixin:
    """For any form whose fields are free text: screens them with the rules of their scope.

        class GroupForm(ScreenedTextMixin, forms.ModelForm):
            screened_fields = {"description": Scope.GROUPS}

    The form needs `author=request.user` in its constructor. A block rule adds the explanation
    to the field's errors (the text stays in the form); a warn rule adds it too, until the
    person submits again with "Post anyway" (the `moderation_confirmed=1` button rendered by
    `moderation/includes/screening.html`). After `is_valid()`, `form.screening[field]` holds
    each field's ScreenResult: store `result.moderation_state` and call `screening_record`.
    """

    screened_fields: dict[str, str] = {}
    # Fields whose text is shown everywhere and cannot wait for review (names, tags): a hold
    # rule refuses them like a block.
    hold_refused_fields: frozenset[str] = frozenset()
    # Edit forms built with the saved values as `initial` may screen only what the person changed.
    screen_changed_only = False

    def __init__(self, *args, author=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.author = author
        self.screening: dict[str, ScreenResult] = {}
        self.needs_confirmation = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        confirmed = str(self.data.get("moderation_confirmed", "")).lower() in ("1", "true", "on")
        for name, scope in self.screened_fields.items():
            value = cleaned.get(name)
            if not value or (self.screen_changed_only and name not in self.changed_data):
                continue
            text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
            try:
                self.screening[name] = enforce_screening(
                    text=text,
                    scope=scope,
                    author=self.author,
                    confirmed=confirmed,
                    hold_refused=name in self.hold_refused_fields,
                )
            except ContentBlocked as exc:
                self.screening[name] = exc.result
                self.add_error(name, exc.as_validation_error())
            except ConfirmationRequired as exc:
                self.screening[name] = exc.result
                self.needs_confirmation = True
                self.add_error(name, exc.as_validation_error())
        return cleaned

    @property
    def screening_confirmed(self) -> bool:
        """Whether the person confirmed the warnings shown ("Post anyway"): pass it to the service."""
        return any(result.is_flagged for result in self.screening.values())


class ReportForm(forms.Form):
    section = forms.ChoiceField(label=_("Which guideline does it break?"), choices=())
    note = forms.CharField(
        label=_("Anything a moderator should know? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", _("Choose…")), *_sections(other=True)]


class ItemActionForm(forms.Form):
    """One moderator action on an item (or its author). The reason is always required."""

    ACTIONS = [
        ("dismiss", _("Dismiss the reports")),
        ("hide", _("Hide the content")),
        ("restore", _("Restore the content")),
        ("approve", _("Approve the held content")),
        ("warn", _("Warn the author")),
        ("suspend", _("Suspend the author")),
    ]

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    section = forms.ChoiceField(label=_("Guideline section"), required=False, choices=())
    days = forms.IntegerField(
        label=_("Days (suspension)"), required=False, min_value=1, max_value=MAX_SUSPENSION_DAYS, initial=3
    )
    reason = forms.CharField(
        label=_("Reason (the author sees it)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = _sections(blank=True)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("action") == "suspend" and not cleaned.get("days"):
            self.add_error("days", _("How many days?"))
        return cleaned


class PersonActionForm(ItemActionForm):
    ACTIONS = [("warn", _("Warn")), ("suspend", _("Suspend"))]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AppealForm(forms.Form):
    note = forms.CharField(
        label=_("Why should this decision be reconsidered?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("uphold", _("Uphold the decision")), ("overturn", _("Overturn the decision"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (the author sees it)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RuleAdminForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    section = forms.ChoiceField(label=_("Guideline section"), required=False, choices=())
    change_reason = forms.CharField(
        label=_("Why this change (kept in the audit log)"), required=False, max_length=500
    )

    class Meta:
        model = Rule
        fields = [
            "name",
            "kind",
            "terms",
            "whole_word",
            "scopes",
            "action",
            "section",
            "explanation",
            "is_enabled",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = _sections(blank=True)
        current = self.instance.section if self.instance else ""
        if current and current not in dict(choices):
            choices.append((current, current))
        self.fields["section"].choices = choices


DECISION_LABELS = dict(Decision.Action.choices)
