"""Checks on uploaded course files, made on their content, never their name.

A file called `notes.pdf` that is really an executable is refused; a cover
image is decoded and re-encoded, which also drops anything hidden in it.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import PurePath
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from karma.courses.exceptions import CourseError
from karma.lib.public_ids import new_public_id

COVER_SIZE = (1280, 720)
# Refuse images that would decode to more pixels than this (decompression
# bombs); a 1280×720 cover never needs more.
MAX_COVER_PIXELS = 40_000_000

_VIDEO_SIGNATURES = [
    # (offset, bytes, extension)
    (4, b"ftyp", "mp4"),
    (0, b"\x1a\x45\xdf\xa3", "webm"),
    (0, b"OggS", "ogv"),
]


class UploadError(CourseError):
    def __init__(self, message: str, *, field: str = "file") -> None:
        super().__init__(message, field=field)


def _head(upload: UploadedFile, size: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _check_size(upload: UploadedFile, limit_mb: int, field: str) -> None:
    if upload.size is None or upload.size == 0:
        raise UploadError("The file is empty.", field=field)
    if upload.size > limit_mb * 1024 * 1024:
        raise UploadError(f"The file is larger than {limit_mb} MB.", field=field)


def check_document(upload: UploadedFile) -> str:
    """Return "pdf" for a PDF document, or raise UploadError."""
    _check_size(upload, settings.KARMA_DOCUMENT_MAX_MB, "file")
    if not _head(upload, 5).startswith(b"%PDF-"):
        raise UploadError("Upload a PDF document (this file is not a PDF).")
    return "pdf"


def check_video(upload: UploadedFile) -> str:
    """Return the extension of an MP4, WebM or Ogg video, or raise UploadError."""
    _check_size(upload, settings.KARMA_VIDEO_MAX_MB, "file")
    head = _head(upload)
    for offset, signature, extension in _VIDEO_SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return extension
    raise UploadError("Upload an MP4, WebM or Ogg video (this file is not one).")


def check_video_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UploadError(
            "Give a web address starting with http:// or https://.", field="video_url"
        )
    if len(url) > 500:
        raise UploadError(
            "Use a shorter link (500 characters at most).", field="video_url"
        )
    return url


def prepare_cover(upload: UploadedFile) -> ContentFile:
    """Return the cover as a JPEG no larger than COVER_SIZE, or raise."""
    _check_size(upload, settings.KARMA_COVER_MAX_MB, "cover")
    too_large = f"The image has too many pixels (at most {MAX_COVER_PIXELS:,})."
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.width * image.height > MAX_COVER_PIXELS:
                raise UploadError(too_large, field="cover")
            image.load()
            # Phones store photos sideways with a note to turn them.
            image = _on_white(ImageOps.exif_transpose(image))
            image.thumbnail(COVER_SIZE)
            output = io.BytesIO()
            image.save(output, format="JPEG", quality=85, optimize=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # Pillow's own guard, for images far past ours; the warning is an
        # error only where warnings are made errors (the test suite).
        raise UploadError(too_large, field="cover") from error
    except (UnidentifiedImageError, OSError) as error:
        raise UploadError(
            "Upload a JPEG, PNG, GIF or WebP image (this file is not one).",
            field="cover",
        ) from error
    return ContentFile(output.getvalue())


def _on_white(image: Image.Image) -> Image.Image:
    """Return `image` in RGB, transparent parts white (JPEG has no alpha,
    and a plain conversion turns them black)."""
    if image.mode in ("RGBA", "LA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def cover_name() -> str:
    return f"{new_public_id('img')}.jpg"


def stored_name(extension: str) -> str:
    # Stored under a random name: the person's file name never reaches the
    # file system, only the page that lists it.
    return f"{new_public_id('fil')}.{extension}"


def display_name(name: str) -> str:
    base = PurePath(name or "file").name.replace("\\", "/").split("/")[-1]
    # Control and format characters never belong in a name shown to people
    # or sent in a header; a right-to-left override could even make an .exe
    # name read as a .pdf.
    base = " ".join(base.split())
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    return base.strip()[:255] or "file"
