"""The shared markdown renderer against a corpus of XSS payloads."""

from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest

from socialco.markdown import FULL_TAGS, render_markdown

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle r=1></svg>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.test></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "**bold <b onmouseover=alert(1)>x</b>**",
    "```\n</code><script>alert(1)</script>\n```",
    "[x](<javascript:alert(1)>)",
    "![x](javascript:alert(1))",
    "<<script>script>alert(1)<</script>/script>",
    "[a](https://ok.test 'title\" onmouseover=\"alert(1)')",
]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


@pytest.mark.parametrize("payload", XSS_CORPUS)
@pytest.mark.parametrize("compact", [False, True])
def test_render_markdown_neutralises_xss(payload, compact):
    collector = _Collector()
    collector.feed(render_markdown(payload, compact=compact))
    for tag, attrs in collector.tags:
        assert tag in FULL_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name in {"href", "title", "rel", "align"}, (tag, name)
            if name == "href":
                scheme = urlparse(value or "").scheme.lower()
                assert scheme in {"", "http", "https", "mailto"}, value


def test_render_markdown_keeps_formatting_and_marks_links():
    html = render_markdown("# Title\n\n**bold** _it_ ~~gone~~ `code` [site](https://intranet.test/x)")
    assert "<h2>Title</h2>" in html
    assert "<strong>bold</strong>" in html
    assert "<em>it</em>" in html
    assert "<s>gone</s>" in html
    assert "<code>code</code>" in html
    assert '<a href="https://intranet.test/x" rel="nofollow noopener noreferrer">site</a>' in html


def test_compact_markdown_has_no_headings_or_tables():
    html = render_markdown("# Title\n\n| a |\n|---|\n| 1 |", compact=True)
    assert "<h" not in html
    assert "<table" not in html


def test_markdown_to_text_is_the_rendered_text_on_one_line():
    from socialco.markdown import markdown_to_text

    assert markdown_to_text("**Python** &amp; <b>x</b>\n\n- one\n- two") == "Python & <b>x</b> one two"
