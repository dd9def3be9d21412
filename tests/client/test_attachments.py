"""Image attachments: good images become wire dicts; everything else is refused with a reason."""

from __future__ import annotations

import base64

import pytest

from custom_components.openclaw.aioopenclaw.attachments import (
    DEFAULT_MAX_IMAGE_BYTES,
    effective_max_bytes,
    image_attachment_from_base64,
    image_attachment_from_bytes,
    sniff_image_type,
)
from custom_components.openclaw.aioopenclaw.errors import AttachmentError

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(40))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(30)
GIF = b"GIF89a" + bytes(20)
GIF87 = b"GIF87a" + bytes(20)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(20)
PDF = b"%PDF-1.7\n" + bytes(20)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("data", "mime", "wire_mime"),
    [
        (PNG, "image/png", "image/png"),
        (JPEG, "image/jpeg", "image/jpeg"),
        (JPEG, "image/jpg", "image/jpeg"),
        (JPEG, "IMAGE/JPEG; q=1", "image/jpeg"),
        (GIF, "image/gif", "image/gif"),
        (GIF87, "image/gif", "image/gif"),
        (WEBP, "image/webp", "image/webp"),
    ],
)
def test_good_images_from_bytes(data: bytes, mime: str, wire_mime: str) -> None:
    attachment = image_attachment_from_bytes(data, mime, file_name="cam.img")
    assert attachment == {
        "type": "image",
        "mimeType": wire_mime,
        "content": b64(data),
        "fileName": "cam.img",
    }
    assert base64.b64decode(attachment["content"]) == data


def test_file_name_is_optional() -> None:
    assert "fileName" not in image_attachment_from_bytes(PNG, "image/png")
    assert "fileName" not in image_attachment_from_bytes(PNG, "image/png", file_name="")


@pytest.mark.parametrize(
    ("content", "mime"),
    [
        (b64(PNG), "image/png"),
        ("data:image/png;base64," + b64(PNG), None),
        ("data:image/png;base64," + b64(PNG), "image/png"),
        ("DATA:image/png;name=x.png;base64," + b64(PNG), None),
        ("data:;base64," + b64(PNG), "image/png"),
        # MIME-style line wrapping is still strict base64.
        (
            "\n".join(b64(PNG)[i : i + 16] for i in range(0, len(b64(PNG)), 16)) + "\r\n",
            "image/png",
        ),
    ],
    ids=[
        "plain",
        "data-url",
        "data-url+mime",
        "data-url-params",
        "data-url-no-mime",
        "wrapped",
    ],
)
def test_good_images_from_base64(content: str, mime: str | None) -> None:
    attachment = image_attachment_from_base64(content, mime)
    assert attachment["mimeType"] == "image/png"
    # Canonical base64: the data-URL prefix and the whitespace are gone.
    assert attachment["content"] == b64(PNG)


def test_data_url_supplies_the_mime_type() -> None:
    attachment = image_attachment_from_base64("data:image/webp;base64," + b64(WEBP))
    assert attachment["mimeType"] == "image/webp"


BAD_BYTES: list[tuple[str, bytes, str, str]] = [
    ("pdf", PDF, "application/pdf", "not_image"),
    ("text", b"hello", "text/plain", "not_image"),
    ("no-mime", PNG, "", "not_image"),
    ("svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml", "not_image"),
    ("bmp", b"BM" + bytes(40), "image/bmp", "not_image"),
    ("empty", b"", "image/png", "empty"),
    ("png-says-jpeg", PNG, "image/jpeg", "type_mismatch"),
    ("jpeg-says-png", JPEG, "image/png", "type_mismatch"),
    ("pdf-says-png", PDF, "image/png", "type_mismatch"),
    (
        "riff-not-webp",
        b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(8),
        "image/webp",
        "type_mismatch",
    ),
    ("short-png", b"\x89PNG", "image/png", "type_mismatch"),
]


@pytest.mark.parametrize(
    ("data", "mime", "reason"),
    [b[1:] for b in BAD_BYTES],
    ids=[b[0] for b in BAD_BYTES],
)
def test_bad_bytes_are_refused(data: bytes, mime: str, reason: str) -> None:
    with pytest.raises(AttachmentError) as err:
        image_attachment_from_bytes(data, mime)
    assert err.value.reason == reason
    assert str(err.value)


