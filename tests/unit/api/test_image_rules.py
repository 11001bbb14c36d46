"""The document's rule for a posted image is ``decode_image``'s: base64 of a jpeg, png or gif of the declared type."""

from __future__ import annotations

import base64
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from conveyor.api.resources.products import IMAGE_NAME, IMAGE_SIGNATURES
from conveyor.catalog import CatalogError
from conveyor.catalog.products import decode_image

SIGNATURES = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"\x89PNG\r\n", b"BM", b""]
MIMES = [*IMAGE_SIGNATURES, "image/bmp", ""]


def documented(data: str, mime: str, name: str) -> bool:
    return (
        mime in IMAGE_SIGNATURES
        and re.search(IMAGE_SIGNATURES[mime], data) is not None
        and re.search(IMAGE_NAME, name) is not None
    )


@given(
    st.sampled_from(SIGNATURES),
    st.binary(max_size=7),
    st.sampled_from(MIMES),
    st.sampled_from(["a.png", "", "a/b", "x:y", "photo", "é (1)"]),
    st.sampled_from(["", "=", "\n", "!"]),
)
@settings(max_examples=400, deadline=None)
def test_documented_images_are_the_ones_decoded(signature: bytes, rest: bytes, mime: str, name: str, tail: str) -> None:
    data = base64.b64encode(signature + rest).decode() + tail
    try:
        decode_image(data, mime, name)
        decoded = True
    except CatalogError:
        decoded = False
    assert documented(data, mime, name) == decoded
