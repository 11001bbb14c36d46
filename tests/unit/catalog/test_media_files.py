"""Posted images: Magento's content checks and dispersion paths, for any name a client may send."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conveyor.catalog import InvalidValueError
from conveyor.catalog.products import decode_image, store_image

PNG = b"\x89PNG\r\n\x1a\n" + bytes(16)


@settings(max_examples=200, deadline=None)
@given(name=st.text(min_size=1, max_size=80))
def test_any_accepted_name_is_stored_inside_the_media_directory(name: str) -> None:
    try:
        content = decode_image(base64.b64encode(PNG).decode(), "image/png", name)
    except InvalidValueError as exc:
        assert exc.message == "Provided image name contains forbidden characters."
        return
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = store_image(root, name, "image/png", content)
        first, second, file_name = path.removeprefix("/").split("/")
        assert len(first) == len(second) == 1 and file_name
        stored = (root / first / second / file_name).resolve()
        assert stored.is_relative_to(root.resolve()) and stored.read_bytes() == PNG
        assert path == path.lower() and store_image(root, name, "image/png", content) != path  # renamed, not replaced


@pytest.mark.parametrize(
    ("data", "mime", "message"),
    [
        ("not base64!", "image/png", "The image content must be valid base64 encoded data."),
        (
            base64.b64encode(b"GIF89a" + bytes(8)).decode(),
            "image/png",
            "The image MIME type is not valid or not supported.",
        ),
        (
            base64.b64encode(b"%PDF-1.4").decode(),
            "application/pdf",
            "The image content must be valid base64 encoded data.",
        ),
    ],
)
def test_bad_content_is_refused_with_magentos_message(data: str, mime: str, message: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        decode_image(data, mime, "a.png")
    assert refused.value.message == message
