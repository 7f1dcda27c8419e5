"""Listing images (logo and banners): checked for type, size and dimensions.

The checks read the image header with Pillow before anything is stored; a file whose
content is not a PNG, JPEG or WebP image is refused whatever its name says. SVG is not
accepted: it can carry script.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from PIL import Image, UnidentifiedImageError

from apps.core.errors import ValidationFailed

FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


@dataclass(frozen=True)
class ImageRule:
    label: str
    max_bytes: int
    min_size: tuple[int, int]
    max_size: tuple[int, int]
    # Width divided by height, inclusive bounds.
    min_ratio: float
    max_ratio: float

    def describe(self) -> str:
        return (
            f"PNG, JPEG or WebP, at most {self.max_bytes // 1024:,} KB, from "
            f"{self.min_size[0]}x{self.min_size[1]} to {self.max_size[0]}x{self.max_size[1]} "
            "pixels"
            + (", square" if self.min_ratio == self.max_ratio == 1 else ", about 2:1 (wide)")
        )


LOGO = ImageRule("logo", 1024 * 1024, (128, 128), (2048, 2048), 1.0, 1.0)
BANNER = ImageRule("banner", 2 * 1024 * 1024, (1200, 600), (3840, 1920), 1.6, 2.4)
MAX_BANNERS = 5


def image_check(upload: IO[bytes], *, rule: ImageRule, field: str) -> str:
    """Check an uploaded image against ``rule``; return the file extension of its real
    format. Raises ``ValidationFailed`` naming ``field`` with what to change."""

    def refuse(problem: str) -> ValidationFailed:
        return ValidationFailed(
            f"The {rule.label} is not accepted: {problem}",
            fields={field: [f"{problem} Use {rule.describe()}."]},
        )

    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > rule.max_bytes:
        raise refuse(f"the file is {size:,} bytes.")
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            fmt = image.format or ""
            width, height = image.size
            if fmt not in FORMATS:
                raise refuse(f"the file is {fmt or 'an unknown format'}, not an accepted image.")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refuse("the file is not a readable image.") from None
    finally:
        upload.seek(0)
    if width < rule.min_size[0] or height < rule.min_size[1]:
        raise refuse(f"it is {width}x{height} pixels, which is too small.")
    if width > rule.max_size[0] or height > rule.max_size[1]:
        raise refuse(f"it is {width}x{height} pixels, which is too large.")
    ratio = width / height
    if not rule.min_ratio - 0.001 <= ratio <= rule.max_ratio + 0.001:
        shape = "square" if rule.min_ratio == rule.max_ratio == 1 else "about twice as wide as high"
        raise refuse(f"it is {width}x{height} pixels; it must be {shape}.")
    return FORMATS[fmt]
