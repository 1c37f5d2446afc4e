"""Course files, served only after a permission check.

Covers and lesson files sit under MEDIA_ROOT but are never served from
MEDIA_URL: each download asks `can_see_course` first, so a draft's files
stay private and taking a course back to draft hides them at once. Videos
need byte ranges to seek, so a single Range is answered with 206.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from karma.courses.permissions import can_open_lessons
from karma.courses.selectors import (
    get_course_for_viewer_or_404,
    get_lesson_in_course_or_404,
)

# Stored names end in the extension the content check found, never the
# uploader's, so the type below is the type of the content.
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "pdf": "application/pdf",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "ogv": "video/ogg",
}

# Lesson pages may show a PDF or video in a frame of their own origin; the
# file itself runs nothing.
# The file is never HTML (nosniff holds the browser to its type), so the
# policy only lets the browser's own image, video and PDF viewers work when
# the file is opened by itself.
FILE_POLICY = (
    "default-src 'none'; img-src 'self'; media-src 'self'; "
    "style-src 'unsafe-inline'; frame-ancestors 'self'"
)

# Twenty digits reach past any real file size; longer numbers are refused
# before Python has to parse them.
_BYTE_RANGE = re.compile(r"\s*(\d{0,20})\s*-\s*(\d{0,20})\s*")


class RangeNotSatisfiable(Exception):
    """The Range header names no byte of the file."""


@login_required
@require_safe
@xframe_options_sameorigin
def course_cover(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_viewer_or_404(request.user, public_id)
    if not course.cover:
        raise Http404("This course has no cover")
    return _serve(request, course.cover, display_name="cover.jpg")


@login_required
@require_safe
@xframe_options_sameorigin
def lesson_file(request: HttpRequest, public_id: str, lesson_id: str) -> HttpResponse:
    course = get_course_for_viewer_or_404(request.user, public_id)
    if not can_open_lessons(request.user, course):
        # Enrolling is how a learner gets the lessons; 404, since a lesson
        # file's address is nothing an outsider should learn about.
        raise Http404("No such file")
    lesson = get_lesson_in_course_or_404(course, lesson_id)
    if not lesson.file:
        raise Http404("This lesson has no file")
    return _serve(request, lesson.file, display_name=lesson.file_name or "file")


def _serve(request: HttpRequest, stored: FieldFile, *, display_name: str):
    content_type = CONTENT_TYPES.get(PurePath(stored.name).suffix.lstrip("."))
    if content_type is None:
        raise Http404("Unknown kind of file")
    try:
        size = stored.storage.size(stored.name)
        handle = stored.storage.open(stored.name, "rb")
    except OSError as error:
        raise Http404("The file is missing") from error

    try:
        byte_range = parse_range(request.headers.get("Range", ""), size)
    except RangeNotSatisfiable:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _protect(response)

    if byte_range is None:
        response = FileResponse(
            handle, content_type=content_type, filename=display_name
        )
    else:
        first, last = byte_range
        handle.seek(first)
        response = FileResponse(
            _Slice(handle, last - first + 1),
            content_type=content_type,
            filename=display_name,
            status=206,
        )
        response["Content-Length"] = str(last - first + 1)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    return _protect(response)


def _protect(response: HttpResponse) -> HttpResponse:
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    # Kept by the browser but checked each time: access ends with the
    # course's publication, not with a cache lifetime.
    response["Cache-Control"] = "private, no-cache"
    return response


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Return the first and last byte of a single-range `Range` header.

    None means "send the whole file": no header, another unit, or several
    ranges (which HTTP lets a server answer in full). Raises
    RangeNotSatisfiable for a malformed range or one past the end.
    """
    unit, _, ranges = header.partition("=")
    if not header.strip() or unit.strip().lower() != "bytes" or "," in ranges:
        return None
    match = _BYTE_RANGE.fullmatch(ranges)
    if match is None or not (match[1] or match[2]):
        raise RangeNotSatisfiable

    if not match[1]:
        # "bytes=-500": the last 500 bytes.
        suffix = int(match[2])
        if suffix == 0:
            raise RangeNotSatisfiable
        return max(size - suffix, 0), size - 1

    first = int(match[1])
    last = int(match[2]) if match[2] else size - 1
    if first >= size or first > last:
        raise RangeNotSatisfiable
    return first, min(last, size - 1)


class _Slice:
    """The next `length` bytes of an open file, read in blocks.

    It offers neither `fileno` nor `seek`, so servers stream it through
    `read` rather than sending the whole file from the descriptor.
    """

    def __init__(self, handle, length: int) -> None:
        self._handle = handle
        self._left = length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        wanted = self._left if size is None or size < 0 else min(size, self._left)
        chunk = self._handle.read(wanted)
        self._left -= len(chunk)
        return chunk

    def close(self) -> None:
        self._handle.close()
