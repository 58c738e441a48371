"""Markdown to safe HTML: markdown-it-py renders, nh3 sanitises against an explicit allowlist.

Render once when text is saved and store the HTML; never render on every page view.
Raw HTML in the source is not interpreted (it comes out escaped), and whatever markdown
produces is still passed through the allowlist: no script, no event handlers, no
`javascript:`/`data:` URLs, links get rel="nofollow noopener noreferrer".
"""

from __future__ import annotations

from functools import cache
from html import unescape

import nh3
from django.utils.html import strip_tags
from markdown_it import MarkdownIt

LINK_REL = "nofollow noopener noreferrer"
URL_SCHEMES = frozenset({"http", "https", "mailto"})

FULL_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
        "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
# Chat and comments: inline formatting, lists, quotes and code; no headings or tables.
COMPACT_TAGS = frozenset(
    {"p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
)
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


@cache
def _parser(compact: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "typographer": False})
    md.enable(["strikethrough"])
    if compact:
        md.disable(["heading", "lheading", "image"])
    else:
        md.enable(["table"])
        md.disable(["image"])
    return md


def sanitise_html(html: str, *, compact: bool = False) -> str:
    """Keep only allowlisted tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=set(COMPACT_TAGS if compact else FULL_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(attrs) for tag, attrs in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str, *, compact: bool = False) -> str:
    """Safe HTML for `text`. `compact` is the subset for chat messages and comments.

    A level-1 heading is rendered as <h2> so user content never competes with the page title.
    """
    html = _parser(compact).render(text or "")
    if not compact:
        html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitise_html(html, compact=compact)


def html_to_text(html: str) -> str:
    """The text a reader sees of (sanitised) HTML, on one line: tags dropped, entities decoded,
    whitespace collapsed. For previews, excerpts and notification quotes; escape it on output."""
    return " ".join(unescape(strip_tags(html or "")).split())


def markdown_to_text(text: str, *, compact: bool = False) -> str:
    """The plain text of `text` as rendered (`**Python**` -> `Python`), on one line."""
    return html_to_text(render_markdown(text, compact=compact))
