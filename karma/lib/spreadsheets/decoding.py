"""Turning the bytes of a text file into text, whatever program wrote them.

Spreadsheets write UTF-8 (with or without a byte order mark), UTF-16 with a
mark (Excel's "Unicode text") or, on Windows in Western Europe and the
Americas, Windows-1252. Anything else is left to charset-normalizer.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import NamedTuple

from charset_normalizer import from_bytes

from karma.lib.spreadsheets.model import SpreadsheetError

NOT_TEXT = (
    "This file is not a spreadsheet Karma can read. Upload a CSV file or an "
    "Excel workbook (.xlsx)."
)

# Longest marks first: the UTF-32 little-endian mark starts like UTF-16's.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Characters Windows-1252 gives for the punctuation Western text really uses.
_WESTERN_PUNCTUATION = frozenset("‘’‚“”„–—…€•·«»‹›°ºª¿¡§£¥¢©®™´¨\u00a0\u00ad")

# Western names put at most two accented letters side by side ("Müßig"); text
# in another alphabet read as Windows-1252 makes long runs of them ("Èâàí").
_ACCENTED_RUN = re.compile(r"[^\x00-\x7f]{3,}")

_LINE_END = re.compile(rb"\r\n|\r|\n")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")

# A share of control characters no text file has; binaries reach it at once.
_MAX_CONTROL_SHARE = 0.01


class Decoded(NamedTuple):
    text: str
    encoding: str
    warnings: list[str]


def decode_text(data: bytes) -> Decoded:
    """Decode the bytes of a delimited text file.

    Raises SpreadsheetError when the bytes are not text in any encoding.
    """
    decoded = _decode_marked(data) or _decode_unmarked(data)
    _refuse_binary_text(decoded.text)
    return decoded


def _decode_marked(data: bytes) -> Decoded | None:
    """Decode a file that starts with a byte order mark, or return None."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            body = data[len(mark) :]
            name = "utf-8-sig" if encoding == "utf-8" else encoding
            return Decoded(_strict_decode(body, encoding), name, [])
    return None


def _decode_unmarked(data: bytes) -> Decoded:
    if b"\x00" in data:
        return _decode_utf16_without_mark(data)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", [])
    except UnicodeDecodeError:
        pass
    western = _decode_western(data)
    if western is not None:
        return Decoded(western, "cp1252", [_read_as_warning("cp1252")])
    best = from_bytes(data).best()
    if best is None:
        raise SpreadsheetError(NOT_TEXT)
    return Decoded(str(best), best.encoding, [_read_as_warning(best.encoding)])


def _strict_decode(body: bytes, encoding: str) -> str:
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as error:
        line = len(_LINE_END.findall(body[: error.start])) + 1
        label = encoding.upper().replace("-LE", "").replace("-BE", "")
        raise SpreadsheetError(
            f"The file is marked as {label} but line {line} holds bytes that are "
            f"not {label}. Save it again as CSV (UTF-8)."
        ) from error


def _decode_utf16_without_mark(data: bytes) -> Decoded:
    """Decode UTF-16 that lost its mark, judged by where the zero bytes fall.

    Latin text in UTF-16 has a zero in every other byte; a binary file has
    zeros anywhere. Anything else with zero bytes is refused as not text.
    """
    sample = data[:4096]
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    half = len(sample) // 2
    if len(data) % 2 == 0 and half:
        if odd_zeros >= 0.9 * half and even_zeros == 0:
            encoding = "utf-16-le"
        elif even_zeros >= 0.9 * half and odd_zeros == 0:
            encoding = "utf-16-be"
        else:
            raise SpreadsheetError(NOT_TEXT)
        text = _strict_decode(data, encoding)
        return Decoded(text, encoding, [_read_as_warning(encoding)])
    raise SpreadsheetError(NOT_TEXT)


def _decode_western(data: bytes) -> str | None:
    """Return the text as Windows-1252 when it reads as Western text, else None.

    Guessers often name a rarer cousin (Windows-1250, Mac Roman) for a short
    Western file, which turns "José" into "Josč"; Windows-1252 is what Excel on
    Windows writes, so it wins whenever the result is plausible.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if _ACCENTED_RUN.search(text):
        return None
    for char in set(_NON_ASCII.findall(text)):
        category = unicodedata.category(char)
        if not category.startswith("L") and char not in _WESTERN_PUNCTUATION:
            return None
    return text


def _refuse_binary_text(text: str) -> None:
    if "\x00" in text:
        raise SpreadsheetError(NOT_TEXT)
    if len(_CONTROL.findall(text)) > _MAX_CONTROL_SHARE * len(text):
        raise SpreadsheetError(NOT_TEXT)


def _read_as_warning(encoding: str) -> str:
    return (
        f"The file is not UTF-8; it was read as {describe_encoding(encoding)}. "
        "Check that accented names look right."
    )


def describe_encoding(encoding: str) -> str:
    """Return the name people know an encoding by: "Windows-1252", "UTF-16"."""
    name = codecs.lookup(encoding).name
    if name.startswith("cp125"):
        return f"Windows-{name[2:]}"
    if name.startswith(("utf-16", "utf-32")):
        return name[:6].upper()
    return name.upper().replace("_", "-")
