"""Running the simulator: in the foreground (``conveyor erp-sim``) or in a thread on a free port (tests, demos)."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn

from conveyor.sync.simulator.app import Simulator, SimulatorConfig, create_app


class SimulatorServer:
    """A real HTTP server in a background thread; ``url`` is known once ``start`` returns."""

    def __init__(self, config: SimulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.simulator = Simulator(config or SimulatorConfig())
        self.host, self.port = host, port
        self._server = uvicorn.Server(
            uvicorn.Config(create_app(self.simulator), log_level="warning", lifespan="on", access_log=False)
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """What ``CONVEYOR_SOURCE_URL`` points at."""
        return f"{self.url}/api/v1"

    def start(self, timeout: float = 15.0) -> Self:
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on such sockets (else 40 ms delayed-ACK stalls)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="erp-simulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the ERP simulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
