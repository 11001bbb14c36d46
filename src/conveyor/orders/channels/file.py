"""The local file channel: each document written atomically (a temporary name, then a rename) into a directory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from conveyor.orders.channels import ChannelError, Document, Sent


class FileOptions(BaseModel):
    """``pattern`` may use ``{increment_id}``, ``{target}``, ``{file_name}`` (``<increment_id>.<extension>``)."""

    model_config = ConfigDict(extra="forbid")

    directory: Path
    pattern: str = "{increment_id}-{target}.{extension}"
    fsync: bool = False  # make the file durable before it appears (slower)

    def name_for(self, document: Document) -> str:
        extension = document.file_name.rpartition(".")[2]
        try:
            name = self.pattern.format(
                increment_id=document.increment_id,
                target=document.target,
                file_name=document.file_name,
                extension=extension,
            )
        except (KeyError, IndexError, ValueError) as exc:
            raise ChannelError(f"file name pattern {self.pattern!r}: {exc!r}") from None
        if not name or "/" in name or name in (".", ".."):
            raise ChannelError(f"file name pattern {self.pattern!r} gives {name!r}, not a file name")
        return name


class FileChannel:
    """Writes ``<directory>/<pattern>``; the ERP never sees a half-written file (same-directory rename)."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = FileOptions.model_validate(options)

    @staticmethod
    def check_options(options: Mapping[str, Any]) -> None:
        FileOptions.model_validate(options)

    def send(self, document: Document) -> Sent:
        directory = self.options.directory
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / self.options.name_for(document)
        temporary = directory / f".{path.name}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(document.content)
            if self.options.fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
        return Sent(str(path))
