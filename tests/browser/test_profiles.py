"""Profiles in a real browser: a new colleague fills in their profile and uploads a photo."""

from __future__ import annotations

import io
import re
import time

import pytest
from PIL import Image

from tests.browser.people import TIMEOUT_MS

pytestmark = pytest.mark.browser


def _photo(tmp_path) -> str:
    """A real JPEG with EXIF, as a phone camera writes it."""
    image = Image.new("RGB", (640, 480), (40, 120, 200))
    for x in range(0, 640, 40):
        for y in range(0, 480, 40):
            image.putpixel((x, y), (255, 255, 255))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    path = tmp_path / "me.jpg"
    path.write_bytes(out.getvalue())
    return str(path)


def test_new_colleague_fills_in_the_profile_and_uploads_a_photo(people, tmp_path):
    pat = people.new("Pat")
    stamp = int(time.time() * 1000)
    pat.sign_up(f"Pat Profile {stamp}", f"pat.profile.{stamp}@example.com")
    pat.accept_guidelines()

    pat.goto("/people/me/edit/")
    pat.page.set_input_files("#id_avatar", _photo(tmp_path))
    pat.page.fill("#id_pronouns", "they/them")
    pat.page.fill("#id_phone", "+44 20 7946 0000 ext 12")
    pat.page.fill("#id_bio", "I look after the **design system** and the component library.")
    pat.page.fill("#id_skills", "Figma, Accessibility")
    pat.page.fill("#id_ask_me_about", "Design tokens")
    pat.shoot("profiles-01-edit-filled")
    pat.submit()

    # Saved: the profile page shows the photo, the fields and the skills, each skill a link.
    assert re.search(r"/people/\d+/$", pat.page.url)
    pat.page.get_by_text("Your profile is saved.").wait_for(timeout=TIMEOUT_MS)
    photo = pat.page.locator(".profile-card img.avatar-lg")
    assert re.search(r"/people/\d+/avatar/large/\?v=\w+", photo.get_attribute("src"))
    pat.page.wait_for_function(
        "() => { const i = document.querySelector('.profile-card img.avatar-lg'); "
        "return i && i.complete && i.naturalWidth > 0; }",
        timeout=TIMEOUT_MS,
    )
    assert "they/them" in pat.page.locator(".profile-pronouns").inner_text()
    assert "design system" in pat.page.locator(".prose strong").inner_text()
    assert (
        pat.page.locator("a.chip", has_text="Accessibility").get_attribute("href")
        == "/people/?skill=accessibility"
    )
    # The top bar shows the same photo, small.
    assert "/avatar/small/" in pat.page.locator("details.usermenu summary img.avatar").get_attribute("src")
    pat.shoot("profiles-02-profile-with-photo")

    pat.goto("/people/?q=Accessibility")
    pat.page.locator(".person-card", has_text=f"Pat Profile {stamp}").wait_for(timeout=TIMEOUT_MS)
    pat.shoot("profiles-03-directory-search")
