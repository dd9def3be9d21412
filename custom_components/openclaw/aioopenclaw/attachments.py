"""Build ``chat.send`` image attachments, refusing anything the gateway would drop.

Gateways up to 2026.3.x silently drop non-image attachments; we refuse them (and broken or
oversized images) before sending, so a user never loses data without being told.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Literal, NotRequired, TypedDict

from .errors import AttachmentError

# 2026.3.x limit (decoded bytes per image); newer gateways advertise their own, often larger.
DEFAULT_MAX_IMAGE_BYTES = 5_000_000

_CANONICAL_MIME = {
    "image/png": "image/png",
    "image/jpeg": "image/jpeg",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/gif": "image/gif",
    "image/webp": "image/webp",
}
_DATA_URL = re.compile(r"data:([^;,]*)((?:;[^;,]*)*),", re.IGNORECASE)
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_WHITESPACE = re.compile(r"[ \t\r\n]+")


class ImageAttachment(TypedDict):
    """The wire shape of one ``chat.send`` attachment."""

    type: Literal["image"]
    mimeType: str
    content: str
    fileName: NotRequired[str]


def sniff_image_type(data: bytes) -> str | None:
    """The MIME type the magic bytes say, for the four formats the gateway accepts."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def effective_max_bytes(max_bytes: int, gateway_max_image_bytes: int | None) -> int:
    """The stricter of our limit and the gateway's ``policy.attachments.maxImageBytes``."""
    if isinstance(gateway_max_image_bytes, int) and gateway_max_image_bytes > 0:
        return min(max_bytes, gateway_max_image_bytes)
    return max_bytes


def _canonical_mime(mime_type: str | None) -> str:
    if not mime_type or not mime_type.strip():
        raise AttachmentError(
            "not_image", "The attachment has no MIME type; only images can be sent."
        )
    base = mime_type.split(";", 1)[0].strip().lower()
    if not base.startswith("image/"):
        raise AttachmentError("not_image", f"Only images can be sent, not {base}.")
    canonical = _CANONICAL_MIME.get(base)
    if canonical is None:
        raise AttachmentError(
            "not_image", f"Unsupported image type {base}; send PNG, JPEG, GIF or WebP."
        )
    return canonical


def _too_large(size: int, limit: int) -> AttachmentError:
    return AttachmentError("too_large", f"The image is {size} bytes; the limit is {limit} bytes.")


def _finish(data: bytes, mime: str, file_name: str | None, limit: int) -> ImageAttachment:
    if not data:
        raise AttachmentError("empty", "The attachment is empty.")
    if len(data) > limit:
        raise _too_large(len(data), limit)
    sniffed = sniff_image_type(data)
    if sniffed != mime:
        found = sniffed or "no known image format"
        raise AttachmentError(
            "type_mismatch", f"The attachment claims {mime} but its content is {found}."
        )
    attachment: ImageAttachment = {
        "type": "image",
        "mimeType": mime,
        "content": base64.b64encode(data).decode("ascii"),
    }
    if file_name:
        attachment["fileName"] = file_name
    return attachment


def image_attachment_from_bytes(
    data: bytes,
    mime_type: str,
    *,
    file_name: str | None = None,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    gateway_max_image_bytes: int | None = None,
) -> ImageAttachment:
    """Validate raw image bytes and return the wire attachment (``AttachmentError`` if not)."""
    mime = _canonical_mime(mime_type)
    return _finish(
        bytes(data),
        mime,
        file_name,
        effective_max_bytes(max_bytes, gateway_max_image_bytes),
    )


def image_attachment_from_base64(
    content: str,
    mime_type: str | None = None,
    *,
    file_name: str | None = None,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    gateway_max_image_bytes: int | None = None,
) -> ImageAttachment:
    """Validate base64 image content (a ``data:`` URL prefix is accepted and stripped).

    The MIME type comes from ``mime_type`` or the data URL; when both are given they must agree.
    """
    text = content.strip()
    match = _DATA_URL.match(text)
    if match is not None:
        url_mime = match.group(1).strip() or None
        if ";base64" not in match.group(2).lower():
            raise AttachmentError("invalid_base64", "The data URL is not base64 encoded.")
        text = text[match.end() :]
        if url_mime is not None:
            url_canonical = _canonical_mime(url_mime)
            if mime_type is not None and _canonical_mime(mime_type) != url_canonical:
                raise AttachmentError(
                    "type_mismatch",
                    f"The MIME type {mime_type} differs from the data URL's {url_mime}.",
                )
            mime_type = mime_type or url_mime
    mime = _canonical_mime(mime_type)
    limit = effective_max_bytes(max_bytes, gateway_max_image_bytes)
    text = _WHITESPACE.sub("", text)  # line-wrapped (MIME style) base64 is still base64
    if not text:
        raise AttachmentError("empty", "The attachment is empty.")
    # Refuse oversized input before decoding it: 4 chars carry 3 bytes.
    estimated = len(text) // 4 * 3 - len(text[-2:]) + len(text[-2:].rstrip("="))
    if estimated > limit:
        raise _too_large(estimated, limit)
    if not _BASE64.fullmatch(text):
        raise AttachmentError("invalid_base64", "The attachment is not valid base64.")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as err:
        raise AttachmentError("invalid_base64", "The attachment is not valid base64.") from err
    return _finish(data, mime, file_name, limit)
