"""A retail ERP for demos and tests: a seeded catalogue behind the same HTTP API ``HttpSource`` calls.

Nothing else in Conveyor imports this package: to the rest of the code it is just another source URL.
"""

from conveyor.quota import DEFAULT_QUOTA
from conveyor.sync.simulator.app import Simulator, SimulatorConfig, create_app
from conveyor.sync.simulator.catalogue import Catalogue
from conveyor.sync.simulator.server import SimulatorServer

__all__ = ["DEFAULT_QUOTA", "Catalogue", "Simulator", "SimulatorConfig", "SimulatorServer", "create_app"]
