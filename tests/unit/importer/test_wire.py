"""A read batch pickles compactly and comes back equal: every field of every record kept (``importer.wire``)."""

from __future__ import annotations

import pickle
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from conveyor.importer.base import SourceRow
from conveyor.importer.product_items import (
    BundleOptionPlan,
    GalleryImage,
    MediaPlan,
    ProductItem,
    Selection,
    SourceItemPlan,
)
from conveyor.importer.products import _Prepared
from conveyor.importer.report import RowError
from conveyor.importer.wire import PIECE, from_pieces, in_pieces

text = st.text(max_size=20)
images = st.lists(st.builds(GalleryImage, text, st.none() | text, st.none() | st.integers(0, 99), st.booleans()))


@given(
    text,
    st.integers(0, 10**6),
    st.dictionaries(text, text, max_size=4),
    st.integers(0, 9),
    images,
    st.dictionaries(st.sampled_from(["image", "small_image", "thumbnail"]), text),
    st.none() | st.lists(st.integers(1, 9)),
)
def test_a_product_item_comes_back_equal_with_its_rows_media_and_relations(
    sku: str,
    line: int,
    cells: dict[str, str],
    store_id: int,
    gallery: list[GalleryImage],
    roles: dict[str, str],
    websites: list[int] | None,
) -> None:
    media = MediaPlan()
    for image in gallery:
        media.image(image.file).label = image.label
    media.roles = roles
    item = ProductItem(
        row=SourceRow("f.csv", line, cells, sku, store_id, "hash"),
        sku=sku,
        store_id=store_id,
        websites=websites,
        media=media,
        sources=[SourceItemPlan("default", Decimal("1.5"), 1)],
        bundle=[BundleOptionPlan("t", "select", True, 1, [Selection(sku, Decimal(1), True, 0, Decimal(2), False, 1)])],
        is_new=bool(line % 2),
    )
    back = pickle.loads(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == item
    assert back.media is not None and back.media.by_file == media.by_file  # the index rebuilt, not sent
    assert all(back.media.by_file[i.file] is i for i in back.media.images)


@given(st.lists(st.tuples(st.integers(), text), max_size=1_200), st.integers(0, 9))
def test_a_prepared_batch_comes_back_equal_from_its_pieces(cells: list[tuple[int, str]], store_id: int) -> None:
    """A batch's items travel as nested pickles of ``PIECE`` items (the GIL can change hands between them)."""
    items = [ProductItem(SourceRow("f.csv", n + 2, {}, f"s{n}"), f"s{n}", store_id) for n, _ in enumerate(cells)]
    errors = [RowError("f.csv", 3, "sku", "bad")]
    prepared = _Prepared(items, errors, {})
    data = pickle.dumps(prepared, pickle.HIGHEST_PROTOCOL)
    back = pickle.loads(data)
    assert back == prepared
    assert len(in_pieces(items)) == -(-len(items) // PIECE)  # ceil: no piece more than PIECE items
    assert from_pieces(in_pieces(cells)) == cells
