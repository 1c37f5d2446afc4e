"""Turning the bytes of a text file into text, whatever program wrote them.

Spreadsheets write UTF-8 (with or without a byte order mark), UTF-16 with a
mark (Excel's "Unicode text") or, on Windows in Western Europe and the
Americas, Windows-1252. A file pieced together from several exports can mix
UTF-8 lines with Windows-1252 ones; those are read a line at a time. Anything
else is left to charset-normalizer.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import NamedTuple

from charset_normalizer import from_bytes

from karma.lib.spreadsheets.model import SpreadsheetError
from karma.lib.spreadsheets.wording import describe_lines

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
# The physical lines of delimited.split_lines, as bytes: no UTF-8 or
# Windows-1252 character holds the bytes of CR or LF, so the lines, and their
# numbers, are the same before and after decoding.
_PHYSICAL_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
# A UTF-8 character of two to four bytes. Windows-1252 text almost never
# holds one, since that takes a capital accented letter followed by a symbol.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
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

    Raises SpreadsheetError when the bytes are not text in any encoding, or
    when a file of UTF-8 lines holds a line that is neither UTF-8 nor
    Windows-1252.
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
    mixed = _decode_mixed(data)
    if mixed is not None:
        return mixed
    western = _decode_western(data)
    if western is not None:
        return Decoded(western, "cp1252", [_read_as_warning("cp1252")])
    # No line of what is left holds UTF-8 beyond ASCII, so whatever the
    # detector picks, it never reads UTF-8 as a single-byte code page.
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


def _decode_mixed(data: bytes) -> Decoded | None:
    """Decode each line as UTF-8 when it is UTF-8, else as Windows-1252.

    Returns None when no line holds UTF-8 beyond ASCII: the file is then in
    one single-byte encoding, better judged as a whole. Raises
    SpreadsheetError naming the first line that reads as neither, since a
    guess there would store garbled names without anyone noticing.
    """
    lines = _PHYSICAL_LINE.findall(data)
    texts = [_utf8_or_none(line) for line in lines]
    if not any(text is not None and not text.isascii() for text in texts):
        return None

    western_lines = []
    for index, text in enumerate(texts):
        if text is None:
            texts[index] = _decode_western_line(lines[index], index + 1)
            western_lines.append(index + 1)

    return Decoded("".join(texts), "utf-8+cp1252", [_mixed_warning(western_lines)])


def _utf8_or_none(line: bytes) -> str | None:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_western_line(line: bytes, number: int) -> str:
    """Decode one line of a mixed file as Windows-1252, or refuse the file.

    A line that holds UTF-8 characters beside bytes that are not UTF-8 was
    itself pasted together; either reading of it garbles part of it.
    """
    text = _decode_western(line)
    if text is None or _UTF8_SEQUENCE.search(line):
        raise SpreadsheetError(
            f"Line {number} could not be read as UTF-8 or as Windows-1252, while "
            "other lines are UTF-8. Save the file again as CSV (UTF-8) and "
            "upload that."
        )
    return text


def _mixed_warning(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return (
            f"{describe_lines(numbers)} is not UTF-8 and was read as "
            "Windows-1252; check that its accented names look right."
        )
    return (
        f"{describe_lines(numbers)} are not UTF-8 and were read as Windows-1252; "
        "check that their accented names look right."
    )


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
