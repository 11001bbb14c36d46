"""Import profiles: the declarative description of an import (YAML), so a user adapts a file, not code.

A profile names the entity and operation, maps source columns onto Magento's, gives defaults, chooses how
values are read (date formats, decimal and multi-value separators, booleans), which row observers
(``conveyor.importer.observers``) see each row, which optional steps run,
what is cleaned up, the error policy and the change detection. Everything has Magento's default, so an
empty profile imports a Magento export unchanged. Examples: src/conveyor/examples/import-profiles/.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import orjson
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from conveyor.importer.converters import (
    DEFAULT_DATE_FORMATS,
    DEFAULT_FALSE,
    DEFAULT_TRUE,
    Converter,
    ValueParsers,
    build_converter,
)
from conveyor.importer.observers import Observer, build_observer
from conveyor.importer.readers import CsvFormat

OPERATIONS = ("add-update", "replace", "delete")
ERROR_POLICIES = ("skip", "fail")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "import-profiles"


class ProfileError(ValueError):
    """A profile that cannot be used (bad YAML, unknown option, unknown converter)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CsvOptions(_Section):
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    enclosure: str = Field(default='"', min_length=1, max_length=1)
    encoding: str = "utf-8"


class ValueOptions(_Section):
    """How cells are read."""

    date_formats: list[str] = Field(default_factory=lambda: list(DEFAULT_DATE_FORMATS))
    timezone: str | None = None  # the zone the file's dates are in (stored as UTC); None: taken as they are
    decimal_separator: str = "."
    thousands_separator: str = ","
    true_values: list[str] = Field(default_factory=lambda: list(DEFAULT_TRUE))
    false_values: list[str] = Field(default_factory=lambda: list(DEFAULT_FALSE))
    multiple_value_separator: str = "|"  # between the values of a multiselect, variations, bundle selections
    multiple_field_separator: str = ","  # between code=value pairs, skus, paths, images
    category_path_separator: str = "/"
    empty_value: str = "__EMPTY__VALUE__"  # a cell holding this removes the stored value


class Steps(_Section):
    """Optional steps of the product import (and the switches for dynamic creation)."""

    categories: bool = True
    websites: bool = True
    media: bool = True
    links: bool = True  # related / cross-sell / up-sell
    variants: bool = True  # configurable super attributes and children
    grouped: bool = True
    bundles: bool = True
    stock: bool = True
    tier_prices: bool = True
    create_categories: bool = True  # missing categories of a path are created
    create_options: bool = True  # missing select / multiselect option values are created


class CleanUp(_Section):
    """What add-update removes beyond the row (replace always makes the entity exactly the row)."""

    # an empty cell removes the stored value (otherwise it leaves it alone); products' attribute columns, where
    # the row speaks for the value (not a global attribute in a store-view row; a new product takes its default)
    empty_values: bool = False
    categories: bool = True  # the row's categories replace the product's (not only added)
    websites: bool = True
    links: bool = True  # per link type given
    media: bool = False  # images not in the row leave the gallery


class ChangeDetection(_Section):
    content_hash: bool = True  # skip rows whose content equals what was imported last time
    timestamps: bool = False  # skip rows whose updated_at is not newer than the last imported one


class ErrorPolicy(_Section):
    policy: Literal["skip", "fail"] = "skip"
    max_errors: int | None = Field(default=None, ge=0)


