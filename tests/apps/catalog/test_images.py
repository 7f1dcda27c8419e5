"""Listing image checks: the real format (not the name), the size in bytes, the
dimensions and the shape, each refusal naming the field and what to use instead."""

import io
import struct
import zlib

import pytest

from apps.catalog.images import BANNER, LOGO, image_check
from apps.core.errors import ValidationFailed
from tests.factories.catalog import banner_file, image_file, logo_file

LOGO_HINT = "Use PNG, JPEG or WebP, at most 1,024 KB, from 128x128 to 2048x2048 pixels, square."
BANNER_HINT = (
    "Use PNG, JPEG or WebP, at most 2,048 KB, from 1200x600 to 3840x1920 pixels, about 2:1 (wide)."
)


def named(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def refusal(upload, rule=LOGO, field="logo") -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        image_check(upload, rule=rule, field=field)
    error = caught.value
    assert list(error.fields) == [field]
    assert len(error.fields[field]) == 1
    return error


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb)."""
    raw = logo_file().getvalue()
    ihdr = struct.pack(">II", width, height) + raw[24:29]
    chunk = b"IHDR" + ihdr
    return raw[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + raw[33:]


class TestAccepted:
    @pytest.mark.parametrize(("fmt", "ext"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
    def test_each_accepted_format_gives_its_extension(self, fmt, ext):
        assert image_check(logo_file(fmt), rule=LOGO, field="logo") == ext
        assert image_check(banner_file(fmt), rule=BANNER, field="banner") == ext

    def test_the_content_decides_the_format_not_the_name(self):
        upload = image_file(256, 256, "JPEG", name="logo.png")
        assert image_check(upload, rule=LOGO, field="logo") == "jpg"

    def test_the_upload_is_rewound_for_storing(self):
        upload = logo_file()
        image_check(upload, rule=LOGO, field="logo")
        assert upload.tell() == 0

    def test_a_file_without_a_size_attribute_is_measured(self):
        upload = named(logo_file().getvalue(), "logo.png")
        assert image_check(upload, rule=LOGO, field="logo") == "png"

    @pytest.mark.parametrize(("width", "height"), [(128, 128), (2048, 2048)])
    def test_logo_bounds_are_inclusive(self, width, height):
        assert image_check(image_file(width, height), rule=LOGO, field="logo") == "png"

    @pytest.mark.parametrize(("width", "height"), [(1200, 600), (1600, 1000), (1440, 600)])
    def test_banner_shapes_from_1_6_to_2_4_are_accepted(self, width, height):
        assert image_check(image_file(width, height), rule=BANNER, field="banner") == "png"


class TestType:
    def test_a_gif_is_refused(self):
        error = refusal(image_file(256, 256, "GIF"))
        assert error.message == "The logo is not accepted: the file is GIF, not an accepted image."
        assert error.fields["logo"] == [f"the file is GIF, not an accepted image. {LOGO_HINT}"]

    def test_a_text_file_named_png_is_refused(self):
        error = refusal(named(b"just some text, honestly\n" * 10, "logo.png"))
        assert error.fields["logo"] == [f"the file is not a readable image. {LOGO_HINT}"]

    def test_an_svg_is_refused(self):
        svg = (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">'
            b"<script>alert(1)</script><rect width='256' height='256'/></svg>"
        )
        error = refusal(named(svg, "logo.svg"))
        assert error.fields["logo"] == [f"the file is not a readable image. {LOGO_HINT}"]

    def test_a_truncated_png_is_refused(self):
        data = logo_file().getvalue()
        error = refusal(named(data[:40], "logo.png"))
        assert error.fields["logo"] == [f"the file is not a readable image. {LOGO_HINT}"]

    def test_a_decompression_bomb_is_refused_from_its_header(self):
        error = refusal(named(huge_png_header(60_000, 60_000), "logo.png"))
        assert error.fields["logo"] == [f"the file is not a readable image. {LOGO_HINT}"]

    def test_the_field_name_is_the_callers(self):
        error = refusal(image_file(1600, 800, "GIF"), rule=BANNER, field="banner")
        assert error.fields["banner"] == [f"the file is GIF, not an accepted image. {BANNER_HINT}"]


class TestSize:
    def test_too_many_bytes_is_refused_before_reading(self):
        data = logo_file().getvalue()
        upload = named(data + b"\0" * (1024 * 1024 + 1 - len(data)), "logo.png")
        error = refusal(upload)
        assert error.fields["logo"] == [f"the file is 1,048,577 bytes. {LOGO_HINT}"]

    def test_the_declared_size_counts(self):
        upload = logo_file()
        upload.size = 3 * 1024 * 1024
        error = refusal(upload, rule=BANNER, field="banner")
        assert error.fields["banner"] == [f"the file is 3,145,728 bytes. {BANNER_HINT}"]


class TestDimensions:
    def test_too_small(self):
        error = refusal(image_file(64, 64))
        assert error.fields["logo"] == [f"it is 64x64 pixels, which is too small. {LOGO_HINT}"]

    def test_too_large(self):
        error = refusal(image_file(2049, 2049))
        assert error.fields["logo"] == [f"it is 2049x2049 pixels, which is too large. {LOGO_HINT}"]

    def test_a_logo_must_be_square(self):
        error = refusal(image_file(300, 200))
        assert error.fields["logo"] == [f"it is 300x200 pixels; it must be square. {LOGO_HINT}"]

    @pytest.mark.parametrize(("width", "height"), [(1200, 1200), (3000, 1200)])
    def test_a_banner_must_be_about_twice_as_wide_as_high(self, width, height):
        error = refusal(image_file(width, height), rule=BANNER, field="banner")
        assert error.fields["banner"] == [
            f"it is {width}x{height} pixels; it must be about twice as wide as high. {BANNER_HINT}"
        ]

    def test_a_banner_too_small(self):
        error = refusal(image_file(1000, 500), rule=BANNER, field="banner")
        assert error.fields["banner"] == [
            f"it is 1000x500 pixels, which is too small. {BANNER_HINT}"
        ]
