"""Line numbers of order items: the rule's start, step, width and prefix, children numbered or not, per website."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conveyor.catalog.sales import line_numbers
from conveyor.settings import LineNumberRule, SalesSection, Settings

RULES = st.builds(
    LineNumberRule,
    start=st.integers(0, 10_000),
    step=st.integers(1, 1_000),
    width=st.integers(1, 8),
    prefix=st.text(st.characters(categories=("Lu", "Nd", "Pd")), max_size=4),
    number_children=st.booleans(),
)


@given(st.lists(st.booleans(), max_size=40), RULES)
def test_numbers_follow_the_rule_in_item_order(is_child: list[bool], rule: LineNumberRule) -> None:
    numbers = line_numbers(is_child, rule)
    assert len(numbers) == len(is_child)
    given_numbers = [n for n in numbers if n is not None]
    expected_count = len(is_child) if rule.number_children else is_child.count(False)
    assert len(given_numbers) == expected_count
    values = []
    for number in given_numbers:
        assert number.startswith(rule.prefix)
        digits = number[len(rule.prefix) :]
        assert digits.isdigit() and len(digits) >= rule.width
        values.append(int(digits))
    assert values == [rule.start + n * rule.step for n in range(len(values))]  # consecutive steps, no gap
    for child, maybe in zip(is_child, numbers, strict=True):
        assert (maybe is None) == (child and not rule.number_children)


def test_the_default_is_0010_0020_0030_without_children() -> None:
    assert line_numbers([False, True, False, False], LineNumberRule()) == ["0010", None, "0020", "0030"]
    assert line_numbers([False, True], LineNumberRule(number_children=True, prefix="L-", width=3, start=1, step=1)) == [
        "L-001",
        "L-002",
    ]


def test_each_website_has_its_rule_else_the_default_entry_else_the_built_in_one() -> None:
    section = SalesSection.model_validate(
        {"line_numbers": {"base": {"start": 1, "step": 1, "width": 3}, "default": {"step": 5}}}
    )
    assert section.line_number_rule("base") == LineNumberRule(start=1, step=1, width=3)
    assert section.line_number_rule("eu") == LineNumberRule(step=5)
    assert SalesSection().line_number_rule("base") == LineNumberRule()
    settings = Settings(line_numbers={"eu": LineNumberRule(prefix="EU", width=2)})  # the settings carry the section
    assert settings.line_number_rule("eu").prefix == "EU"
