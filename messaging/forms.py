from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.policy import GROUP_CHAT_MAX_MEMBERS
from moderation.forms import ScreenedTextMixin
from moderation.models import Scope


class FirstMessageForm(ScreenedTextMixin, forms.Form):
    """The first message of a direct chat, sent without JavaScript. Screened with the "chat"
    rules: a block or an unconfirmed warning keeps the text and shows why ("Send anyway")."""

    screened_fields = {"body": Scope.CHAT}

    body = forms.CharField(label=_("Message"), required=False, strip=False)  # the service checks length
    client_id = forms.CharField(max_length=64, required=False)


class GroupChatForm(forms.Form):
    """Start a group chat. The service re-checks every rule; this form only shapes the input."""

    name = forms.CharField(
        label=_("Name (optional)"),
        max_length=100,
        required=False,
        help_text=_("Without a name, the chat is called after its members."),
    )
    members = forms.TypedMultipleChoiceField(
        label=_("People"),
        coerce=int,
        help_text=_("Pick 1 to %(max)d colleagues.") % {"max": GROUP_CHAT_MAX_MEMBERS - 1},
        error_messages={"required": _("Pick at least one colleague.")},
    )

    def __init__(self, *args, people=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(person.pk, person.display_name) for person in people]
