"""How a person appears anywhere on the site: avatar, linked name, "former employee" label.

Other apps use these for authors, members and participants:

    {% load people %}
    {% avatar post.author "sm" %} {% person_link post.author %}
    {% former_employee_badge message.sender %}
    {{ comment.author|is_former_employee }}

None of them queries the database: they read fields of the user object passed in
(select_related the user in your selector).
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()

LAZY_IMG = '<img class="{}" src="{}?v={}" alt="" loading="lazy" decoding="async">'
AVATAR_SIZES = {"sm": ("avatar-sm", "small"), "md": ("", "small"), "lg": ("avatar-lg", "large")}


def initials(name: str) -> str:
    parts = [p for p in (name or "").split() if p[:1].isalnum()]
    letters = "".join(p[0] for p in parts[:2]) if parts else (name or "?")[:1]
    return letters.upper()


@register.simple_tag
def avatar(person, size: str = "md") -> str:
    """The person's photo (through the login-checked view) or their initials."""
    css, stored = AVATAR_SIZES.get(size, AVATAR_SIZES["md"])
    classes = f"avatar {css}".strip()
    if person is None:
        return format_html('<span class="{}" aria-hidden="true">?</span>', classes)
    if person.avatar_small:
        url = reverse("profiles:avatar", kwargs={"person_id": person.pk, "size": stored})
        # The large photo is the page's main image: no lazy loading for it.
        html = '<img class="{}" src="{}?v={}" alt="">' if size == "lg" else LAZY_IMG
        return format_html(html, classes, url, person.avatar_version)
    return format_html('<span class="{}" aria-hidden="true">{}</span>', classes, initials(str(person)))


@register.filter
def is_former_employee(person) -> bool:
    return person is not None and not person.is_active


@register.simple_tag
def former_employee_badge(person) -> str:
    """A "Former employee" badge for a deactivated person, nothing otherwise."""
    if person is None or person.is_active:
        return ""
    return format_html('<span class="badge badge-former">{}</span>', _("Former employee"))


@register.inclusion_tag("profiles/includes/person_link.html")
def person_link(person) -> dict:
    """The person's name linking to their profile, labelled if they have left."""
    return {"person": person}
