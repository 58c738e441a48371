"""HTML forms of the feed. They parse and shape input; the rules live in feed/services.py,
whose ValidationErrors are put back on these forms next to the kept text."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feed.models import (
    ARTICLE_BODY_MAX,
    COMMENT_BODY_MAX,
    MAX_IMAGES,
    POST_BODY_MAX,
    TITLE_MAX,
    Post,
    PraiseBadge,
)
from feed.services import resolve_handles
from moderation.forms import ScreenedTextMixin
from moderation.models import Scope
from moderation.services import ConfirmationRequired, ScreeningError


def confirmed_by_author(form: forms.Form) -> bool:
    """The author pressed "Post anyway" (moderation/includes/screening.html) on this submission."""
    return str(form.data.get("moderation_confirmed", "")).lower() in ("1", "true", "on")


def screening_to_form(form: ScreenedTextMixin, field: str, exc: ScreeningError) -> None:
    """Show what the service's screening said on `field`, keeping the text (and offering
    "Post anyway" for a warning), exactly as the form's own screening would."""
    form.screening[field] = exc.result
    if isinstance(exc, ConfirmationRequired):
        form.needs_confirmation = True
    form.add_error(field, exc.messages)


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one input; each is checked by the upload pipeline in the service."""

    widget = MultipleImageInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


_HANDLE_SPLIT = re.compile(r"[\s,;]+")


class PostForm(ScreenedTextMixin, forms.Form):
    """The composer for posts, praise and articles. Fields not used by a kind are removed.
    Pass `author=request.user`: the title and the text are screened as "posts"."""

    screened_fields = {"title": Scope.POSTS, "body": Scope.POSTS}

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, required=False)
    body = forms.CharField(
        label=_("What do you want to share?"),
        # Lengths are checked by the service with a clear message; the browser gets a hint.
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "data-mention-autocomplete": "",
                "data-max-length": POST_BODY_MAX,
                "data-screen-scope": Scope.POSTS.value,
            }
        ),
        required=False,
        strip=False,
    )
    group = forms.TypedChoiceField(label=_("Audience"), required=False, coerce=int, empty_value=None)
    images = MultipleImageField(
        label=_("Images"),
        required=False,
        help_text=_("Up to %(count)s JPEG, PNG, WebP or GIF images.") % {"count": MAX_IMAGES},
        widget=MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    cover = forms.FileField(
        label=_("Cover image"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    praised = forms.CharField(
        label=_("Colleagues"),
        required=False,
        help_text=_("Type @ and a name; separate several with spaces."),
        widget=forms.TextInput(attrs={"data-mention-autocomplete": "", "autocomplete": "off"}),
    )
    praise_badge = forms.ChoiceField(
        label=_("Badge"), choices=PraiseBadge.choices, required=False, widget=forms.RadioSelect
    )
    is_announcement = forms.BooleanField(label=_("Post as a company announcement"), required=False)
    pinned_until = forms.DateTimeField(
        label=_("Pinned on top until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    must_read = forms.BooleanField(label=_("Must read: ask everyone to confirm"), required=False)

    KIND_FIELDS = {
        Post.Kind.POST: {"title", "cover", "praised", "praise_badge"},
        Post.Kind.PRAISE: {"title", "cover", "images", "is_announcement", "pinned_until", "must_read"},
        Post.Kind.ARTICLE: {"praised", "praise_badge", "images"},
    }

    def __init__(self, *args, kind: str, groups, can_announce: bool, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.groups = {group.pk: group for group in groups}
        for name in self.KIND_FIELDS[kind]:
            self.fields.pop(name, None)
        if not can_announce:
            for name in ("is_announcement", "pinned_until", "must_read"):
                self.fields.pop(name, None)
        self.fields["group"].choices = [("", _("Everyone in the company"))] + [
            (group.pk, group.name) for group in groups
        ]
        body = self.fields["body"]
        if kind == Post.Kind.ARTICLE:
            body.label = _("Article")
            body.widget.attrs.update({"rows": 18, "data-max-length": ARTICLE_BODY_MAX})
            body.help_text = _("Markdown: headings, lists, links, tables and code blocks.")
            self.fields["title"].required = True
        elif kind == Post.Kind.PRAISE:
            body.label = _("What are you thanking them for?")

    def clean_group(self):
        group_id = self.cleaned_data.get("group")
        if group_id is None:
            return None
        if group_id not in self.groups:
            raise ValidationError(_("You cannot post in this group."))
        return self.groups[group_id]

    def clean_pinned_until(self):
        value = self.cleaned_data.get("pinned_until")
        if value is not None and value <= timezone.now():
            raise ValidationError(_("Choose a date in the future."))
        return value

    def clean_praised(self):
        raw = self.cleaned_data.get("praised", "")
        handles = [h.lstrip("@").lower() for h in _HANDLE_SPLIT.split(raw) if h.strip("@ ")]
        people = resolve_handles(handles)
        unknown = [h for h in handles if h not in people]
        if unknown:
            raise ValidationError(
                _("We could not find: %(names)s. Pick colleagues from the suggestions.")
                % {"names": ", ".join("@" + h for h in unknown)}
            )
        return [people[h] for h in handles]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "kind": self.kind,
            "body": data.get("body", ""),
            "group": data.get("group"),
            "idempotency_key": data["idempotency_key"],
        }
        optional = (
            "title",
            "images",
            "cover",
            "praised",
            "praise_badge",
            "is_announcement",
            "pinned_until",
            "must_read",
        )
        for name in optional:
            if name in self.fields and data.get(name) not in (None, ""):
                kwargs[name] = data[name]
        return kwargs


class PostEditForm(ScreenedTextMixin, forms.Form):
    """Editing a post's text; screened like the composer (a question's with "answers")."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, required=False)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 8, "data-mention-autocomplete": ""}),
        required=False,
        strip=False,
    )

    def __init__(self, *args, post: Post, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        scope = Scope.ANSWERS if post.is_question else Scope.POSTS
        self.screened_fields = {"title": scope, "body": scope}
        self.fields["body"].widget.attrs["data-screen-scope"] = scope.value
        if not post.is_article:
            self.fields.pop("title")
        else:
            self.fields["body"].widget.attrs["rows"] = 18


class CommentForm(ScreenedTextMixin, forms.Form):
    """A comment or a reply (and editing one); screened as "comments"."""

    screened_fields = {"body": Scope.COMMENTS}

    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "data-mention-autocomplete": "",
                "data-max-length": COMMENT_BODY_MAX,
                "data-screen-scope": Scope.COMMENTS.value,
            }
        ),
        required=False,
        strip=False,
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
