"""The SFTP channel (paramiko): each document uploaded under a temporary name, then renamed, so the ERP never
reads half a file. Keys or a password; the server's host key checked against ``known_hosts`` unless
``host_key: accept`` (tests, first contact). SFTP carries no idempotency key: a document sent again after a lost
acknowledgement lands again under the same name, replacing the first."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import paramiko
from pydantic import BaseModel, ConfigDict, Field, model_validator

from conveyor.orders.channels import ChannelError, Document, Sent
from conveyor.orders.channels.file import FileOptions


class SftpOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str
    port: int = Field(default=22, ge=1, le=65535)
    username: str
    password: str | None = None
    key_file: Path | None = None
    directory: str = "."
    pattern: str = "{increment_id}-{target}.{extension}"
    known_hosts: Path | None = None  # default: the user's ~/.ssh/known_hosts
    host_key: Literal["check", "accept"] = "check"
    timeout: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _credentials(self) -> SftpOptions:
        if self.password is None and self.key_file is None:
            raise ValueError("give password or key_file")
        return self


class SftpChannel:
    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = SftpOptions.model_validate(options)
        self.names = FileOptions(directory=Path("."), pattern=self.options.pattern)

    @staticmethod
    def check_options(options: Mapping[str, Any]) -> None:
        SftpOptions.model_validate(options)

    def send(self, document: Document) -> Sent:
        o = self.options
        name = self.names.name_for(document)
        target = posixpath.join(o.directory, name)
        temporary = posixpath.join(o.directory, f".{name}.tmp")
        client = paramiko.SSHClient()
        try:
            if o.host_key == "accept":
                client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
            elif o.known_hosts is not None:
                client.load_host_keys(str(o.known_hosts))
            else:
                client.load_system_host_keys()
            client.connect(
                o.host,
                o.port,
                username=o.username,
                password=o.password,
                key_filename=str(o.key_file) if o.key_file else None,
                timeout=o.timeout,
                banner_timeout=o.timeout,
                auth_timeout=o.timeout,
                allow_agent=False,
                look_for_keys=False,
            )
            with client.open_sftp() as sftp:
                sftp.get_channel().settimeout(o.timeout)
                with sftp.open(temporary, "w") as handle:
                    handle.write(document.content.encode())
                sftp.posix_rename(temporary, target)
        except (paramiko.SSHException, OSError) as exc:
            raise ChannelError(f"sftp://{o.username}@{o.host}:{o.port}: {type(exc).__name__}: {exc}") from exc
        finally:
            client.close()
        return Sent(f"sftp://{o.host}:{o.port}/{target.lstrip('/')}")