class Profile(BaseModel):
    """One import's declarative settings; every field has Magento's default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entity: str = "products"
    operation: Literal["add-update", "replace", "delete"] = "add-update"
    csv: CsvOptions = Field(default_factory=CsvOptions)
    columns: dict[str, str] = Field(default_factory=dict)  # source column → Magento column
    defaults: dict[str, str] = Field(default_factory=dict)  # Magento column → value for empty / missing cells
    converters: dict[str, dict[str, Any]] = Field(default_factory=dict)  # Magento column → converter spec
    observers: list[dict[str, Any]] = Field(default_factory=list)  # row observer specs, run in this order
    values: ValueOptions = Field(default_factory=ValueOptions)
    steps: Steps = Field(default_factory=Steps)
    clean_up: CleanUp = Field(default_factory=CleanUp)
    change_detection: ChangeDetection = Field(default_factory=ChangeDetection)
    errors: ErrorPolicy = Field(default_factory=ErrorPolicy)
    batch_size: int = Field(default=5000, ge=1, le=50_000)
    tax_classes: dict[str, int] = Field(default_factory=lambda: {"None": 0, "Taxable Goods": 2})
    # additional_attributes naming no attribute: ignored with a warning (Magento), or the row is invalid
    unknown_attributes: Literal["ignore", "error"] = "ignore"
    options: dict[str, Any] = Field(default_factory=dict)  # free settings for custom entity importers

    @field_validator("converters")
    @classmethod
    def _converter_types(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for column, spec in value.items():
            if not isinstance(spec, dict) or not spec.get("type"):
                raise ValueError(f"converter of {column!r} needs a type")
        return value

    @field_validator("observers")
    @classmethod
    def _observer_types(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for number, spec in enumerate(value, start=1):
            if not isinstance(spec, dict) or not spec.get("type"):
                raise ValueError(f"observer {number} needs a type")
        return value

    @cached_property
    def csv_format(self) -> CsvFormat:
        return CsvFormat(self.csv.delimiter, self.csv.enclosure, self.csv.encoding)

    @cached_property
    def parsers(self) -> ValueParsers:
        v = self.values
        return ValueParsers(
            date_formats=v.date_formats,
            decimal_separator=v.decimal_separator,
            thousands_separator=v.thousands_separator,
            true_values=v.true_values,
            false_values=v.false_values,
            timezone=v.timezone,
        )

    @cached_property
    def column_converters(self) -> dict[str, Converter]:
        try:
            return {column: build_converter(spec) for column, spec in self.converters.items()}
        except ValueError as error:
            raise ProfileError(str(error)) from None

    @cached_property
    def row_observers(self) -> list[Observer]:
        try:
            return [build_observer(spec) for spec in self.observers]
        except ValueError as error:
            raise ProfileError(str(error)) from None

    @cached_property
    def fingerprint(self) -> str:
        """A hash of everything that changes how a row is read: part of each row's content hash, so that
        rows imported under another profile are not taken for unchanged."""
        settings = self.model_dump(exclude={"errors", "batch_size", "change_detection"})
        return hashlib.blake2b(orjson.dumps(settings, option=orjson.OPT_SORT_KEYS), digest_size=8).hexdigest()

    def with_overrides(self, **changes: Any) -> Profile:
        """A copy with top-level fields replaced (the CLI's --operation, --errors, --max-errors)."""
        data = self.model_dump()
        data.update({k: v for k, v in changes.items() if v is not None})
        return Profile.model_validate(data)


def load_profile(source: str | Path | Mapping[str, Any]) -> Profile:
    """A profile from a YAML file, the name of a packaged example (``products``), or a mapping."""
    if isinstance(source, Mapping):
        data: Any = dict(source)
    else:
        path = Path(source)
        if not path.exists() and not path.suffix:
            packaged = EXAMPLES / f"{source}.yaml"
            if packaged.exists():
                path = packaged
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as error:
            raise ProfileError(f"profile {source}: {error}") from None
        except yaml.YAMLError as error:
            raise ProfileError(f"profile {source}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ProfileError("a profile is a mapping of settings")
    try:
        profile = Profile.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ProfileError(f"profile: {problems}") from None
    _ = profile.column_converters, profile.row_observers  # unknown ones fail here, not in the middle of an import
    return profile


__all__ = ["ERROR_POLICIES", "OPERATIONS", "Profile", "ProfileError", "load_profile"]
