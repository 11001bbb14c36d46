"""The category tree on the three databases: Magento's roots, create/update/move/delete with paths, levels,
positions and children counts, store-view names, url paths, the tree view and names-path lookups."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from conveyor.catalog import NO_EVENTS
from conveyor.catalog.categories.repository import (
    CategoryInput,
    CategoryRepository,
    category_product_table,
    category_table,
    category_values,
    split_names_path,
)
from conveyor.catalog.errors import InvalidValueError, NotFoundError
from conveyor.catalog.products.models import CategoryLink, ProductInput
from conveyor.catalog.products.repository import ProductRepository
from tests.integration.catalog.product_fixtures import add_store_view, table_count

repo = CategoryRepository()


def _rows(engine: Engine) -> dict[int, tuple[int, str, int, int, int]]:
    """id → (parent, path, level, position, children_count)."""
    with engine.connect() as conn:
        return {
            row.entity_id: (row.parent_id, row.path, row.level, row.position, row.children_count)
            for row in conn.execute(sa.select(category_table))
        }


def test_magento_root_categories_are_installed(engine: Engine) -> None:
    rows = _rows(engine)
    assert rows == {1: (0, "1", 0, 0, 1), 2: (1, "1/2", 1, 1, 0)}
    with engine.connect() as conn:
        root, default = repo.get(conn, 1), repo.get(conn, 2)
    assert (root.name, default.name, default.is_active, default.is_anchor) == (
        "Root Catalog",
        "Default Category",
        True,
        True,
    )
    assert default.custom_attributes["display_mode"] == "PRODUCTS"


def test_create_computes_path_level_position_counts_and_url_path(engine: Engine) -> None:
    with engine.begin() as conn:
        gear = repo.create(conn, CategoryInput(name="Gear"))
        bags = repo.create(
            conn, CategoryInput(name="Bags & Backpacks", parent_id=gear, custom_attributes={"description": "All bags"})
        )
        watches = repo.create(conn, CategoryInput(name="Watches", parent_id=gear, is_active=False, url_key="time"))
        record = repo.get(conn, bags)
    rows = _rows(engine)
    assert rows[gear] == (2, f"1/2/{gear}", 2, 1, 2)
    assert rows[bags] == (gear, f"1/2/{gear}/{bags}", 3, 1, 0)
    assert rows[watches] == (gear, f"1/2/{gear}/{watches}", 3, 2, 0)
    assert rows[1][4] == 4 and rows[2][4] == 3  # every ancestor counts every descendant
    assert (record.name, record.url_key, record.url_path, record.level) == (
        "Bags & Backpacks",
        "bags-backpacks",
        "gear/bags-backpacks",
        3,
    )
    assert (record.is_active, record.include_in_menu, record.custom_attributes["description"]) == (
        True,
        True,
        "All bags",
    )
    with engine.connect() as conn:
        assert repo.get(conn, watches).url_path == "gear/time" and repo.get(conn, watches).is_active is False
        assert repo.get(conn, gear).children == [bags, watches]
        with pytest.raises(NotFoundError, match="No such entity with id = 999"):
            repo.create(conn, CategoryInput(name="Orphan", parent_id=999))
        with pytest.raises(InvalidValueError, match='The "name" attribute value is empty'):
            repo.create(conn, CategoryInput(name=" "))


def test_store_view_values_and_url_key_changes(engine: Engine) -> None:
    with engine.begin() as conn:
        add_store_view(conn, 2, "french")
        gear = repo.create(conn, CategoryInput(name="Gear"))
        bags = repo.create(conn, CategoryInput(name="Bags", parent_id=gear))
        repo.update(conn, gear, CategoryInput(name="Équipement", is_active=False), store_id=2)
        repo.update(conn, gear, CategoryInput(url_key="equipment"))
    with engine.connect() as conn:
        french, default = repo.get(conn, gear, store_id=2), repo.get(conn, gear)
        assert (french.name, french.is_active) == ("Équipement", False)
        assert (default.name, default.is_active, default.url_key, default.url_path) == (
            "Gear",
            True,
            "equipment",
            "equipment",
        )
        assert repo.get(conn, bags).url_path == "equipment/bags"  # descendants follow
        assert repo.get(conn, bags, store_id=2).name == "Bags"
    with (
        pytest.raises(InvalidValueError, match='"is_active" attribute value is not valid: maybe'),
        engine.begin() as conn,
    ):
        repo.update(conn, gear, CategoryInput(custom_attributes={"is_active": "maybe"}))


def test_move_rewrites_the_subtree_and_counts(engine: Engine) -> None:
    with engine.begin() as conn:
        ids = repo.ensure_paths(conn, ["Default Category/A/A1/A11", "Default Category/B/B1", "Default Category/B/B2"])
    a11, b1, b2 = ids["Default Category/A/A1/A11"], ids["Default Category/B/B1"], ids["Default Category/B/B2"]
    with engine.connect() as conn:
        a = repo.id_by_path(conn, "Default Category/A") or 0
        a1 = repo.id_by_path(conn, "Default Category/A/A1") or 0
        b = repo.id_by_path(conn, "Default Category/B") or 0
    with engine.begin() as conn:
        repo.move(conn, a1, b, after_id=b1)  # A1 (with A11) goes between B1 and B2
    rows = _rows(engine)
    assert rows[a1] == (b, f"1/2/{b}/{a1}", 3, 2, 1)
    assert rows[a11] == (a1, f"1/2/{b}/{a1}/{a11}", 4, 1, 0)
    assert [rows[i][3] for i in (b1, a1, b2)] == [1, 2, 3]
    assert rows[a][4] == 0 and rows[b][4] == 4 and rows[2][4] == 6 and rows[1][4] == 7
    with engine.connect() as conn:
        assert repo.get(conn, a11).url_path == "b/a1/a11"
        assert repo.get(conn, b).children == [b1, a1, b2]
    with engine.begin() as conn:
        repo.move(conn, b2, b, after_id=0)  # first among its siblings
        repo.move(conn, a11, a)  # last (only) child of A
    rows = _rows(engine)
    assert [rows[i][3] for i in (b2, b1, a1)] == [1, 2, 3]
    assert rows[a11][:3] == (a, f"1/2/{a}/{a11}", 3) and rows[a1][4] == 0 and rows[a][4] == 1
    with pytest.raises(InvalidValueError, match="move a parent category to any of children"), engine.begin() as conn:
        repo.move(conn, b, a1)
    with pytest.raises(InvalidValueError, match="Cannot move category with id 1"), engine.begin() as conn:
        repo.move(conn, 1, 2)


def test_delete_removes_the_subtree_values_and_product_links(engine: Engine) -> None:
    with engine.begin() as conn:
        ids = repo.ensure_paths(conn, ["Default Category/Gear/Bags/Small", "Default Category/Sale"])
        gear = repo.id_by_path(conn, "Default Category/Gear") or 0
        ProductRepository().save(
            conn,
            ProductInput(
                sku="bag",
                name="Bag",
                price=1,
                category_links=[CategoryLink(category_id=ids["Default Category/Gear/Bags/Small"])],
            ),
            events=NO_EVENTS,
        )
        deleted = repo.delete(conn, gear)
    assert len(deleted) == 3 and ids["Default Category/Gear/Bags/Small"] in deleted
    rows = _rows(engine)
    assert set(rows) == {1, 2, ids["Default Category/Sale"]}
    assert rows[2][4] == 1 and rows[1][4] == 2
    with engine.connect() as conn:
        assert table_count(conn, category_product_table) == 0
        for table in category_values.values():
            assert table_count(conn, table, table.c.entity_id.in_(deleted)) == 0
        assert ProductRepository().get(conn, "bag").category_links == []
    with pytest.raises(InvalidValueError, match="Cannot delete category with id 1"), engine.begin() as conn:
        repo.delete(conn, 1)


def test_tree_with_depth_and_product_counts(engine: Engine) -> None:
    with engine.begin() as conn:
        ids = repo.ensure_paths(
            conn, ["Default Category/Men/Tops/Jackets", "Default Category/Men/Bottoms", "Default Category/Women"]
        )
        jackets = ids["Default Category/Men/Tops/Jackets"]
        men = repo.id_by_path(conn, "Default Category/Men") or 0
        ProductRepository().save_many(
            conn,
            [
                ProductInput(
                    sku=f"j{n}",
                    name=f"Jacket {n}",
                    price=1,
                    category_links=[CategoryLink(category_id=jackets, position=n)],
                )
                for n in (2, 1)
            ],
            events=NO_EVENTS,
        )
        full = repo.tree(conn)
        shallow = repo.tree(conn, root_id=men, depth=1)
        assert repo.product_ids(conn, jackets) == [
            (ProductRepository().ids_by_sku(conn, ["j1"])["j1"], 1),
            (ProductRepository().ids_by_sku(conn, ["j2"])["j2"], 2),
        ]

    def names(node: object) -> object:
        return (node.name, [names(child) for child in node.children_data])  # type: ignore[attr-defined]

    assert names(full) == ("Default Category", [("Men", [("Tops", [("Jackets", [])]), ("Bottoms", [])]), ("Women", [])])
    assert names(shallow) == ("Men", [("Tops", []), ("Bottoms", [])])
    jackets_node = full.children_data[0].children_data[0].children_data[0]
    assert (jackets_node.id, jackets_node.level, jackets_node.product_count, jackets_node.is_active) == (
        jackets,
        4,
        2,
        True,
    )


def test_names_path_lookup_and_creation_of_missing_segments(engine: Engine) -> None:
    with engine.begin() as conn:
        add_store_view(conn, 2, "german")
        first = repo.ensure_paths(conn, ["Default Category/Gear/Bags", "Default Category/Gear/Watches"])
        count = table_count(conn, category_table)
        again = repo.ensure_paths(
            conn, ["Default Category/Gear/Bags", "default category/GEAR/Fitness", "Default Category/Gear"]
        )
        assert table_count(conn, category_table) == count + 1  # only Fitness was missing
        gear = again["Default Category/Gear"]
        repo.update(conn, gear, CategoryInput(name="Ausrüstung"), store_id=2)
    assert again["Default Category/Gear/Bags"] == first["Default Category/Gear/Bags"]
    with engine.connect() as conn:
        fitness = repo.get(conn, again["default category/GEAR/Fitness"])
        assert (fitness.parent_id, fitness.name) == (gear, "Fitness")
        assert repo.id_by_path(conn, "Default Category/Gear/Watches") == first["Default Category/Gear/Watches"]
        assert (
            repo.id_by_path(conn, "Default Category/Ausrüstung/Bags", store_id=2) == first["Default Category/Gear/Bags"]
        )
        assert repo.id_by_path(conn, "Default Category/Ausrüstung/Bags") is None
        assert repo.id_by_path(conn, "Default Category / Gear / Nothing") is None
        with pytest.raises(InvalidValueError, match="category path"):
            repo.id_by_path(conn, "Default Category//Bags")


@given(
    st.lists(
        st.text(alphabet=st.characters(exclude_characters="/"), min_size=1).filter(str.strip), min_size=1, max_size=6
    )
)
def test_names_path_splitting(segments: list[str]) -> None:
    assert split_names_path("/".join(segments)) == [s.strip() for s in segments]
    for position in range(len(segments) + 1):  # an empty segment anywhere is refused
        with pytest.raises(InvalidValueError):
            split_names_path("/".join([*segments[:position], " ", *segments[position:]]))
