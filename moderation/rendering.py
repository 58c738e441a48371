"""Guideline bodies to HTML with an anchor per section (kept apart so migrations can use it)."""

from __future__ import annotations

import html as html_lib
import re

from django.utils.html import strip_tags
from django.utils.text import slugify

from socialco.markdown import render_markdown

_HEADING = re.compile(r"<h2>(.*?)</h2>", re.DOTALL)


def render_guidelines(body: str) -> tuple[str, list[dict[str, str]]]:
    """Safe HTML for a guidelines body, with an id on each "## " section, and the section list.

    The ids are our own slugs, added after sanitising, so they cannot carry markup.
    """
    html = render_markdown(body)
    sections: list[dict[str, str]] = []
    used: set[str] = set()

    def anchor(match: re.Match) -> str:
        title = html_lib.unescape(strip_tags(match.group(1))).strip()
        key = slugify(title) or "section"
        base, n = key, 1
        while key in used:
            n += 1
            key = f"{base}-{n}"
        used.add(key)
        sections.append({"key": key, "title": title})
        return f'<h2 id="{key}">{match.group(1)}</h2>'

    return _HEADING.sub(anchor, html), sections
