"""The one image pipeline: allowed formats only, limits before decoding, metadata stripped."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from socialco.uploads import process_image

# The limits come from the site policy, read from the database on a cold cache.
pytestmark = pytest.mark.django_db


def _image_bytes(fmt="PNG", size=(64, 48), mode="RGB", **save_kwargs) -> bytes:
    out = io.BytesIO()
    colour = (200, 30, 30) if mode == "RGB" else 1
    Image.new(mode, size, colour).save(out, format=fmt, **save_kwargs)
    return out.getvalue()


def _upload(data: bytes, name="photo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_process_image_accepts_allowed_formats_and_reencodes(fmt):
    result = process_image(_upload(_image_bytes(fmt)), sizes={"large": 512, "small": 16})
    assert result["large"].width == 64
    assert max(result["small"].width, result["small"].height) == 16
    reopened = Image.open(io.BytesIO(result["large"].content.read()))
    assert reopened.format in ("JPEG", "PNG")


def test_process_image_refuses_svg_even_named_png():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'
    with pytest.raises(ValidationError) as exc:
        process_image(_upload(svg, name="avatar.png"), sizes={"large": 512})
    assert exc.value.code == "invalid_image"


def test_process_image_refuses_other_types_behind_an_image_name():
    with pytest.raises(ValidationError):
        process_image(
            _upload(b"%PDF-1.7 not an image", name="cv.jpg", content_type="image/jpeg"), sizes={"l": 9}
        )
    with pytest.raises(ValidationError):
        process_image(_upload(_image_bytes("BMP"), name="x.png"), sizes={"l": 9})


def test_process_image_refuses_oversized_files(set_site_policy):
    set_site_policy(upload_max_bytes=2000)
    big = _image_bytes("PNG", size=(400, 400), mode="RGB", compress_level=0)
    with pytest.raises(ValidationError) as exc:
        process_image(_upload(big), sizes={"large": 512})
    assert exc.value.code == "too_large"


def test_process_image_refuses_a_decompression_bomb_before_decoding(set_site_policy):
    set_site_policy(upload_max_megapixels=Decimal("1"))
    # 20000 x 20000 pixels of one colour compresses to a tiny PNG.
    bomb = _image_bytes("PNG", size=(20000, 20000), mode="1")
    assert len(bomb) < 200_000
    with pytest.raises(ValidationError) as exc:
        process_image(_upload(bomb), sizes={"large": 512})
    assert exc.value.code == "too_many_pixels"


def test_process_image_strips_exif_and_gps():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS IFD: latitude
    data = _image_bytes("JPEG", exif=exif.tobytes())
    assert b"SpyCam" in data
    result = process_image(_upload(data, name="p.jpg"), sizes={"large": 512})
    out = result["large"].content.read()
    assert b"SpyCam" not in out
    assert not Image.open(io.BytesIO(out)).getexif()


def test_upload_limits_follow_the_site_policy_at_once(set_site_policy):
    data = _image_bytes("PNG", size=(400, 400), mode="RGB", compress_level=0)
    set_site_policy(upload_max_bytes=len(data) - 1)
    with pytest.raises(ValidationError) as exc:
        process_image(_upload(data), sizes={"large": 512})
    assert exc.value.code == "too_large"
    set_site_policy(upload_max_bytes=len(data))
    assert process_image(_upload(data), sizes={"large": 512})["large"].width == 400
    set_site_policy(upload_max_megapixels=Decimal("0.1"))  # 400 x 400 = 0.16 MP
    with pytest.raises(ValidationError) as exc:
        process_image(_upload(data), sizes={"large": 512})
    assert exc.value.code == "too_many_pixels"


def test_explicit_limits_override_the_policy(set_site_policy):
    data = _image_bytes("PNG", size=(400, 400), mode="RGB", compress_level=0)
    set_site_policy(upload_max_bytes=2000)
    result = process_image(_upload(data), sizes={"large": 512}, max_bytes=len(data), max_pixels=200_000)
    assert result["large"].width == 400
