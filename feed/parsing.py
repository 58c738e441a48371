"""@mentions and #hashtags in rendered markdown.

They are found in the text of the sanitised HTML (so never inside code, code blocks or links,
and never in an HTML entity) and replaced there by links. The module is pure: callers resolve
handles to people and tag keys to URLs.

- A mention is `@handle`, where the handle is the local part of a person's e-mail address on
  the company's main domain (`@ana.silva`), or a full address for other domains
  (`@ana@partner.example`). Autocomplete inserts the right form (`mention_handle`).
- A hashtag is `#` then a letter or digit, then letters, digits, `_` or `-` (not only digits:
  `#1` is not a tag). Tags are compared by `tag_key`, which folds spaces with the same
  function as profile skills (profiles.models.normalise_skill_name) and then case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from django.conf import settings

from profiles.models import normalise_skill_name

TAG_MAX_LENGTH = 50
MAX_TOKENS = 50  # mentions or tags resolved per text; the rest stay plain text

MENTION_RE = re.compile(
    r"(?<![\w@/.+-])@([A-Za-z0-9][A-Za-z0-9._%+-]*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
)
TAG_RE = re.compile(r"(?<![\w&#/])#([^\W_][\w-]*)")
_TOKEN_RE = re.compile(f"(?P<mention>{MENTION_RE.pattern})|(?P<tag>{TAG_RE.pattern})")
_HTML_TOKEN_RE = re.compile(r"(<[^>]*>)")
_SKIP_TAGS = ("a", "code", "pre")
_TAG_NAME_RE = re.compile(r"^</?([a-zA-Z0-9]+)")


def tag_key(raw: str) -> str:
    """The one normalised spelling of a tag: spaces folded as for skills, then case-folded."""
    return normalise_skill_name(raw).lstrip("#").casefold()


def mention_handle(email: str) -> str:
    """What autocomplete inserts after `@` for the person with this e-mail address."""
    local, _, domain = email.lower().partition("@")
    return local if domain == primary_domain() else email.lower()


def primary_domain() -> str:
    return settings.SIGNUP_EMAIL_DOMAINS[0].lower()


def handle_email(handle: str) -> str:
    """The e-mail address a handle stands for."""
    handle = handle.lower()
    return handle if "@" in handle else f"{handle}@{primary_domain()}"


def _clean_mention(raw: str) -> str:
    return raw.rstrip("._-%+")


def _clean_tag(raw: str) -> str | None:
    raw = raw.rstrip("-_")
    if not raw or raw.isdigit() or len(raw) > TAG_MAX_LENGTH:
        return None
    return raw


@dataclass
class Tokens:
    """Mentions (handles, lower-case, in order of appearance) and tags (key -> first spelling)."""

    handles: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


def _text_segments(html: str):
    """Yield (segment, is_linkable_text) for every piece of `html`."""
    depth = 0
    for piece in _HTML_TOKEN_RE.split(html):
        if not piece:
            continue
        if piece.startswith("<"):
            match = _TAG_NAME_RE.match(piece)
            name = match.group(1).lower() if match else ""
            if name in _SKIP_TAGS and not piece.endswith("/>"):
                depth += -1 if piece.startswith("</") else 1
                depth = max(depth, 0)
            yield piece, False
        else:
            yield piece, depth == 0


def find_tokens(html: str) -> Tokens:
    """The mentions and hashtags in the linkable text of sanitised HTML."""
    tokens = Tokens()
    for segment, linkable in _text_segments(html):
        if not linkable:
            continue
        for match in MENTION_RE.finditer(segment):
            handle = _clean_mention(match.group(1)).lower()
            if handle and handle not in tokens.handles and len(tokens.handles) < MAX_TOKENS:
                tokens.handles.append(handle)
        for match in TAG_RE.finditer(segment):
            raw = _clean_tag(match.group(1))
            if raw is None:
                continue
            key = tag_key(raw)
            if key not in tokens.tags and len(tokens.tags) < MAX_TOKENS:
                tokens.tags[key] = raw
    return tokens


@dataclass(frozen=True)
class MentionLink:
    url: str
    label: str  # the person's display name, shown after "@"


def link_tokens(html: str, *, mentions: dict[str, MentionLink], tags: dict[str, str]) -> str:
    """Replace resolved `@handle`s and `#tags` in the linkable text by links.

    `mentions` maps a lower-case handle to its link, `tags` a tag key to its URL. Anything not
    in the maps (unknown people, too many tokens) stays plain text.
    """

    def mention_sub(match: re.Match) -> str:
        raw = match.group(1)
        handle = _clean_mention(raw)
        link = mentions.get(handle.lower())
        if link is None:
            return match.group(0)
        rest = raw[len(handle) :]
        return f'<a href="{escape(link.url)}" title="@{escape(handle)}">@{escape(link.label)}</a>{rest}'

    def tag_sub(match: re.Match) -> str:
        raw = match.group(1)
        clean = _clean_tag(raw)
        url = tags.get(tag_key(clean)) if clean else None
        if url is None:
            return match.group(0)
        rest = raw[len(clean) :]
        return f'<a href="{escape(url)}">#{escape(clean)}</a>{rest}'

    def token_sub(match: re.Match) -> str:
        if match.group("mention") is not None:
            return mention_sub(MENTION_RE.match(match.group(0)))
        return tag_sub(TAG_RE.match(match.group(0)))

    out = []
    for segment, linkable in _text_segments(html):
        # One pass for both kinds, so a link made for one is never scanned for the other.
        out.append(_TOKEN_RE.sub(token_sub, segment) if linkable else segment)
    return "".join(out)
