"""Forms for asking and answering. They parse only; the services validate and write."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from feed.models import POST_BODY_MAX, TITLE_MAX
from feed.questions.models import ANSWER_BODY_MAX
from moderation.forms import ScreenedTextMixin
from moderation.models import Scope


class QuestionForm(ScreenedTextMixin, forms.Form):
    """Asking; the title and the details are screened with the rules for questions and answers.
    Pass `author=request.user`."""

    screened_fields = {"title": Scope.ANSWERS, "body": Scope.ANSWERS}

    title = forms.CharField(
        label=_("Your question"),
        max_length=TITLE_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("How do I…?")}),
    )
    body = forms.CharField(
        label=_("Details"),
        max_length=POST_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8, "data-screen-scope": Scope.ANSWERS.value}),
        help_text=_("Markdown: **bold**, `code`, lists, links. What did you try? What do you need?"),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=300,
        help_text=_("Up to five, separated by commas: the colleagues with these skills are asked."),
        widget=forms.TextInput(attrs={"placeholder": _("python, payroll")}),
    )
    group = forms.TypedChoiceField(label=_("Audience"), required=False, coerce=int, empty_value=None)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, groups, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.groups = {group.pk: group for group in groups}
        self.fields["group"].choices = [("", _("Everyone in the company"))] + [
            (group.pk, group.name) for group in groups
        ]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "tags": data.get("tags") or "",
            "group": self.groups.get(data.get("group")),
            "idempotency_key": data["idempotency_key"],
        }


class AnswerForm(ScreenedTextMixin, forms.Form):
    screened_fields = {"body": Scope.ANSWERS}

    body = forms.CharField(
        label=_("Your answer"),
        max_length=ANSWER_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "data-screen-scope": "answers"}),
        help_text=_("Markdown: **bold**, `code`, lists, links."),
    )