BAD_BASE64: list[tuple[str, str, str | None, str]] = [
    ("garbage", "not base64!!", "image/png", "invalid_base64"),
    ("bad-padding", b64(PNG + b"xy").rstrip("=") + "=", "image/png", "invalid_base64"),
    ("missing-padding", b64(GIF).rstrip("="), "image/gif", "invalid_base64"),
    (
        "urlsafe-alphabet",
        b64(b"\xfb\xff" + PNG).replace("+", "-").replace("/", "_"),
        "image/png",
        "invalid_base64",
    ),
    ("inner-padding", b64(PNG[:4]) + b64(PNG[4:]), "image/png", "invalid_base64"),
    ("data-url-not-base64", "data:image/png," + b64(PNG), None, "invalid_base64"),
    ("empty", "", "image/png", "empty"),
    ("blank", "  \n", "image/png", "empty"),
    ("data-url-empty", "data:image/png;base64,", None, "empty"),
    ("no-mime", b64(PNG), None, "not_image"),
    ("data-url-pdf", "data:application/pdf;base64," + b64(PDF), None, "not_image"),
    (
        "mime-disagrees",
        "data:image/png;base64," + b64(PNG),
        "image/jpeg",
        "type_mismatch",
    ),
    ("content-disagrees", b64(JPEG), "image/png", "type_mismatch"),
]


@pytest.mark.parametrize(
    ("content", "mime", "reason"),
    [b[1:] for b in BAD_BASE64],
    ids=[b[0] for b in BAD_BASE64],
)
def test_bad_base64_is_refused(content: str, mime: str | None, reason: str) -> None:
    with pytest.raises(AttachmentError) as err:
        image_attachment_from_base64(content, mime)
    assert err.value.reason == reason


def test_default_limit_is_five_million_decoded_bytes() -> None:
    assert DEFAULT_MAX_IMAGE_BYTES == 5_000_000
    exact = PNG + bytes(5_000_000 - len(PNG))
    assert image_attachment_from_bytes(exact, "image/png")["mimeType"] == "image/png"
    assert image_attachment_from_base64(b64(exact), "image/png")["content"] == b64(exact)
    over = exact + b"\x00"
    with pytest.raises(AttachmentError) as err:
        image_attachment_from_bytes(over, "image/png")
    assert err.value.reason == "too_large"
    with pytest.raises(AttachmentError) as err:
        image_attachment_from_base64(b64(over), "image/png")
    assert err.value.reason == "too_large"


def test_configurable_limit_and_gateway_policy() -> None:
    data = PNG + bytes(1000 - len(PNG))
    assert image_attachment_from_bytes(data, "image/png", max_bytes=1000)
    with pytest.raises(AttachmentError, match="limit is 999") as err:
        image_attachment_from_bytes(data, "image/png", max_bytes=999)
    assert err.value.reason == "too_large"
    # The gateway's advertised maxImageBytes wins only when it is smaller.
    with pytest.raises(AttachmentError) as err:
        image_attachment_from_base64(b64(data), "image/png", gateway_max_image_bytes=500)
    assert err.value.reason == "too_large"
    assert image_attachment_from_bytes(
        data, "image/png", max_bytes=1000, gateway_max_image_bytes=6_291_456
    )
    assert effective_max_bytes(5_000_000, 6_291_456) == 5_000_000
    assert effective_max_bytes(5_000_000, 1_000) == 1_000
    assert effective_max_bytes(5_000_000, None) == 5_000_000
    assert effective_max_bytes(5_000_000, 0) == 5_000_000


def test_oversized_base64_is_refused_before_decoding() -> None:
    # Invalid characters past the size limit: the size is the reported problem, no decode ran.
    huge = "A" * 8_000_000 + "!!!!"
    with pytest.raises(AttachmentError) as err:
        image_attachment_from_base64(huge, "image/png")
    assert err.value.reason == "too_large"


def test_sniff() -> None:
    assert sniff_image_type(PNG) == "image/png"
    assert sniff_image_type(JPEG) == "image/jpeg"
    assert sniff_image_type(GIF) == "image/gif"
    assert sniff_image_type(WEBP) == "image/webp"
    assert sniff_image_type(PDF) is None
    assert sniff_image_type(b"") is None
