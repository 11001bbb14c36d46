"""The SFTP channel against a real OpenSSH server the test starts on loopback (key authentication, internal-sftp):
the document lands whole under its name, and a refused connection fails the send clearly."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from conveyor.orders import ChannelError, Document
from conveyor.orders.channels.sftp import SftpChannel
from tests.conftest import REQUIRE
from tests.integration.orders.support import free_port

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path, Path]]:
    """(port, the user's private key, a directory the server writes into)."""
    if not os.path.exists(SSHD):
        if REQUIRE:
            pytest.fail("sshd is missing (.ci/run installs openssh-server)")
        pytest.skip("sshd is not installed (apt-get install openssh-server)")
    root = tmp_path_factory.mktemp("sshd")
    paramiko.RSAKey.generate(2048).write_private_key_file(str(root / "host_key"))
    user_key = paramiko.RSAKey.generate(2048)
    user_key.write_private_key_file(str(root / "user_key"))
    (root / "authorized_keys").write_text(f"{user_key.get_name()} {user_key.get_base64()}\n")
    os.chmod(root / "host_key", 0o600)
    Path("/run/sshd").mkdir(exist_ok=True)  # the privilege separation directory sshd insists on
    port = free_port()
    config = root / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {root / 'host_key'}\nPidFile {root / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {root / 'authorized_keys'}\nStrictModes no\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nUsePAM no\nPermitRootLogin yes\n"
        "Subsystem sftp internal-sftp\n"
    )
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                output = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"sshd did not start: {output}") from None
            time.sleep(0.05)
    drop = root / "drop"
    drop.mkdir()
    try:
        yield port, root / "user_key", drop
    finally:
        process.terminate()
        process.wait(5)


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
