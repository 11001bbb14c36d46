"""Reading a step's or condition's arguments: typed, with errors that name the argument and its owner.

Arguments come from YAML and from conditions (a file list found at spawn time), so every plug-in checks them
the same way here instead of trusting their types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


class ArgumentError(ValueError):
    """An argument is missing or has the wrong type; the message names it and whose it is."""


class Arguments:
    """Typed access to an arguments mapping; ``owner`` (e.g. ``executor 'cli'``) prefixes every error."""

    def __init__(self, values: Mapping[str, Any], owner: str) -> None:
        self.values, self.owner = values, owner

    def error(self, name: str, message: str) -> ArgumentError:
        return ArgumentError(f"{self.owner}: argument {name!r} {message}")

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None

    def text(self, name: str, default: str | None = None) -> str:
        value = self.values.get(name, default)
        if value is None:
            raise self.error(name, "is required")
        if not isinstance(value, str) or not value:
            raise self.error(name, f"must be a non-empty string, not {value!r}")
        return value

    def optional_text(self, name: str) -> str | None:
        return self.text(name) if self.has(name) else None

    def number(self, name: str, default: float | None = None, *, minimum: float = 0.0) -> float:
        value = self.values.get(name, default)
        if value is None:
            raise self.error(name, "is required")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(name, f"must be a number, not {value!r}")
        if value < minimum:
            raise self.error(name, f"must be at least {minimum:g}, not {value!r}")
        return float(value)

    def integer(self, name: str, default: int | None = None, *, minimum: int = 0) -> int:
        value = self.values.get(name, default)
        if value is None:
            raise self.error(name, "is required")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, f"must be an integer, not {value!r}")
        if value < minimum:
            raise self.error(name, f"must be at least {minimum}, not {value!r}")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name, default)
        if not isinstance(value, bool):
            raise self.error(name, f"must be true or false, not {value!r}")
        return value

    def names(self, name: str, default: Sequence[str] | None = None) -> list[str]:
        """A list of non-empty strings; a single string counts as a list of one."""
        value = self.values.get(name, default)
        if value is None:
            raise self.error(name, "is required")
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
            raise self.error(name, f"must be a list of non-empty strings, not {value!r}")
        return list(value)

    def mapping(self, name: str) -> dict[str, Any]:
        value = self.values.get(name, {})
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise self.error(name, f"must be a mapping, not {value!r}")
        return dict(value)

    def path(self, name: str, default: str | Path | None = None, *, base: Path | None = None) -> Path:
        """A path; a relative one is taken relative to ``base`` (the working directory) when given."""
        raw = self.values.get(name, default)
        if raw is None:
            raise self.error(name, "is required")
        if not isinstance(raw, str | Path) or not str(raw):
            raise self.error(name, f"must be a path, not {raw!r}")
        path = Path(raw).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        return path


def working_dir_of(arguments: Arguments, working_dir: Path | None) -> Path:
    """The step's working directory; an error that says how to get one when the pipeline has none."""
    if working_dir is None:
        raise ArgumentError(f"{arguments.owner}: the pipeline has no working directory (set working_dir: true)")
    working_dir.mkdir(parents=True, exist_ok=True)
    return working_dir


__all__ = ["ArgumentError", "Arguments", "working_dir_of"]
