"""Image uploads: decoded and re-encoded by Pillow, never trusted by name or content type.

`process_image` is the one entry point for avatars, group covers and post images:
- only JPEG, PNG, WebP and GIF (first frame) are opened; SVG and anything else is refused;
- files over the byte limit are refused before reading, images over the pixel limit before
  decoding (Pillow reads the size from the header), so a decompression bomb never expands;
  both limits come from the site policy (changed live in admin) unless the caller passes its own;
- EXIF/GPS and every other metadata block is dropped by re-encoding from the pixels;
- the EXIF orientation is applied first, so photos stay upright without their metadata.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from socialco.policy import get_policy

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


@dataclass(frozen=True)
class ProcessedImage:
    content: ContentFile
    width: int
    height: int
    format: str  # "JPEG" or "PNG"
    extension: str  # ".jpg" or ".png"


def _limits(max_bytes: int | None, max_pixels: int | None) -> tuple[int, int]:
    """Explicit limits win; otherwise the site policy's current ones (admins change them live)."""
    if max_bytes and max_pixels:
        return max_bytes, max_pixels
    policy = get_policy()
    return (max_bytes or policy.upload_max_bytes, max_pixels or policy.upload_max_pixels)


def open_checked_image(upload, *, max_bytes: int | None = None, max_pixels: int | None = None) -> Image.Image:
    """Open an upload as an image after every refusal rule; raise ValidationError with a clear message."""
    max_bytes, max_pixels = _limits(max_bytes, max_pixels)
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("The image is %(size).1f MB; the limit is %(limit).1f MB."),
            code="too_large",
            params={"size": size / 1_000_000, "limit": max_bytes / 1_000_000},
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("The image is larger than the %(limit).1f MB limit."),
            code="too_large",
            params={"limit": max_bytes / 1_000_000},
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The image has too many pixels; the limit is %(limit).1f megapixels."),
            code="too_many_pixels",
            params={"limit": max_pixels / 1_000_000},
        ) from None
    except (UnidentifiedImageError, OSError):
        raise ValidationError(
            _("This file is not a JPEG, PNG, WebP or GIF image."), code="invalid_image"
        ) from None
    width, height = image.size
    if width * height > max_pixels:
        raise ValidationError(
            _("The image is %(pixels).1f megapixels; the limit is %(limit).1f."),
            code="too_many_pixels",
            params={"pixels": width * height / 1_000_000, "limit": max_pixels / 1_000_000},
        )
    try:
        image.load()  # full decode only now that the size is known to be acceptable
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("The image file is damaged or incomplete."), code="invalid_image") from None
    return image


def reencode(image: Image.Image, *, max_side: int | None = None) -> ProcessedImage:
    """Fresh pixels in a fresh file: JPEG for opaque images, PNG where transparency matters."""
    if getattr(image, "is_animated", False):
        image.seek(0)
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits instead of clipping everything above 255 to white.
        image = image.point(lambda value: value / 256).convert("L")
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    if max_side and max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        fmt, ext = "PNG", ".png"
    else:
        clean.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
        fmt, ext = "JPEG", ".jpg"
    return ProcessedImage(
        content=ContentFile(out.getvalue()), width=clean.width, height=clean.height, format=fmt, extension=ext
    )


def process_image(
    upload,
    *,
    sizes: dict[str, int],
    max_bytes: int | None = None,
    max_pixels: int | None = None,
) -> dict[str, ProcessedImage]:
    """Check `upload` and re-encode it once per named size (longest side in pixels).

    Example: process_image(f, sizes={"large": 512, "small": 96}). Raises ValidationError.
    """
    image = open_checked_image(upload, max_bytes=max_bytes, max_pixels=max_pixels)
    return {name: reencode(image.copy(), max_side=side) for name, side in sizes.items()}
