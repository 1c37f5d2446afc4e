"""A certificate as a PDF: one A4 landscape page with the learner's name,
the course, the issue date and how to check it.

Fonts. Names come from everywhere, so the page is drawn with DejaVu Sans,
shipped in learning/fonts/ (reportlab's built-in Helvetica stops at Latin-1,
and a fresh machine may have no fonts at all). It covers Latin with every
accent, Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic letters.
Chinese, Japanese and Korean characters use the PDF standard Asian fonts,
which viewers supply themselves, since a font file covering them is tens of
megabytes. A character that neither covers is drawn as its base letter when
it has one (a fullwidth "Ａ" as "A"), else as "?"; the exact name always
stays in the document's metadata and on the public verification page, which
the reader's browser draws with its own fonts.

Right-to-left names are put in visual order word by word. Arabic letters
are drawn unjoined: legible, though not as a typesetter would join them.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date
from functools import cache
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from karma.learning.models import Certificate
from karma.web.mail import site_url

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 72
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "KarmaSans"
BOLD = "KarmaSans-Bold"
_FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
# The verification code is ASCII by construction; a monospaced standard
# font keeps look-alike characters apart when someone types it in.
CODE_FONT = "Courier-Bold"

# PDF standard Asian fonts (not embedded), by the script that picks them.
CJK_KOREAN = "HYGothic-Medium"
CJK_JAPANESE = "HeiseiKakuGo-W5"
# Its character set (GBK) holds every common Han character, traditional
# and Japanese forms included, so it serves names written in Han alone.
CJK_CHINESE = "STSong-Light"

INK = HexColor("#1f2a44")
MUTED = HexColor("#5b6475")
ACCENT = HexColor("#2f5d8a")

_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF))
_KANA = ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF65, 0xFF9F))
_HAN = (
    (0x2E80, 0x2FDF),
    (0x3000, 0x303F),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3134F),
)

Run = tuple[str, str]


def certificate_pdf(certificate: Certificate) -> bytes:
    """Return the PDF of `certificate`."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    _describe(canvas, certificate)

    _draw_frame(canvas)
    y = _draw_body(canvas, certificate)
    _draw_verification(canvas, certificate, floor=y)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def verification_url(certificate: Certificate) -> str:
    """The public page that confirms `certificate`, on the configured site."""
    return site_url(reverse("learning:verify_code", args=[certificate.code]))


def issue_day(certificate: Certificate) -> date:
    """The day of issue in the site's time zone, so the page and the PDF
    say the same day to every reader, wherever they are."""
    zone = timezone.get_default_timezone()
    return timezone.localtime(certificate.issued_at, zone).date()


def issue_date(certificate: Certificate) -> str:
    """The issue date as printed: "3 March 2026"."""
    return dateformat.format(issue_day(certificate), "j F Y")


# --- Layout -------------------------------------------------------------------


def _describe(canvas: Canvas, certificate: Certificate) -> None:
    # The metadata keeps the exact name even where a glyph could not be drawn.
    canvas.setTitle(f"Certificate of completion: {certificate.course_title}")
    canvas.setAuthor(settings.SITE_NAME)
    canvas.setCreator(settings.SITE_NAME)
    canvas.setSubject(
        f"{certificate.learner_name} completed {certificate.course_title}; "
        f"verification code {certificate.code}"
    )


def _draw_frame(canvas: Canvas) -> None:
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(3)
    canvas.rect(24, 24, PAGE_WIDTH - 48, PAGE_HEIGHT - 48)
    canvas.setLineWidth(0.75)
    canvas.rect(34, 34, PAGE_WIDTH - 68, PAGE_HEIGHT - 68)


def _draw_body(canvas: Canvas, certificate: Certificate) -> float:
    """Draw the text from the top down; return where it ended."""
    y = PAGE_HEIGHT - 92
    y = _block(canvas, settings.SITE_NAME.upper(), y, REGULAR, 13, color=MUTED)
    y = _block(canvas, "Certificate of Completion", y - 22, BOLD, 34, color=INK)
    y = _block(canvas, "This certifies that", y - 26, REGULAR, 14, color=MUTED)
    y = _block(canvas, certificate.learner_name, y - 14, BOLD, 30, min_size=16, lines=2)
    y = _block(canvas, "has completed the course", y - 12, REGULAR, 14, color=MUTED)
    y = _block(canvas, certificate.course_title, y - 10, BOLD, 22, min_size=12, lines=3)
    return _block(canvas, f"Issued on {issue_date(certificate)}", y - 18, REGULAR, 13)


def _draw_verification(canvas: Canvas, certificate: Certificate, *, floor: float):
    y = min(floor - 20, 118)
    _block(canvas, "Verification code", y, REGULAR, 10, color=MUTED)
    canvas.setFillColor(INK)
    canvas.setFont(CODE_FONT, 16)
    canvas.drawCentredString(PAGE_WIDTH / 2, y - 34, certificate.code)

    url = verification_url(certificate)
    line = f"Check this certificate at {url}"
    _block(canvas, line, y - 44, REGULAR, 10, color=MUTED, min_size=6)
    canvas.linkURL(url, (MARGIN, y - 60, PAGE_WIDTH - MARGIN, y - 44), relative=0)


