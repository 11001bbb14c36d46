"""Attribute sets and groups on the databases: what a set holds and its defaults (the product writer's view),
renaming, the default set that cannot go, and groups with system attributes."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from conveyor.catalog.eav import (
    DEFAULT_PRODUCT_SET_ID,
    AttributeInput,
    AttributeOption,
    AttributeRepository,
    delete_group,
    delete_set,
    option_table,
    save_group,
    set_attributes,
    set_default_values,
    set_defaults,
    update_set,
)
from conveyor.catalog.errors import DuplicateError, InvalidValueError, NotFoundError

repo = AttributeRepository()


def test_set_attributes_and_defaults_follow_membership(engine: Engine) -> None:
    with engine.begin() as conn:
        repo.save(
            conn,
            AttributeInput(
                attribute_code="shade",
                frontend_input="select",
                options=[AttributeOption(label="Red"), AttributeOption(label="Blue", is_default=True)],
            ),
        )
        blue = next(o.value for o in repo.get(conn, "shade").options if o.label == "Blue")
        lean = repo.create_set(conn, "Lean")
        group = save_group(conn, attribute_set_id=lean, name="Looks")
        assert "shade" not in set_attributes(conn, lean)
        assert "shade" not in set_defaults(conn, lean)  # outside the set: no default, whatever it is
        repo.assign(conn, lean, group.attribute_group_id, "shade")
        members = set_attributes(conn, lean)
        assert {"name", "sku", "price", "status", "shade"} <= set(members)
        assert members["shade"].uses_options
        defaults = set_defaults(conn, lean, "simple")
        assert defaults["shade"] == str(blue)
        assert (defaults["status"], defaults["visibility"], defaults["tax_class_id"]) == ("1", "4", "2")
        assert "tax_class_id" not in set_defaults(conn, lean, "grouped")  # applies to physical types only
        assert "sku" not in defaults  # static attributes have no stored default
        typed = set_default_values(conn, lean, "simple")
        assert (typed["shade"], typed["status"], typed["visibility"]) == (blue, 1, 4)  # a select default is valid
        conn.execute(option_table.delete().where(option_table.c.option_id == blue))
        assert "shade" not in set_default_values(conn, lean, "simple")  # a stale default gives nothing
        with pytest.raises(NotFoundError):
            set_attributes(conn, 9999)


def test_rename_delete_and_groups(engine: Engine) -> None:
    with engine.begin() as conn:
        first = repo.create_set(conn, "First")
        second = repo.create_set(conn, "Second")
        with pytest.raises(DuplicateError):
            update_set(conn, second, "First", None)
        with pytest.raises(InvalidValueError, match="name is empty"):
            update_set(conn, second, "  ", None)
        renamed = update_set(conn, second, "Renamed", 7)
        assert (renamed.attribute_set_name, renamed.sort_order) == ("Renamed", 7)
        with pytest.raises(InvalidValueError, match="default attribute set can't be deleted"):
            delete_set(conn, DEFAULT_PRODUCT_SET_ID)

        group = save_group(conn, attribute_set_id=first, name="Extra Things!")
        assert group.attribute_group_code == "extra-things"
        moved = save_group(conn, attribute_set_id=first, group_id=group.attribute_group_id, name="More", sort_order=3)
        assert (moved.attribute_group_name, moved.attribute_group_code, moved.sort_order) == (
            "More",
            "extra-things",
            3,
        )
        with pytest.raises(InvalidValueError, match="doesn't belong"):
            save_group(conn, attribute_set_id=second, group_id=group.attribute_group_id, name="X")
        groups = repo.get_set(conn, first).groups
        details = next(g for g in groups if g.attribute_group_code == "product-details")  # system attributes
        with pytest.raises(InvalidValueError, match="system attributes"):
            delete_group(conn, details.attribute_group_id)
        delete_group(conn, group.attribute_group_id)
        with pytest.raises(NotFoundError):
            delete_group(conn, group.attribute_group_id)

        delete_set(conn, first)
        with pytest.raises(NotFoundError):
            repo.get_set(conn, first)
