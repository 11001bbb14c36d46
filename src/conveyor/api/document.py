"""What the OpenAPI document must say beyond what the models generate, so that it describes what the server takes.

Rules the whole API applies, declared here once rather than on every field:

* every text passes ``check_text``: a NUL character is refused (no database keeps it), so each plain string
  schema gets the pattern that excludes it, and each mapping (``dict[str, …]``) the same rule for its keys;
* a free-form value (``Any``, ``dict[str, Any]``: Magento's ``extension_attributes``) is any JSON value without
  NUL and with 64-bit integers (``check_text`` refuses more anywhere: no queue message or consumer takes it):
  ``JsonValue``;
* every body field named ``sku``, ``…_sku`` or ``skus`` passes ``check_skus`` (as every path parameter named
  ``sku``/``…Sku`` passes ``check_sku``): the sku's characters and length (``SKU_PATTERN``, ``BODY_SKU_PATTERN``);
* a ``Decimal`` takes a number or decimal text (``DECIMAL_TEXT``), not any text;
* a typed integer without bounds of its own lies within MySQL INT (``INT_MIN``..``INT_MAX``): the widest integer
  column a payload's number lands in; ``check_integers`` refuses others (every write body, in routing) with a 400
  naming the field.

Fields whose rules the server checks itself, with Magento's own messages, declare them with ``pattern``,
``requires`` and ``declares``; the queued routes check a body against this schema at intake (``BodyCheck``).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, get_args

import jsonschema_rs
from pydantic import BaseModel

from conveyor.api.errors import INVALID, OUT_OF_RANGE, REQUIRED, ApiError, _short_json
from conveyor.api.sku import is_sku_key
from conveyor.db.decimal_schema import bounded_decimal

NO_NUL = "^[^\\u0000]*$"
# decimal text as pydantic reads it into a ``Decimal`` (ASCII digits, a point, an exponent); no more is documented.
# The exponent has at most 17 significant digits: ``decimal`` refuses an adjusted exponent past 999999999999999999
DECIMAL_TEXT = "^[+-]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?0*[0-9]{1,17})?(?![\\s\\S])"
MIN_INT, MAX_INT = -(2**63), 2**64 - 1  # what orjson writes: int64 and uint64
INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # MySQL INT, the widest integer column a payload's typed number lands in
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "const")
JSON_VALUE = "JsonValue"
ECHOING = frozenset({"ErrorResponse", "RequestItem"})  # answers that repeat a refused value, whatever it was
_CONSTRAINED = ("pattern", "enum", "const", "format")
_SHAPES = ("type", "$ref", "anyOf", "allOf", "oneOf", "enum", "const", "not", "properties", "items")


def json_value(ref: str) -> dict[str, Any]:
    """Any JSON value without NUL in its texts and keys and with 64-bit integers; ``ref`` points at itself."""
    return {
        "anyOf": [
            {"type": "null"},
            {"type": "boolean"},
            {"type": "integer", "minimum": MIN_INT, "maximum": MAX_INT},
            {"type": "number", "not": {"type": "integer"}},
            {"type": "string", "pattern": NO_NUL},
            {"type": "array", "items": {"$ref": ref}},
            {"type": "object", "propertyNames": {"pattern": NO_NUL}, "additionalProperties": {"$ref": ref}},
        ]
    }


def declare_text_rules(document: dict[str, Any]) -> None:
    """Apply the API-wide rules to ``document`` (in place): its components in full, its paths' inline schemas
    for texts only (a bulk route's items stay free: a malformed one is rejected, not refused)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    ref = f"#/components/schemas/{JSON_VALUE}"
    sent = _sent(document)
    for name, schema in schemas.items():
        if name not in ECHOING:
            _schema(schema, ref, name in sent)
    schemas[JSON_VALUE] = json_value(ref)
    _visit(document.get("paths", {}))


def _sent(document: dict[str, Any]) -> set[str]:
    """The components a request body refers to, directly or through others: their integers are bounded (an
    answer's are not: a stored count or id may be wider than what a payload may set)."""
    schemas = document.get("components", {}).get("schemas", {})
    found: set[str] = set()
    todo = [
        body
        for item in document.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, dict)
        for body in [op.get("requestBody")]
        if body
    ]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            target = node.get("$ref")
            if isinstance(target, str) and target.startswith("#/components/schemas/"):
                name = target.rsplit("/", 1)[1]
                if name not in found:
                    found.add(name)
                    todo.append(schemas.get(name))
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return found


