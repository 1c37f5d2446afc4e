"""Small uploads for tests: real file formats, made in memory."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
WEBM_BYTES = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def image_bytes(size=(64, 48), image_format="PNG", mode="RGB", color="teal") -> bytes:
    output = io.BytesIO()
    Image.new(mode, size, color).save(output, format=image_format)
    return output.getvalue()


def upload(name: str, content: bytes, content_type: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def png(name: str = "cover.png", size=(64, 48)) -> SimpleUploadedFile:
    return upload(name, image_bytes(size), "image/png")


def pdf(name: str = "notes.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return upload(name, content, "application/pdf")


def mp4(name: str = "talk.mp4", content: bytes = MP4_BYTES) -> SimpleUploadedFile:
    return upload(name, content, "video/mp4")
