"""Mention and hashtag parsing: where they are found, how they are normalised and linked."""

import pytest

from feed.parsing import MentionLink, find_tokens, handle_email, link_tokens, mention_handle, tag_key
from profiles.models import normalise_skill_name
from socialco.markdown import render_markdown


def _tokens(text: str, compact: bool = False):
    return find_tokens(render_markdown(text, compact=compact))


@pytest.mark.parametrize(
    ("text", "handles"),
    [
        ("Thanks @ana.silva!", ["ana.silva"]),
        ("Thanks @ana.silva.", ["ana.silva"]),
        ("(@ben) and @ben again", ["ben"]),
        ("cc @Ana.Silva", ["ana.silva"]),
        ("write to bob@example.com", []),
        ("partner @lee@partner.example, hi", ["lee@partner.example"]),
        ("`@ana.silva` in code", []),
        ("```\n@ana.silva\n```", []),
        ("[@ana.silva](https://x.test)", []),
        ("@", []),
    ],
)
def test_find_tokens_mentions(text, handles):
    assert _tokens(text).handles == handles


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("#Python and #python", {"python": "Python"}),
        ("#dev-ops- done", {"dev-ops": "dev-ops"}),
        ("issue #1 and #42", {}),
        ("#Ünïcode", {"ünïcode": "Ünïcode"}),
        ("see https://x.test/page#section", {}),
        ("C#Dev or a#b", {}),
        ("`#code` and\n\n```\n#block\n```", {}),
        ("[#linked](https://x.test)", {}),
        ("# Heading is not a tag", {}),
        ("Tom &amp; #Jerry", {"jerry": "Jerry"}),
        ("#" + "a" * 51, {}),
    ],
)
def test_find_tokens_tags(text, tags):
    assert _tokens(text).tags == tags


def test_tag_key_shares_the_skill_normalisation():
    assert tag_key("  Machine   Learning ") == normalise_skill_name("  Machine   Learning ").casefold()
    assert tag_key("#PYTHON") == tag_key("python") == "python"


def test_mention_handle_round_trips_for_main_and_other_domains(settings):
    settings.SIGNUP_EMAIL_DOMAINS = ["example.com", "partner.example"]
    assert mention_handle("Ana.Silva@Example.com") == "ana.silva"
    assert handle_email("ana.silva") == "ana.silva@example.com"
    assert mention_handle("lee@partner.example") == "lee@partner.example"
    assert handle_email("lee@partner.example") == "lee@partner.example"


def test_link_tokens_links_only_known_names_and_escapes_labels():
    html = render_markdown("Hi @ana and @ghost, see #python and #unknown.")
    linked = link_tokens(
        html,
        mentions={"ana": MentionLink(url="/feed/u/1/", label='<b>"Ana"</b>')},
        tags={"python": "/feed/tags/python/"},
    )
    assert '<a href="/feed/u/1/" title="@ana">@&lt;b&gt;&quot;Ana&quot;&lt;/b&gt;</a>' in linked
    assert "@ghost" in linked
    assert "/ghost" not in linked
    assert '<a href="/feed/tags/python/">#python</a>' in linked
    assert "#unknown" in linked
    assert "tags/unknown" not in linked