def _schema(node: Any, ref: str | None, sent: bool = True) -> Any:
    """Walk one schema: the rule on texts, and (``ref`` given) free values as ``JsonValue``."""
    if not isinstance(node, dict):
        return node
    if ref is not None and not any(key in node for key in _SHAPES):
        return {**node, "$ref": ref}
    _rules(node)
    # a typed integer without bounds of its own: MySQL INT's, as ``check_integers`` refuses others (64 bits would
    # invite values that a column refuses; only a free value's integers are bounded by 64 bits alone)
    if sent and node.get("type") == "integer" and not any(key in node for key in _BOUNDS):
        node.update(minimum=INT_MIN, maximum=INT_MAX)
    for key in ("properties", "$defs"):
        for name, child in list(node.get(key, {}).items()):
            node[key][name] = _schema(child, ref, sent)
            if key == "properties" and (is_sku_key(name) or name == "skus"):
                _sku_rule(node[key][name], name == "skus")
    for key in ("anyOf", "allOf", "oneOf", "prefixItems"):
        if isinstance(node.get(key), list):
            node[key] = [_schema(child, ref, sent) for child in node[key]]
    for key in ("items", "not"):
        if isinstance(node.get(key), dict):
            node[key] = _schema(node[key], ref, sent)
    extra = node.get("additionalProperties")
    if extra is True and ref is not None:
        node["additionalProperties"] = {"$ref": ref}
    elif isinstance(extra, dict):
        node["additionalProperties"] = _schema(extra, ref, sent)
    if node.get("additionalProperties") not in (None, False):  # a mapping's keys are texts too (``check_text``)
        node.setdefault("propertyNames", {"pattern": NO_NUL})
    return node


def _sku_rule(node: Any, listed: bool) -> None:
    """A body's sku field (or ``skus``' items) takes ``BODY_SKU_PATTERN``, as ``check_skus`` checks every body; a
    field that declares itself non-blank (or non-empty) takes the sku's rule without the empty case."""
    if not isinstance(node, dict):
        return
    for kind in node.get("anyOf", []):
        _sku_rule(kind, listed)
    if listed:
        _sku_rule(node.get("items"), False)
        return
    if node.get("type") != "string":
        return
    current = node.get("pattern")
    if current in (None, NO_NUL, NON_BLANK):
        node["pattern"] = SKU_PATTERN if current == NON_BLANK or node.get("minLength") else BODY_SKU_PATTERN
        node["maxLength"] = min(node.get("maxLength", SKU_MAX_LENGTH), SKU_MAX_LENGTH)


def _rules(node: dict[str, Any]) -> None:
    """A decimal (pydantic's ``Decimal``: a number, or text) takes only text that reads as a decimal number."""
    kinds = [kind for kind in node.get("anyOf", []) if kind != {"type": "null"}]
    if len(kinds) == 2 and kinds[0].get("type") == "number" and kinds[1] == {"type": "string"}:
        kinds[1]["pattern"] = decimal_text(kinds[0])
    if node.get("type") == "string" and not any(key in node for key in _CONSTRAINED):
        node["pattern"] = NO_NUL


def decimal_text(number: dict[str, Any]) -> str:
    """The text a ``Decimal`` field takes beside ``number`` (its number schema), within its bounds as far as a
    pattern says them: no minus sign from a lower bound of 0, a non-zero digit above an exclusive 0, fewer integer
    digits than the largest bound has, no exponent (a bounded field); any decimal text for an unbounded one."""
    low = number.get("minimum", number.get("exclusiveMinimum"))
    high = number.get("maximum", number.get("exclusiveMaximum"))
    if low is None or high is None:
        return DECIMAL_TEXT
    sign = "[+-]?" if low < 0 else "[+]?"
    nonzero = "(?=0*\\.?0*[1-9])" if low > 0 or (low == 0 and "exclusiveMinimum" in number) else ""
    whole = "[0-9]{0," + str(max(len(str(int(abs(bound)))) for bound in (low, high)) - 1) + "}"
    return "^" + sign + nonzero + "(?=\\.?[0-9])0*" + whole + "(?:\\.[0-9]*)?(?![\\s\\S])"


def _visit(node: Any) -> None:
    """Texts anywhere under ``node`` (the paths: parameters, inline bodies)."""
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            _rules(node)
        for value in node.values():
            _visit(value)
    elif isinstance(node, list):
        for value in node:
            _visit(value)


