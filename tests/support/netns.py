"""Hosts made of network namespaces, for partition faults on one machine.

Each ``Host`` is a network namespace joined to this one by a veth pair (a /30 of its own), and its processes run
in a UTS namespace of their own too, so ``socket.gethostname()`` (and so the worker registry) sees a machine of
its own. The servers (PostgreSQL, MariaDB, RabbitMQ) listen on loopback only, and RabbitMQ's guest user may only
come from there: a ``Forwarder`` on the host side of each veth relays a namespace's connections to 127.0.0.1.
``Host.cut()`` takes the host's link down: its connections stall, with no reset, as in a real partition; what
the servers see of it is what they see of a silent peer (RabbitMQ: missed heartbeats).

Everything is undone on exit of ``hosts()``; the names carry this process's id, so parallel runs don't meet.
Traffic stays on this machine: the addresses are the namespaces' own (``10.231.x.y``), reached through the veths.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field

SUBNET = "10.231"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


def unavailable() -> str | None:
    """Why network namespaces cannot be made here (None when they can): tried, not guessed."""
    if shutil.which("ip") is None or shutil.which("unshare") is None:
        return "needs iproute2's `ip` and util-linux's `unshare`"
    name = f"cvprobe{os.getpid()}"
    made = _ip("netns", "add", name, check=False)
    if made.returncode != 0:
        return f"`ip netns add` is not permitted here: {made.stderr.strip()}"
    try:
        uts = subprocess.run(
            ["ip", "netns", "exec", name, "unshare", "--uts", "hostname", "probe"],
            check=False,
            capture_output=True,
            text=True,
        )
        if uts.returncode != 0:
            return f"`unshare --uts` is not permitted here: {uts.stderr.strip()}"
    finally:
        _ip("netns", "del", name, check=False)
    return None


class Forwarder:
    """Relays TCP connections accepted on ``listen`` to ``upstream``, a thread pair per connection."""

    def __init__(self, listen: tuple[str, int], upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._server = socket.create_server(listen, reuse_port=False)
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, name=f"forward {listen}", daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._closed = True
        with suppress(OSError):  # wakes the accepting thread: a plain close leaves the port bound until it returns
            self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        with self._lock:
            for sock in self._sockets:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


@dataclass
class Host:
    """One namespace "host": its name (also its hostname), its veth ends and addresses."""

    name: str
    netns: str
    outside: str  # the veth end in this namespace
    gateway: str  # the address of that end: where the host reaches the servers
    address: str  # the host's own address
    forwarders: list[Forwarder] = field(default_factory=list)

    def url(self, url: str) -> str:
        """``url`` with its 127.0.0.1 / localhost server as this host reaches it (through the gateway)."""
        return url.replace("@127.0.0.1:", f"@{self.gateway}:").replace("@localhost:", f"@{self.gateway}:")

    def command(self, argv: Sequence[str]) -> list[str]:
        """``argv`` run on this host: in its network namespace, in a UTS namespace named after the host."""
        script = 'hostname "$0" && exec "$@"'
        return ["ip", "netns", "exec", self.netns, "unshare", "--uts", "sh", "-c", script, self.name, *argv]

    def prefix(self) -> list[str]:
        """What goes before a command to run it on this host (``FaultRun.spawn(prefix=…)``)."""
        return self.command([])

    def cut(self) -> None:
        """Partition the host: its link goes down, its connections stall (no reset reaches either side)."""
        _ip("link", "set", self.outside, "down")

    def mend(self) -> None:
        _ip("link", "set", self.outside, "up")


@contextmanager
def hosts(count: int, ports: Sequence[int]) -> Iterator[list[Host]]:
    """``count`` namespace hosts that reach this machine's servers on ``ports`` through their gateways."""
    tag = os.getpid() % 10_000
    made: list[Host] = []
    with ExitStack() as undo:
        for index in range(count):
            netns, outside, inside = f"cv{tag}h{index}", f"cv{tag}h{index}o", f"cv{tag}h{index}i"
            base = 4 * index
            third = (os.getpid() // 10_000 * 7 + tag) % 250
            gateway, address = f"{SUBNET}.{third}.{base + 1}", f"{SUBNET}.{third}.{base + 2}"
            _ip("netns", "add", netns)
            undo.callback(_ip, "netns", "del", netns, check=False)
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            undo.callback(_ip, "link", "del", outside, check=False)
            _ip("link", "set", inside, "netns", netns)
            _ip("addr", "add", f"{gateway}/30", "dev", outside)
            _ip("link", "set", outside, "up")
            for args in (
                ["addr", "add", f"{address}/30", "dev", inside],
                ["link", "set", inside, "up"],
                ["link", "set", "lo", "up"],
            ):
                _ip("netns", "exec", netns, "ip", *args)
            host = Host(f"host{index}-{tag}", netns, outside, gateway, address)
            for port in ports:
                forwarder = Forwarder((gateway, port), ("127.0.0.1", port))
                undo.callback(forwarder.close)
                host.forwarders.append(forwarder)
            made.append(host)
        yield made
