"""Running the simulator: in the foreground (``conveyor erp-sim``) or in a thread on a free port (tests, demos)."""

from __future__ import annotations

from conveyor.serving import BackgroundServer
from conveyor.sync.simulator.app import Simulator, SimulatorConfig, create_app


class SimulatorServer(BackgroundServer):
    """The simulator behind a real HTTP server in a background thread; ``url`` is known once ``start`` returns."""

    def __init__(self, config: SimulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.simulator = Simulator(config or SimulatorConfig())
        super().__init__(create_app(self.simulator), host, port, name="erp-simulator")

    @property
    def api_url(self) -> str:
        """What ``CONVEYOR_SOURCE_URL`` points at."""
        return f"{self.url}/api/v1"