# Patterns for fields whose rules the server checks itself (with Magento's own messages), declared on the field
# with ``Field(json_schema_extra={"pattern": …})`` so that the document says what the check accepts. Python's
# ``$`` also matches before a final newline, so "nothing more" is written as the lookahead ``(?![\s\S])``.
# what Python's ``str.isspace`` (and so ``strip``) takes for whitespace, spelled out: JSON Schema's regex engines
# (Python's, the Rust one of the intake check) disagree on ``\s``
WS = "\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NON_BLANK = "^[^\\u0000]*[^" + WS + "\\u0000][^\\u0000]*$"  # not empty once stripped, as ``text.strip()``
NO_TEMPLATE = "(?![\\s\\S]*\\$:*\\{.*\\})"  # MSI refuses ``${…}`` in names and codes
# an email address as ``conveyor.catalog.customers``' check reads it (stripped; one @, a dotted domain)
_NOT_IN_EMAIL = "@" + WS + "\\u0000"
EMAIL = (
    "^[" + WS + "]*[^" + _NOT_IN_EMAIL + "]+@[^" + _NOT_IN_EMAIL + ".]+(?:\\.[^" + _NOT_IN_EMAIL + ".]+)+[" + WS + "]*$"
)
# Magento's default password rule as ``conveyor.catalog.customers.passwords`` checks it: no whitespace around it and
# three of the four (ASCII) classes, no NUL (``check_text``); its length in ``PASSWORD`` (not the email: only the
# server can say)
_CLASSES = [
    "(?=[\\s\\S]*[a-z])",
    "(?=[\\s\\S]*[A-Z])",
    "(?=[\\s\\S]*[0-9])",
    "(?=[\\s\\S]*[^a-zA-Z0-9])",
]
_THREE_CLASSES = "(?:" + "|".join("".join(c for c in _CLASSES if c != left) for left in _CLASSES) + ")"
PASSWORD: dict[str, Any] = {  # a text field's ``json_schema_extra``
    "minLength": 8,
    "maxLength": 256,
    "pattern": "^(?![" + WS + "])(?![\\s\\S]*[" + WS + "](?![\\s\\S]))(?![\\s\\S]*\\u0000)" + _THREE_CLASSES,
}
BLANK = "[" + WS + "]*"
END = "(?![\\s\\S])"  # nothing more (Python's ``$`` also matches before a final newline)
DAY = "-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"  # a month and a day every month has
# blank (none), or a day from 1900 up to last year, as ``date_of_birth`` takes it (a day in the past)
DATE_OF_BIRTH: dict[str, Any] = {
    "anyOf": [
        {
            "type": "string",
            "pattern": "^" + BLANK + "(?:(?:19[0-9]{2}|20[01][0-9]|202[0-4])" + DAY + ")?" + BLANK + END,
        },
        {"type": "null"},
    ]
}
MSI_NAME = "^" + NO_TEMPLATE + NON_BLANK[1:]
MSI_CODE = "^" + NO_TEMPLATE + "[^" + WS + "\\u0000]+(?![\\s\\S])"  # not empty, no whitespace, no template


# a sku as ``conveyor.api.sku.check_sku`` takes it: no control character, U+FFFD or line separator, no whitespace
# around it, at most 64 characters; in a body an empty one is the handler's to refuse (a custom option's may be)
_NOT_IN_SKU = "\\u0000-\\u001f\\u007f-\\u009f\\ufffd\\u2028\\u2029"
_SKU = "[^" + _NOT_IN_SKU + WS + "](?:[^" + _NOT_IN_SKU + "]*[^" + _NOT_IN_SKU + WS + "])?"
SKU_MAX_LENGTH = 64
SKU_PATTERN = "^" + _SKU + "(?![\\s\\S])"
BODY_SKU_PATTERN = "^(?:" + _SKU + ")?(?![\\s\\S])"
SKU: dict[str, Any] = {"type": "string", "pattern": SKU_PATTERN, "maxLength": SKU_MAX_LENGTH}

NOT_EMPTY = {"minItems": 1}  # a list the server answers "Input data is empty" for when empty


def pattern(regex: str) -> dict[str, Any]:
    """``Field(json_schema_extra=pattern(NON_BLANK))``: document a rule the server checks with its own message."""
    return {"pattern": regex}


def requires(*names: str) -> Callable[[dict[str, Any]], None]:
    """A model's ``json_schema_extra`` that declares fields required which the model leaves optional, because the
    server checks them itself with Magento's message (``model_config = ConfigDict(json_schema_extra=…)``)."""

    def extra(schema: dict[str, Any]) -> None:
        required = list(schema.get("required", []))
        schema["required"] = required + [name for name in names if name not in required]
        for name in names:  # a required field is not null either
            field = schema.get("properties", {}).get(name, {})
            field.pop("default", None)
            kinds = [kind for kind in field.get("anyOf", []) if kind != {"type": "null"}]
            if len(kinds) == 1:
                field.pop("anyOf")
                field.update(kinds[0])
            elif kinds:
                field["anyOf"] = kinds

    return extra


