import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404
from django.test import RequestFactory

from socialco.protected_files import serve_protected_file


def test_serves_stored_image_inline_privately():
    name = default_storage.save("avatars/a.png", ContentFile(b"\x89PNG fake"))
    response = serve_protected_file(RequestFactory().get("/"), name)
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert b"".join(response.streaming_content) == b"\x89PNG fake"


def test_non_images_are_attachments():
    name = default_storage.save("files/page.html", ContentFile(b"<script>alert(1)</script>"))
    response = serve_protected_file(RequestFactory().get("/"), name)
    assert response["Content-Disposition"].startswith("attachment")


def test_hands_over_to_nginx_when_configured(settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    name = default_storage.save("avatars/b.jpg", ContentFile(b"jpeg"))
    response = serve_protected_file(RequestFactory().get("/"), name)
    assert response["X-Accel-Redirect"] == f"/protected-media/{name}"
    assert response.content == b""


def test_download_names_cannot_inject_header_parameters():
    name = default_storage.save("files/report.pdf", ContentFile(b"%PDF"))
    response = serve_protected_file(
        RequestFactory().get("/"), name, download_name="x\"; filename*=UTF-8''evil.html"
    )
    header = response["Content-Disposition"]
    assert header.startswith("attachment")
    assert header.count("filename*=") <= 1
    unicode = serve_protected_file(RequestFactory().get("/"), name, download_name="Résumé.pdf")
    assert "=?utf-8?" not in unicode["Content-Disposition"]


@pytest.mark.parametrize("name", ["", "missing.png", "../settings.py", "avatars/../../etc/passwd"])
def test_missing_or_traversal_is_404(name):
    with pytest.raises(Http404):
        serve_protected_file(RequestFactory().get("/"), name)
