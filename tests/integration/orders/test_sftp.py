"""The SFTP channel against a real OpenSSH server the test starts on loopback (key authentication, internal-sftp):
the document lands whole under its name, and a refused connection fails the send clearly."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from conveyor.orders import ChannelError, Document
from conveyor.orders.channels.sftp import SftpChannel
from tests.integration.orders.support import free_port, sshd_server


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path, Path]]:
    """(port, the user's private key, a directory the server writes into)."""
    with sshd_server(tmp_path_factory.mktemp("sshd")) as running:
        yield running


def document() -> Document:
    return Document("<ORDER/>", "42-erp.xml", "application/xml", "42", "erp")


def options(port: int, key: Path, directory: Path) -> dict[str, object]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "username": getpass.getuser(),
        "key_file": str(key),
        "directory": str(directory),
        "pattern": "ORDER_{increment_id}.{extension}",
        "host_key": "accept",
        "timeout": 5,
    }


def test_a_document_is_uploaded_whole_under_its_name(sshd: tuple[int, Path, Path]) -> None:
    port, key, drop = sshd
    sent = SftpChannel(options(port, key, drop)).send(document())
    assert sent.reference == f"sftp://127.0.0.1:{port}/{str(drop / 'ORDER_42.xml').lstrip('/')}"
    assert [p.name for p in drop.iterdir()] == ["ORDER_42.xml"]  # the temporary name is gone
    assert (drop / "ORDER_42.xml").read_text() == "<ORDER/>"


def test_a_refused_connection_or_a_wrong_key_fails_the_send(sshd: tuple[int, Path, Path], tmp_path: Path) -> None:
    port, _, drop = sshd
    with pytest.raises(ChannelError, match="Unable to connect to port"):
        SftpChannel(options(free_port(), sshd[1], drop)).send(document())
    stranger = tmp_path / "stranger"
    paramiko.RSAKey.generate(2048).write_private_key_file(str(stranger))
    with pytest.raises(ChannelError, match=rf"sftp://\w+@127\.0\.0\.1:{port}: \w+"):
        SftpChannel(options(port, stranger, drop)).send(document())