def declares(
    *required: str, properties: dict[str, dict[str, Any]] | None = None, **extra: Any
) -> Callable[[dict[str, Any]], None]:
    """``requires`` plus schema for single properties (replacing theirs: the rule the server checks, e.g. a
    minimum) and keywords of the model's own schema (``anyOf`` for fields that go together)."""
    needed = requires(*required)

    def apply(schema: dict[str, Any]) -> None:
        needed(schema)
        for name, rule in (properties or {}).items():
            schema.setdefault("properties", {})[name] = rule
        schema.update(extra)

    return apply


def columns(
    table: Any, *required: str, properties: dict[str, dict[str, Any]] | None = None, **extra: Any
) -> Callable[[dict[str, Any]], None]:
    """``declares`` for a model stored in ``table``: each text field takes its column's length (``maxLength``) and
    each decimal field its column's bounds (``bounded_decimal``), as the repository checks them before writing."""
    declared = declares(*required, properties=properties, **extra)

    def apply(schema: dict[str, Any]) -> None:
        for name, field in schema.get("properties", {}).items():
            if name not in table.c or name in (properties or {}):
                continue
            kind = table.c[name].type
            nullable = {"type": "null"} in field.get("anyOf", [])
            if isinstance(getattr(kind, "largest", None), Decimal):  # ``ExactDecimal``
                rule = bounded_decimal(kind.largest, kind.places)
                field.clear()
                field.update(rule)
                if nullable:
                    field["anyOf"].append({"type": "null"})
            elif isinstance(getattr(kind, "length", None), int):
                for branch in [field, *field.get("anyOf", [])]:
                    if branch.get("type") == "string":
                        branch["maxLength"] = kind.length
        declared(schema)

    return apply


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema the document gives ``model`` as a request body, self-contained (``$defs``)."""
    schema = model.model_json_schema(ref_template="#/$defs/{model}")
    ref = f"#/$defs/{JSON_VALUE}"
    _schema(schema, ref)
    schema.setdefault("$defs", {})[JSON_VALUE] = json_value(ref)
    return schema


def check_integers(value: Any, field: str = "") -> None:
    """Refuse a parsed payload's typed integers outside MySQL INT with Magento's 400 naming the field (dotted).

    Free-form mappings (``extension_attributes``, ``product_options``) are stored as JSON and skipped.
    """
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            if _typed(info.annotation):
                check_integers(getattr(value, name), f"{field}.{name}" if field else name)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_integers(item, f"{field}.{index}")
    elif type(value) is int and not INT_MIN <= value <= INT_MAX:
        raise ApiError(400, INVALID, [str(value), field])


def _typed(annotation: Any) -> bool:
    """Whether a field is typed throughout: a free value (``Any`` anywhere in it) is JSON, with 64-bit integers."""
    return annotation is not Any and all(_typed(arg) for arg in get_args(annotation))


class BodyCheck:
    """A body checked against its documented schema, for the routes that queue it: the rules a synchronous save
    checks itself (with Magento's messages) would otherwise only fail in the consumer, after a 202 that the
    document does not promise."""

    def __init__(self, model: type[BaseModel]) -> None:
        self._validator = jsonschema_rs.validator_for(body_schema(model))

    def errors(self, body: Any) -> list[ApiError]:
        """Magento's errors for each violation (field paths dotted, as ``describe_validation``'s)."""
        found = []
        try:
            errors = list(self._validator.iter_errors(body))
        except (TypeError, ValueError):  # a number past 64 bits, which no check (nor queue message) takes
            return [ApiError(400, OUT_OF_RANGE)]
        for error in errors:
            place = [str(part) for part in error.instance_path]
            missing = getattr(error.kind, "property", None) if type(error.kind).__name__ == "Required" else None
            if missing is not None:
                found.append(ApiError(400, REQUIRED, [".".join([*place, str(missing)])]))
            else:
                value = error.instance
                shown = value if isinstance(value, str) else _short_json(value)
                found.append(ApiError(400, INVALID, [shown, ".".join(place) or "body"]))
        return found


class ParamCheck:
    """A path parameter's text against its declared schema (``params=`` of an operation), for the queued routes."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._schema = schema
        self._validator = jsonschema_rs.validator_for(schema)

    def accepts(self, text: str) -> bool:
        value: Any = text
        try:
            if self._schema.get("type") == "integer":
                value = int(text)
            elif self._schema.get("type") == "number":
                value = float(text)
        except ValueError:
            return False
        return bool(self._validator.is_valid(value))
