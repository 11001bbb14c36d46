"""Image files posted with a gallery entry (Magento's ImageContentValidator and ImageProcessor): the content is
checked (base64, a jpeg, png or gif whose type is the one declared, a bounded size, a name without forbidden
characters) and stored under the media directory at Magento's dispersion path, ``/a/b/name.jpg``.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from pathlib import Path

from conveyor.catalog.errors import InvalidValueError

MAX_IMAGE_BYTES = 10 * 1024 * 1024
NOT_BASE64 = "The image content must be valid base64 encoded data."
BAD_MIME = "The image MIME type is not valid or not supported."
BAD_NAME = "Provided image name contains forbidden characters."
TOO_LARGE = "The image is larger than %1 bytes."
_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}
_FORBIDDEN = re.compile(r'[\\/?*:";<>()|{}]')
# padded base64 and nothing else: Python's decoder alone also takes stray padding ("/9j/=")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def decode_image(data: str, mime_type: str, name: str) -> bytes:
    """The image's bytes, or InvalidValueError with Magento's message for what is wrong with it."""
    if len(data) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise InvalidValueError(TOO_LARGE, [str(MAX_IMAGE_BYTES)])
    if not _BASE64.fullmatch(data):
        raise InvalidValueError(NOT_BASE64)
    try:
        content = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidValueError(NOT_BASE64) from None
    detected = next((mime for magic, mime in _SIGNATURES.items() if content.startswith(magic)), None)
    if not content or detected is None:
        raise InvalidValueError(NOT_BASE64)
    if detected != mime_type:
        raise InvalidValueError(BAD_MIME)
    if not name or _FORBIDDEN.search(name):
        raise InvalidValueError(BAD_NAME)
    return content


def store_image(media_dir: Path, name: str, mime_type: str, content: bytes) -> str:
    """Write the image under ``media_dir`` at Magento's dispersion path; its path there (``/a/b/name.jpg``).

    The name is Magento's corrected one (lower case, other characters as ``_``, the type's extension when it
    has none); a name taken gets ``_1``, ``_2``… as Magento's uploader renames.
    """
    file_name = re.sub(r"[^a-z0-9_.\-]", "_", name.lower())
    if "." not in file_name.strip("."):
        file_name = f"{file_name}.{EXTENSIONS[mime_type]}"
    dispersion = "/" + "/".join("_" if c == "." else c for c in file_name[:2])
    folder = media_dir / dispersion.strip("/")
    folder.mkdir(parents=True, exist_ok=True)
    stem, dot, extension = file_name.rpartition(".")
    candidate, n = file_name, 0
    while True:
        try:
            fd = os.open(folder / candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileExistsError:
            n += 1
            candidate = f"{stem}_{n}{dot}{extension}"
    with os.fdopen(fd, "wb") as file:
        file.write(content)
    return f"{dispersion}/{candidate}"