def _block(
    canvas: Canvas,
    text: str,
    top: float,
    font: str,
    size: float,
    *,
    color=INK,
    min_size: float | None = None,
    lines: int = 1,
) -> float:
    """Draw `text` centred below `top`, wrapped to at most `lines` lines and
    shrunk towards `min_size` to fit; return the bottom of the block."""
    size, wrapped = _fit(_clean(text), font, size, min_size or size, lines)
    canvas.setFillColor(color)
    y = top
    for line in wrapped:
        y -= size * 1.2
        _draw_centred(canvas, text_runs(line, font), y, size)
    return y - size * 0.3


def _draw_centred(canvas: Canvas, runs: list[Run], y: float, size: float) -> None:
    x = (PAGE_WIDTH - _width(runs, size)) / 2
    for font, text in runs:
        canvas.setFont(font, size)
        canvas.drawString(x, y, text)
        x += pdfmetrics.stringWidth(text, font, size)


def _fit(
    text: str, font: str, size: float, min_size: float, max_lines: int
) -> tuple[float, list[str]]:
    """The largest size from `size` down to `min_size` at which `text` wraps
    into `max_lines`; at the smallest, the last line is cut with an ellipsis.
    """
    while True:
        wrapped = _wrap(text, font, size)
        if len(wrapped) <= max_lines:
            return size, wrapped
        if size - 2 < min_size:
            kept = wrapped[:max_lines]
            kept[-1] = _cut(kept[-1], font, size)
            return size, kept
        size -= 2


def _wrap(text: str, font: str, size: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in _words(text, font, size):
        candidate = f"{current} {word}" if current else word
        if current and _text_width(candidate, font, size) > TEXT_WIDTH:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines or [""]


def _words(text: str, font: str, size: float) -> list[str]:
    """Split on spaces; a word wider than the page (names written without
    spaces, such as Chinese ones) is split into pieces that fit."""
    pieces = []
    for word in text.split(" "):
        piece, width = "", 0.0
        for char in word:
            char_width = _text_width(char, font, size)
            if piece and width + char_width > TEXT_WIDTH:
                pieces.append(piece)
                piece, width = "", 0.0
            piece += char
            width += char_width
        pieces.append(piece)
    return pieces


def _cut(line: str, font: str, size: float) -> str:
    while line and _text_width(f"{line}…", font, size) > TEXT_WIDTH:
        line = line[:-1]
    return f"{line.rstrip()}…"


def _clean(text: str) -> str:
    # Names pasted from spreadsheets may hold line breaks and tabs.
    return " ".join(unicodedata.normalize("NFC", text).split())


def _text_width(text: str, font: str, size: float) -> float:
    return _width(text_runs(text, font), size)


def _width(runs: list[Run], size: float) -> float:
    return sum(pdfmetrics.stringWidth(text, font, size) for font, text in runs)


# --- Glyphs -------------------------------------------------------------------


@cache
def _coverage() -> dict[str, frozenset[int]]:
    """Register the fonts once per process; return what each TTF draws."""
    covered = {}
    for name, file_name in _FONT_FILES.items():
        font = TTFont(name, str(FONT_DIR / file_name))
        pdfmetrics.registerFont(font)
        covered[name] = frozenset(font.face.charToGlyph)
    for face in (CJK_KOREAN, CJK_JAPANESE, CJK_CHINESE):
        pdfmetrics.registerFont(UnicodeCIDFont(face))
    return covered


def text_runs(text: str, font: str) -> list[Run]:
    """Split one line into (font, text) runs that the fonts can draw, in
    visual order; characters no font has become a base letter or "?"."""
    covered = _coverage()[font]
    asian = _asian_font(text)
    runs: list[list[str]] = []
    for char in visual_order(text):
        run_font, drawn = _glyph(char, font, covered, asian)
        if runs and runs[-1][0] == run_font:
            runs[-1][1] += drawn
        else:
            runs.append([run_font, drawn])
    return [(run_font, drawn) for run_font, drawn in runs]


def _glyph(
    char: str, font: str, covered: frozenset[int], asian: str
) -> tuple[str, str]:
    if ord(char) in covered:
        return font, char
    if _in(char, _HANGUL + _KANA + _HAN):
        return asian, char
    base = "".join(
        part
        for part in unicodedata.normalize("NFKD", char)
        if not unicodedata.combining(part)
    )
    if base and all(ord(part) in covered for part in base):
        return font, base
    return font, "?"


def _asian_font(text: str) -> str:
    """Korean for Hangul, Japanese when there is kana, else Chinese."""
    if any(_in(char, _HANGUL) for char in text):
        return CJK_KOREAN
    if any(_in(char, _KANA) for char in text):
        return CJK_JAPANESE
    return CJK_CHINESE


def _in(char: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    point = ord(char)
    return any(low <= point <= high for low, high in ranges)


_SPACES = re.compile(r"(\s+)")


def visual_order(text: str) -> str:
    """Put right-to-left words in the order they are drawn.

    A simplification of the Unicode bidirectional algorithm that is enough
    for names: each word holding right-to-left letters is reversed, and a
    line that starts right-to-left has its words reversed too.
    """
    if not any(_is_rtl(char) for char in text):
        return text
    words = _SPACES.split(text)
    words = [word[::-1] if any(map(_is_rtl, word)) else word for word in words]
    first_strong = next(
        (char for char in text if unicodedata.bidirectional(char) in ("L", "R", "AL")),
        "",
    )
    if first_strong and _is_rtl(first_strong):
        words.reverse()
    return "".join(words)


def _is_rtl(char: str) -> bool:
    return unicodedata.bidirectional(char) in ("R", "AL")
