"""Image attachments for ``openclaw.send``: files, camera snapshots and media-source images.

Everything is read and validated before anything is sent: one refused attachment refuses the
whole action, so a message never reaches the agent without the pictures it talks about.
"""

from __future__ import annotations

from collections.abc import Sequence
import mimetypes
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .aioopenclaw import AttachmentError
from .aioopenclaw.attachments import (
    DEFAULT_MAX_IMAGE_BYTES,
    ImageAttachment,
    effective_max_bytes,
    image_attachment_from_bytes,
    sniff_image_type,
)
from .const import DOMAIN
from .coordinator import OpenClawConfigEntry

CAMERA_SNAPSHOT_TIMEOUT = 10
# A camera picked in the media selector: its snapshot is attached.
_CAMERA_MEDIA_PREFIX = "media-source://camera/"
# Room left in a frame for the message and the JSON around the attachments.
_FRAME_OVERHEAD = 64 * 1024


def _error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _refused(err: AttachmentError, source: str) -> ServiceValidationError:
    return _error("attachment_refused", error=f"{source}: {err}")


def image_limit(entry: OpenClawConfigEntry) -> int:
    """Bytes per image: ours or the gateway's (``policy.attachments``), whichever is smaller."""
    hello = entry.runtime_data.client.hello
    return effective_max_bytes(
        DEFAULT_MAX_IMAGE_BYTES, hello.policy.max_image_bytes if hello else None
    )


def _read_file(hass: HomeAssistant, path: str, limit: int) -> bytes:
    """Read an image file (executor). Raises a translated ServiceValidationError."""
    if not hass.config.is_allowed_path(path):
        raise _error("file_not_allowed", path=path)
    file = Path(path)
    try:
        size = file.stat().st_size
        if not file.is_file():
            raise _error("file_unreadable", path=path, error="not a file")
        # Check the size before reading: a huge file is refused without loading it.
        if size > limit:
            raise _error("file_too_large", path=path, size=str(size), limit=str(limit))
        with file.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise _error(
            "file_unreadable", path=path, error=err.strerror or type(err).__name__
        ) from err
    if len(data) > limit:  # it grew after stat
        raise _error("file_too_large", path=path, size=str(len(data)), limit=str(limit))
    return data


def _file_mime(path: str, data: bytes) -> str:
    guessed, _ = mimetypes.guess_type(path)
    return guessed or sniff_image_type(data) or "application/octet-stream"


async def file_attachment(hass: HomeAssistant, path: str, limit: int) -> ImageAttachment:
    data = await hass.async_add_executor_job(_read_file, hass, path, limit)
    try:
        return image_attachment_from_bytes(
            data, _file_mime(path, data), file_name=Path(path).name, max_bytes=limit
        )
    except AttachmentError as err:
        raise _refused(err, path) from err


async def camera_attachment(hass: HomeAssistant, entity_id: str, limit: int) -> ImageAttachment:
    # Imported when used: camera and media_source are optional (after_dependencies).
    from homeassistant.components import camera

    try:
        image = await camera.async_get_image(hass, entity_id, timeout=CAMERA_SNAPSHOT_TIMEOUT)
    except HomeAssistantError as err:
        raise _error("camera_snapshot_failed", entity_id=entity_id, error=str(err)) from err
    # Some cameras say image/jpg; the content decides what is sent.
    mime = sniff_image_type(image.content) or image.content_type
    try:
        return image_attachment_from_bytes(
            image.content, mime, file_name=f"{entity_id}.{mime.rsplit('/', 1)[-1]}", max_bytes=limit
        )
    except AttachmentError as err:
        raise _refused(err, entity_id) from err


async def media_attachment(
    hass: HomeAssistant, media: dict[str, Any], limit: int
) -> ImageAttachment:
    """A media selector value: a camera (snapshot) or a local media-source file."""
    from homeassistant.components import media_source

    content_id = str(media.get("media_content_id") or "")
    if content_id.startswith(_CAMERA_MEDIA_PREFIX):
        return await camera_attachment(hass, content_id.removeprefix(_CAMERA_MEDIA_PREFIX), limit)
    try:
        resolved = await media_source.async_resolve_media(hass, content_id, None)
    except HomeAssistantError as err:
        raise _error("media_unresolvable", media_content_id=content_id, error=str(err)) from err
    if resolved.path is None:
        raise _error("media_unresolvable", media_content_id=content_id, error="not a local file")
    path = str(resolved.path)
    data = await hass.async_add_executor_job(_read_file, hass, path, limit)
    try:
        return image_attachment_from_bytes(
            data, resolved.mime_type, file_name=resolved.path.name, max_bytes=limit
        )
    except AttachmentError as err:
        raise _refused(err, content_id) from err


async def collect_attachments(
    hass: HomeAssistant,
    entry: OpenClawConfigEntry,
    *,
    files: Sequence[str] = (),
    cameras: Sequence[str] = (),
    media: Sequence[dict[str, Any]] = (),
) -> list[ImageAttachment]:
    """All attachments of one send, validated; raises on the first refused one."""
    limit = image_limit(entry)
    attachments = [await file_attachment(hass, path, limit) for path in files]
    attachments += [await camera_attachment(hass, entity_id, limit) for entity_id in cameras]
    attachments += [await media_attachment(hass, item, limit) for item in media]
    hello = entry.runtime_data.client.hello
    if hello is not None and attachments:
        total = sum(len(a["content"]) for a in attachments)
        budget = hello.policy.max_payload - _FRAME_OVERHEAD
        if total > budget:
            raise _error("attachments_too_large", size=str(total), limit=str(budget))
    return attachments
