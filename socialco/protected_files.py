"""Serving uploaded files only after the caller's permission check.

Views check that the viewer may see the item, then call `serve_protected_file`. With the
embedded default Django streams the file; behind nginx (MEDIA_ACCEL_REDIRECT_PREFIX set) the
response is empty and nginx sends the file from an internal location via X-Accel-Redirect.
A re-encoded image is shown inline; anything else is sent as an attachment.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

INLINE_IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})


def serve_protected_file(
    request: HttpRequest, name: str, *, download_name: str | None = None
) -> HttpResponse:
    """Send the stored file `name` (a storage path). Raise Http404 if it is missing.

    The caller must already have checked permission; a file the viewer may not see must be
    answered with Http404 before calling this.
    """
    if not name or ".." in PurePosixPath(name).parts or not default_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    inline = content_type in INLINE_IMAGE_TYPES
    filename = download_name or PurePosixPath(name).name
    if settings.MEDIA_ACCEL_REDIRECT_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT_PREFIX.rstrip("/") + "/" + quote(name)
    else:
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["X-Content-Type-Options"] = "nosniff"
    # Private: the permission check must run again for every viewer.
    response["Cache-Control"] = "private, max-age=3600"
    return response
