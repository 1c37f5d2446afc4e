"""The certificate PDF: what it holds, and that any name can be drawn."""

from __future__ import annotations

import base64
import contextlib
import re
import zlib
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from karma.learning import pdf
from karma.learning.models import Certificate


def _certificate(**kwargs) -> Certificate:
    # Drawing needs no database: an unsaved certificate is enough.
    fields = {
        "learner_name": "Lea Learner",
        "course_title": "Fire safety",
        "issued_at": timezone.now(),
        **kwargs,
    }
    return Certificate(**fields)


def _page_text(document: bytes) -> bytes:
    """The decompressed content streams, where the drawing operators are."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", document, re.S)
    text = b""
    for stream in streams:
        if stream.rstrip().endswith(b"~>"):
            # Page contents are Flate-compressed, then written as ASCII85.
            stream = base64.a85decode(stream.strip(), adobe=True)
        # A decompressor object ignores the line end after the data.
        with contextlib.suppress(zlib.error):
            text += zlib.decompressobj().decompress(stream)
    return text


def test_starts_with_the_pdf_header():
    document = pdf.certificate_pdf(_certificate())

    assert document.startswith(b"%PDF-")
    assert document.rstrip().endswith(b"%%EOF")


def test_prints_the_verification_code():
    certificate = _certificate()

    document = pdf.certificate_pdf(certificate)

    assert f"({certificate.code})".encode() in _page_text(document)


def test_links_to_the_verification_page_on_the_configured_site(settings):
    settings.SITE_URL = "https://learn.example.org"
    certificate = _certificate()

    document = pdf.certificate_pdf(certificate)

    expected = f"https://learn.example.org/verify/{certificate.code}/"
    assert pdf.verification_url(certificate) == expected
    assert f"/URI ({expected})".encode() in document


def test_keeps_the_name_and_code_in_the_metadata():
    certificate = _certificate()

    document = pdf.certificate_pdf(certificate)

    assert b"Lea Learner completed Fire safety" in document
    assert certificate.code.encode() in document


def test_embeds_the_font_it_draws_with():
    document = pdf.certificate_pdf(_certificate(learner_name="Zoë Ødegård"))

    assert b"/FontFile2" in document
    assert b"DejaVu" in document or b"KarmaSans" in document


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Ødegård",
        "Kenji 田中",
        "田中健二",
        "さくら 山本",
        "김민준",
        "Dvořák Łukasz-Şahin",
        "Ἀλέξανδρος Иван Петров",
        "דוד כהן",
        "محمد علي",
        "देवनागरी नाम",
        "Line\nbreak\tname",
        "",
        "W" * 301,
        "長" * 301,
    ],
)
def test_draws_any_name_without_failing(name):
    document = pdf.certificate_pdf(
        _certificate(learner_name=name, course_title="Über die Sicherheit " * 10)
    )

    assert document.startswith(b"%PDF-")


def test_draws_latin_accents_with_the_embedded_font():
    assert pdf.text_runs("Zoë Ødegård Dvořák", pdf.BOLD) == [
        (pdf.BOLD, "Zoë Ødegård Dvořák")
    ]


def test_draws_han_in_the_chinese_font_beside_latin():
    assert pdf.text_runs("Kenji 田中", pdf.BOLD) == [
        (pdf.BOLD, "Kenji "),
        (pdf.CJK_CHINESE, "田中"),
    ]


@pytest.mark.parametrize(
    ("name", "font"),
    [
        ("さくら 山本", pdf.CJK_JAPANESE),
        ("김민준", pdf.CJK_KOREAN),
        ("王小明", pdf.CJK_CHINESE),
    ],
)
def test_picks_the_asian_font_by_script(name, font):
    fonts = {run_font for run_font, _ in pdf.text_runs(name, pdf.REGULAR)}

    assert font in fonts
    assert fonts <= {font, pdf.REGULAR}


def test_draws_a_base_letter_for_a_character_no_font_has():
    # U+1D400 MATHEMATICAL BOLD CAPITAL A is in no font shipped, but it is
    # an A.
    assert pdf.text_runs("\U0001d400da", pdf.REGULAR) == [(pdf.REGULAR, "Ada")]


def test_draws_a_question_mark_for_a_script_no_font_covers():
    assert pdf.text_runs("नाम", pdf.REGULAR) == [(pdf.REGULAR, "???")]


@pytest.mark.parametrize(
    ("logical", "drawn"),
    [
        ("Lea Learner", "Lea Learner"),
        ("דוד כהן", "ןהכ דוד"),
        ("Dana כהן", "Dana ןהכ"),
    ],
)
def test_puts_right_to_left_words_in_drawing_order(logical, drawn):
    assert pdf.visual_order(logical) == drawn


def test_prints_the_issue_date_in_the_site_time_zone(settings):
    settings.TIME_ZONE = "Pacific/Auckland"
    issued = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)

    # 20:00 UTC on 2 March is the morning of 3 March in Auckland.
    assert pdf.issue_date(_certificate(issued_at=issued)) == "3 March 2026"
