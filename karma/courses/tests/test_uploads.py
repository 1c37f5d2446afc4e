"""Upload checks: sizes and types decided by content, covers re-encoded."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from karma.courses import uploads
from karma.courses.tests.sample_files import (
    EXE_BYTES,
    MP4_BYTES,
    PDF_BYTES,
    WEBM_BYTES,
    image_bytes,
    mp4,
    pdf,
    png,
    upload,
)
from karma.courses.uploads import UploadError

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def small_limits(settings):
    settings.KARMA_COVER_MAX_MB = 1
    settings.KARMA_DOCUMENT_MAX_MB = 1
    settings.KARMA_VIDEO_MAX_MB = 1
    return settings


def _padded(content: bytes, size: int) -> bytes:
    return content + b"\x00" * (size - len(content))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size without the pixel data to fill it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


def _decoded(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


# --- Sizes -------------------------------------------------------------------


def test_refuses_an_oversize_cover_naming_the_limit(small_limits):
    big = upload("cover.png", _padded(image_bytes(), MB + 1), "image/png")

    with pytest.raises(UploadError, match="larger than 1 MB") as refused:
        uploads.prepare_cover(big)

    assert refused.value.field == "cover"


def test_refuses_an_oversize_document_naming_the_limit(small_limits):
    with pytest.raises(UploadError, match="larger than 1 MB") as refused:
        uploads.check_document(pdf(content=_padded(PDF_BYTES, MB + 1)))

    assert refused.value.field == "file"


def test_refuses_an_oversize_video_naming_the_limit(small_limits):
    with pytest.raises(UploadError, match="larger than 1 MB"):
        uploads.check_video(mp4(content=_padded(MP4_BYTES, MB + 1)))


def test_accepts_a_file_exactly_at_the_limit(small_limits):
    assert uploads.check_document(pdf(content=_padded(PDF_BYTES, MB))) == "pdf"


@pytest.mark.parametrize(
    "check", [uploads.check_document, uploads.check_video, uploads.prepare_cover]
)
def test_refuses_an_empty_file(check):
    with pytest.raises(UploadError, match="empty"):
        check(upload("empty.pdf", b""))


# --- Types, by content -------------------------------------------------------


def test_refuses_a_png_named_pdf_as_a_document():
    with pytest.raises(UploadError, match="not a PDF"):
        uploads.check_document(upload("notes.pdf", image_bytes(), "application/pdf"))


def test_accepts_a_pdf_whatever_its_name():
    assert uploads.check_document(upload("notes.bin", PDF_BYTES)) == "pdf"


def test_refuses_an_executable_named_mp4():
    with pytest.raises(UploadError, match="MP4, WebM or Ogg"):
        uploads.check_video(upload("video.mp4", EXE_BYTES, "video/mp4"))


@pytest.mark.parametrize(
    ("content", "extension"),
    [(MP4_BYTES, "mp4"), (WEBM_BYTES, "webm"), (b"OggS\x00\x02" + b"\x00" * 40, "ogv")],
)
def test_recognises_videos_by_their_signature(content, extension):
    assert uploads.check_video(upload("clip.bin", content)) == extension


def test_accepts_a_png_named_jpg_as_a_cover():
    cover = uploads.prepare_cover(upload("photo.jpg", image_bytes(), "image/jpeg"))

    assert _decoded(cover.read()).format == "JPEG"


def test_refuses_a_pdf_as_a_cover():
    with pytest.raises(UploadError, match="JPEG, PNG, GIF or WebP") as refused:
        uploads.prepare_cover(upload("cover.png", PDF_BYTES, "image/png"))

    assert refused.value.field == "cover"


@pytest.mark.parametrize("size", [(8000, 6000), (20000, 20000)])
def test_refuses_an_image_with_too_many_pixels(size):
    huge = upload("huge.png", _png_header_only(*size), "image/png")

    with pytest.raises(UploadError, match="too many pixels") as refused:
        uploads.prepare_cover(huge)

    assert refused.value.field == "cover"


def test_refuses_a_truncated_image():
    broken = image_bytes((400, 300), "JPEG")[:200]

    with pytest.raises(UploadError):
        uploads.prepare_cover(upload("broken.jpg", broken))


@pytest.mark.parametrize(
    ("vendor", "expected"),
    [
        ("http://video.example/watch?v=1", "http://video.example/watch?v=1"),
        ("https://video.example/v/1", "https://video.example/v/1"),
    ],
)
def test_accepts_web_video_links(vendor, expected):
    assert uploads.check_video_url(vendor) == expected


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,hi", "https://", "/local/path"]
)
def test_refuses_links_that_are_not_web_addresses(link):
    with pytest.raises(UploadError) as refused:
        uploads.check_video_url(link)

    assert refused.value.field == "video_url"


# --- The cover ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"),
    [((3000, 1000), (1280, 427)), ((1000, 3000), (240, 720)), ((640, 360), (640, 360))],
)
def test_resizes_the_cover_to_fit_1280_by_720(size, expected):
    cover = uploads.prepare_cover(png(size=size))

    image = _decoded(cover.read())
    assert image.format == "JPEG"
    assert image.size == expected


def test_turns_transparent_parts_of_a_cover_white():
    transparent = image_bytes((20, 20), mode="RGBA", color=(255, 0, 0, 0))

    cover = uploads.prepare_cover(upload("logo.png", transparent))

    red, green, blue = _decoded(cover.read()).getpixel((10, 10))
    assert min(red, green, blue) > 240


def test_turns_a_sideways_phone_photo_upright():
    photo = Image.new("RGB", (60, 20), "navy")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view.
    output = io.BytesIO()
    photo.save(output, format="JPEG", exif=exif)

    cover = uploads.prepare_cover(upload("phone.jpg", output.getvalue()))

    assert _decoded(cover.read()).size == (20, 60)


def test_stores_the_cover_with_a_new_name_never_the_uploaders():
    assert uploads.cover_name().endswith(".jpg")
    assert uploads.cover_name() != uploads.cover_name()


# --- Names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\notes.pdf", "notes.pdf"),
        ("line\r\nbreak.pdf", "line break.pdf"),
        ("cod\u202egpj.exe", "codgpj.exe"),
        ("nul\x00byte.pdf", "nulbyte.pdf"),
        ("", "file"),
        ("Résumé final.pdf", "Résumé final.pdf"),
    ],
)
def test_display_names_keep_only_a_safe_base_name(given, shown):
    assert uploads.display_name(given) == shown


def test_stored_names_come_from_the_checked_type():
    name = uploads.stored_name("pdf")

    assert name.endswith(".pdf")
    assert "/" not in name
