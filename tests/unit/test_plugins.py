"""The one plug-in registry: every built-in group loads from the installed entry points, a code registration is
found (and wins), and a missing or broken plug-in fails with one error naming the group, the name and the cause."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import EntryPoint

import pytest

from conveyor.importer.registry import importer_class
from conveyor.mq.transports.amqp import AmqpTransport
from conveyor.mq.transports.sql import SqlTransport
from conveyor.plugins import CONVERTERS, EXECUTORS, PluginError, Plugins
from tests.conftest import RegisterPlugin

BUILTINS = {
    "conveyor.transports": {"sqlite", "postgresql", "mysql", "amqp", "amqps", "memory"},
    "conveyor.topologies": {"bulk", "importer", "pipelines"},
    "conveyor.importers": {"products", "attributes", "attribute-sets", "categories", "stock", "tier-prices",
                           "customers", "customer-addresses"},
    "conveyor.import_converters": {"map", "date", "decimal", "boolean", "separator", "replace", "trim", "lower",
                                   "upper"},
    "conveyor.import_observers": set(),
    "conveyor.pipeline_executors": {"delete_old", "initialize", "cli", "callable", "import", "files", "compress",
                                    "http", "order_document", "order_export", "order_initialize",
                                    "order_responses"},
    "conveyor.pipeline_conditions": {"not_running", "pipeline_finished", "maintenance_off", "files", "schedule",
                                     "callable", "order_answered"},
    "conveyor.pipeline_fetchers": set(),
    "conveyor.pipelines": {"orders"},
    "conveyor.commands": {"sync"},
    "conveyor.sources": {"http"},
    "conveyor.sync_appliers": {"fulfillment"},
    "conveyor.order_formats": {"json", "csv", "opentrans"},
    "conveyor.order_channels": {"file", "http", "sftp", "soap"},
}  # fmt: skip


class Counted:
    """An entry point that counts its loads, to see the group cache what it loaded."""

    def __init__(self, name: str, value: object) -> None:
        self.name, self.value, self.loads = name, value, 0

    def load(self) -> object:
        self.loads += 1
        return self.value


class Exploding:
    """An entry point whose module raises while it is imported."""

    name = "exploding"

    def load(self) -> object:
        raise RuntimeError("the module broke on import")


def test_every_built_in_group_loads_from_the_installed_entry_points() -> None:
    plugins = Plugins()
    loaded = {group.group: group.load_all() for group in plugins.groups()}
    assert {group: set(found) for group, found in loaded.items()} == BUILTINS
    assert plugins.transports.load("sqlite") == SqlTransport.from_url
    assert plugins.transports.load("amqps") == AmqpTransport.from_url
    assert plugins.converters.load("trim")({})("  x ") == "x"
    assert importer_class("products").__name__ == "ProductImporter"


def test_a_missing_plug_in_names_the_group_the_name_and_what_is_known() -> None:
    plugins = Plugins()
    with pytest.raises(PluginError) as missing:
        plugins.converters.load("teleport")
    assert (missing.value.group, missing.value.name) == (CONVERTERS, "teleport")
    assert str(missing.value) == (
        "unknown converter 'teleport': no plug-in named 'teleport' in group conveyor.import_converters; "
        "known: boolean, date, decimal, lower, map, replace, separator, trim, upper"
    )
    assert isinstance(missing.value, LookupError) and isinstance(missing.value, ValueError)
    empty = Plugins(lambda group: [])
    with pytest.raises(PluginError, match=r"in group conveyor\.order_channels; known: none"):
        empty.channels.load("sftp")


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        ("conveyor_nowhere.channels:Sftp", "cannot load 'conveyor_nowhere.channels:Sftp': ModuleNotFoundError: "),
        ("conveyor.plugins:NoSuchThing", "cannot load 'conveyor.plugins:NoSuchThing': AttributeError: "),
        ("conveyor.plugins:EXECUTORS", "is a str, not callable"),
    ],
)
def test_a_broken_plug_in_names_the_group_the_name_and_the_cause(value: str, cause: str) -> None:
    plugins = Plugins(lambda group: [])
    plugins.executors.register_entry_point(EntryPoint("ghost", value, EXECUTORS))
    with pytest.raises(PluginError) as broken:
        plugins.executors.load("ghost")
    assert str(broken.value).startswith(f"executor 'ghost' (plug-in group {EXECUTORS}): {cause}")
    assert broken.value.cause.startswith(cause)
    with pytest.raises(PluginError, match="executor 'ghost'"):
        plugins.executors.load_all()  # one broken plug-in is not skipped silently


def test_a_plug_in_whose_import_raises_keeps_its_cause() -> None:
    plugins = Plugins(lambda group: [])
    plugins.observers.register_entry_point(Exploding())
    with pytest.raises(PluginError, match=r"observer 'exploding' .*: cannot load: RuntimeError: the module broke"):
        plugins.observers.load("exploding")


def test_a_code_registered_plug_in_is_found_wins_over_an_entry_point_and_is_loaded_once() -> None:
    plugins = Plugins()
    shout = Counted("shout", lambda options: str.upper)
    plugins.converters.register_entry_point(shout)
    assert "shout" in plugins.converters and "shout" in plugins.converters.names()
    assert plugins.converters.load("shout") is plugins.converters.load("shout") and shout.loads == 1
    mine = lambda options: str.lower  # noqa: E731
    plugins.converters.register("trim", mine)
    assert plugins.converters.load("trim") is mine
    plugins.converters.unregister("trim")
    assert plugins.converters.load("trim")({})(" x ") == "x"  # the installed one again
    assert "shout" not in Plugins().converters  # registered on one Plugins only


def test_the_process_registry_serves_the_features(register_plugin: RegisterPlugin) -> None:
    register_plugin("importers", EntryPoint("not-an-importer", "tests.unit.test_plugins:Counted", "conveyor.importers"))
    with pytest.raises(PluginError, match=r"'not-an-importer' .*: Counted is not an EntityImporter"):
        importer_class("not-an-importer")


def test_the_registry_imports_no_feature_package() -> None:
    """conveyor.plugins sits at the bottom layer, like conveyor.settings: importing it loads no feature."""
    code = "import sys, conveyor.plugins; print(sorted(m for m in sys.modules if m.startswith('conveyor')))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert found.strip() == "['conveyor', 'conveyor.plugins']"
