"""Codes Conveyor makes the way Magento does: an attribute's code from its label, a group's code from its name."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from conveyor.catalog.eav import code_from_label, validate_code
from conveyor.catalog.eav.sets import group_code


@given(st.text(min_size=1, max_size=80))
def test_a_label_always_gives_a_valid_code(label: str) -> None:
    code = code_from_label(label)
    assert validate_code(code) == code
    assert code == code_from_label(label)  # stable: the same label, the same code


def test_codes_from_labels_as_magento_makes_them() -> None:
    assert code_from_label("Care Notes") == "care_notes"
    assert code_from_label("Care-Notes 2") == "care_notes_2"
    assert code_from_label("3D Print").startswith("attr_3d")
    assert re.fullmatch(r"attr_[0-9a-f]{8}", code_from_label("!!!"))


@given(st.text(max_size=60))
def test_group_codes_are_lowercase_dashed_or_an_md5(name: str) -> None:
    code = group_code(name)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*|[0-9a-f]{32}", code)


def test_group_codes_as_magento_makes_them() -> None:
    assert group_code("Fit & Feel") == "fit-feel"
    assert group_code("Images") != "images"  # a code Magento keeps for its own tab
