"""Real Magento modules' queue XML (``../shared/testdata/magento-queue-xml``) read as Magento reads it: each module
alone and all together, a DB publisher's exchange name ignored, handler-less consumers given their topics'
communication.xml handlers, the older queue.xml read under the new files, and module folders without queue files
a warning."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conveyor.cli.topology import topology as topology_cli
from conveyor.mq.config import load_topology
from conveyor.mq.queue import MessageQueue
from conveyor.mq.topology import HandlerRef, Topology, TopologyError
from conveyor.settings import Settings
from tests.support.testdata import TESTDATA

XML = TESTDATA / "magento-queue-xml"
MODULES = (
    "Catalog",
    "ImportExport",
    "InventoryCatalog",
    "MediaStorage",
    "SalesRule",
    "TestModuleAsyncAmqp",
    "WebapiAsync",
)
NO_QUEUE_FILES = ("AsynchronousOperations", "CatalogInventory", "Sales")
ASYNC_MODEL = "Magento\\TestModuleAsyncAmqp\\Model\\"
pytestmark = pytest.mark.skipif(not XML.is_dir(), reason=f"shared test data missing: {XML}")


def modules(*names: str) -> list[Path]:
    return [XML / name for name in names]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def module(root: Path, **files: str) -> Path:
    """A module folder whose ``etc/<name>.xml`` wrap each body in ``<config>``."""
    for name, body in files.items():
        write(root / "etc" / f"{name}.xml", f'<?xml version="1.0"?>\n<config>\n{body}\n</config>\n')
    return root


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Topology, list[Path]]:
    """Every module folder at once, with the folders of modules that ship no queue files among them."""
    empty = [tmp_path_factory.mktemp("shop") / name for name in NO_QUEUE_FILES]
    for folder in empty:
        (folder / "etc").mkdir(parents=True)
        (folder / "etc" / "module.xml").write_text("<config/>", encoding="utf-8")
    folders = [*modules(*MODULES[:3]), *empty, *modules(*MODULES[3:])]
    return load_topology(folders), empty


@pytest.mark.parametrize("name", MODULES)
def test_each_module_loads_alone(name: str) -> None:
    loaded = load_topology(modules(name))
    assert loaded.consumers and not loaded.warnings
    for consumer in loaded.consumers.values():  # every consumer's queue is declared, on the consumer's connection
        assert loaded.queues[consumer.queue].connection == consumer.connection


def test_all_modules_load_together(shop: tuple[Topology, list[Path]]) -> None:
    loaded, _empty = shop
    each = [load_topology(modules(name)) for name in MODULES]
    assert set(loaded.consumers) == {name for one in each for name in one.consumers}
    assert set(loaded.publishers) == {topic for one in each for topic in one.publishers}
    # Catalog declares "magento" on the default (db) connection, WebapiAsync and TestModuleAsyncAmqp on amqp
    assert set(loaded.exchanges) == {("db", "magento"), ("db", "magento-db"), ("amqp", "magento")}
    assert loaded.queues_for(*loaded.route("sales_rule.codegenerator"), "sales_rule.codegenerator") == (
        "codegenerator",
    )
    assert loaded.queues_for("amqp", "magento", "a.b.segment3.wildcard") == (
        "wildcard.queue.one",
        "wildcard.queue.two",
        "wildcard.queue.four",
    )


# --- a DB connection ignores the exchange a publisher names ------------------------------------------------
def test_import_export_db_publisher_routes_by_topic() -> None:
    loaded = load_topology(modules("ImportExport"))
    assert loaded.route("import_export.export") == ("db", "magento-db")
    assert loaded.queues_for("db", "magento-db", "import_export.export") == ("export",)


def test_db_publisher_exchange_name_is_ignored_without_queue_xml(tmp_path: Path) -> None:
    """The new files alone name an exchange ``magento-db`` that no topology declares: Magento still delivers."""
    folder = tmp_path / "ImportExport" / "etc"
    shutil.copytree(XML / "ImportExport" / "etc", folder, ignore=shutil.ignore_patterns("queue.xml"))
    loaded = load_topology([folder.parent])
    assert ("db", "magento-db") not in loaded.exchanges
    assert loaded.queues_for(*loaded.route("import_export.export"), "import_export.export") == ("export",)
    shown = CliRunner().invoke(topology_cli, ["show", "--format", "text", str(folder.parent)])
    assert shown.exit_code == 0, shown.output
    assert "-> binding import_export.export [exportBinding] on exchange magento" in shown.output
    graph = CliRunner().invoke(topology_cli, ["show", "--format", "mermaid", str(folder.parent)]).output
    assert '    topic_import_export_export -->|"db"| exchange_db_magento' in graph.splitlines()


def test_db_queue_delivers_once_through_every_db_exchange(sqlite_url: str) -> None:
    """Published on SQLite: ImportExport's ``magento-db`` publisher reaches ``export`` (bound on ``magento``), and
    MediaStorage's topic, bound to its queue on both ``magento`` and (queue.xml) ``magento-db``, arrives once."""
    mq = MessageQueue(load_topology(modules("ImportExport", "MediaStorage")), Settings(database_url=sqlite_url))
    try:
        mq.publish("import_export.export", {"file_format": "csv"})
        mq.publish("media.storage.catalog.image.resize", {"image": "a.jpg"})
        db = mq.transport("db")
        assert (db.counts("export").waiting, db.counts("media.storage.catalog.image.resize").waiting) == (1, 1)
    finally:
        mq.close()


def test_db_routes_through_every_db_exchange_but_amqp_and_yaml_keep_exchange_names(tmp_path: Path) -> None:
    """Magento's DB exchange sends a topic to every matching binding of any DB exchange; a broker's exchanges stay
    apart, and a YAML topology's DB exchanges too (only Magento folders make ``db`` exchange-blind)."""
    folder = module(
        tmp_path / "M",
        queue_topology='<exchange name="one"><binding id="a" topic="t.*" destination="qa"/></exchange>'
        '<exchange name="two"><binding id="b" topic="t.#" destination="qb"/></exchange>'
        '<exchange name="x" connection="amqp"><binding id="c" topic="t.*" destination="qc"/></exchange>',
    )
    loaded = load_topology([folder])
    assert loaded.queues_for("db", "anything", "t.x") == ("qa", "qb")
    assert loaded.queues_for("amqp", "anything", "t.x") == ()
    yaml = write(
        tmp_path / "t.yaml",
        "exchanges: [{name: one, bindings: [{id: a, topic: t.*, destination: qa}]}]\nqueues: [qa]\n"
        "publishers: [{topic: t.x, connections: [{name: db, exchange: other}]}]\n",
    )
    with pytest.raises(TopologyError, match="unknown exchange 'other'"):
        load_topology([yaml])


# --- consumers without handler: their topics' communication.xml handlers ----------------------------------
def test_consumer_without_handler_takes_its_topics_handlers() -> None:
    loaded = load_topology(modules("TestModuleAsyncAmqp"))
    one = loaded.consumers["queue.for.multiple.topics.test.c"]
    assert one.handler == HandlerRef(f"{ASYNC_MODEL}RequestHandler::process")
    assert one.topic_handlers == (("multi.topic.queue.topic.c", (f"{ASYNC_MODEL}RequestHandler::process",)),)
    assert one.handler is not None and not one.handler.is_python  # kept as data, like any PHP handler
    # a queue two topics reach, whose handlers differ: Magento picks by each message's topic
    two = loaded.consumers["mtmh.queue.2.consumer"]
    assert two.handler is None
    assert two.topic_handlers == (
        ("mtmh.topic.1", (f"{ASYNC_MODEL}CustomHandler::process",)),
        ("mtmh.topic.2", (f"{ASYNC_MODEL}CustomHandler::processArray",)),
    )
    # a consumer's own handler wins over its topics'
    own = loaded.consumers["mtmh.queue.1.consumer"]
    assert own.handler == HandlerRef(f"{ASYNC_MODEL}CustomHandler::processMixed") and own.topic_handlers == ()


def test_mass_consumer_takes_the_handlers_of_the_async_topics_of_other_modules() -> None:
    loaded = load_topology(modules("WebapiAsync", "InventoryCatalog"))
    mass = loaded.consumers["async.operations.all"]
    assert mass.handler is None
    assert [topic for topic, _handlers in mass.topic_handlers] == [
        "async.V1.inventory.bulk-product-source-assign.POST",
        "async.V1.inventory.bulk-product-source-unassign.POST",
        "async.V1.inventory.bulk-product-source-transfer.POST",
    ]
    folders = map(str, modules("WebapiAsync", "InventoryCatalog"))
    shown = CliRunner().invoke(topology_cli, ["show", "--format", "text", *folders]).output
    assert "consumer async.operations.all: async.V1.inventory.bulk-product-source-assign.POST: " in shown
    assert "(communication.xml handlers by topic, not importable)" in shown


# --- the older queue.xml ---------------------------------------------------------------------------------
def test_queue_xml_adds_what_the_new_files_lack() -> None:
    """Catalog's (older) queue_consumer.xml lacks the consumer its queue.xml declares: Magento runs it."""
    loaded = load_topology(modules("Catalog"))
    sync = loaded.consumers["catalog_website_attribute_value_sync"]
    assert sync.handler == HandlerRef(
        "Magento\\Catalog\\Model\\Attribute\\Backend\\WebsiteSpecific\\ValueSynchronizer::process"
    )
    assert (sync.queue, sync.connection) == ("catalog_website_attribute_value_sync", "db")
    assert sync.origin.file == str(XML / "Catalog" / "etc" / "queue.xml")
    # a consumer both declare is the new files' one
    update = loaded.consumers["product_action_attribute.update"]
    assert (update.max_messages, update.origin.file) == (5000, str(XML / "Catalog" / "etc" / "queue_consumer.xml"))
    # the exchange both declare keeps both files' bindings
    ids = {b.id for b in loaded.exchanges[("db", "magento")].bindings}
    assert {"updateBinding", "queue--product_action_attribute.update--product_action_attribute.update"} <= ids


def test_queue_xml_broker_type_and_exchange_and_topic_handlers() -> None:
    loaded = load_topology(modules("TestModuleAsyncAmqp"))
    deprecated = loaded.consumers["mixed.sync.and.async.queue.consumer.deprecated"]
    assert (deprecated.queue, deprecated.connection) == ("mixed.sync.and.async.queue.deprecated", "amqp")
    assert deprecated.handler == HandlerRef(f"{ASYNC_MODEL}RequestHandler::process")  # from communication.xml
    assert loaded.route("multi.topic.queue.topic.c.deprecated") == ("amqp", "magento")
    assert loaded.queues_for("amqp", "magento", "multi.topic.queue.topic.c.deprecated") == (
        "queue.for.multiple.topics.test.c.deprecated",
        "mixed.sync.and.async.queue.deprecated",
    )
    media = load_topology(modules("MediaStorage"))
    assert ("db", "magento-db") in media.exchanges  # <broker type="db" exchange="magento-db">
    assert media.consumers["media.storage.catalog.image.resize"].max_messages == 100  # the new file's


def test_new_files_replace_a_queue_xml_consumer_whole(tmp_path: Path) -> None:
    folder = module(
        tmp_path / "M",
        queue='<broker topic="t.a" exchange="ex"><queue name="q" consumer="c" handler="Old::run" maxMessages="7"/>'
        "</broker>",
        queue_consumer='<consumer name="c" queue="q" handler="shop.handlers:run"/>',
    )
    consumer = load_topology([folder]).consumers["c"]
    assert (consumer.handler, consumer.max_messages) == (HandlerRef("shop.handlers:run"), None)


@pytest.mark.parametrize(
    ("body", "element", "attribute", "reason"),
    [
        ('<broker exchange="x"/>', "broker #1", "topic", "is required"),
        ('<broker topic="t"><queue consumer="c"/></broker>', "queue #1 of broker 't'", "name", "is required"),
        ('<broker topic="t"><queue name="q"/></broker>', "queue 'q' of broker 't'", "consumer", "is required"),
        (
            '<broker topic="t"><queue name="q" consumer="c" maxMessages="many"/></broker>',
            "queue 'q' of broker 't'",
            "maxMessages",
            "not a whole number",
        ),
        (
            '<broker topic="t" type="kafka"><queue name="q" consumer="c"/></broker>',
            "broker 't' (type = connection)",
            "connection",
            "unknown connection 'kafka'",
        ),
        ('<publisher topic="t"/>', "document", None, "unknown element <publisher>"),
    ],
)
def test_invalid_queue_xml_is_named(
    body: str, element: str, attribute: str | None, reason: str, tmp_path: Path
) -> None:
    folder = module(tmp_path / "M", queue=body)
    with pytest.raises(TopologyError) as caught:
        load_topology([folder])
    error = caught.value
    assert error.origin is not None
    assert (error.origin.file, error.origin.element, error.attribute) == (
        str(folder / "etc" / "queue.xml"),
        element,
        attribute,
    )
    assert reason in error.reason


# --- module folders without queue files -------------------------------------------------------------------
def test_folders_without_queue_files_are_warnings(
    shop: tuple[Topology, list[Path]], caplog: pytest.LogCaptureFixture
) -> None:
    loaded, empty = shop
    assert [w.split(":")[0] for w in loaded.warnings] == [str(folder) for folder in empty]
    assert all("holds none of" in w for w in loaded.warnings)
    with caplog.at_level(logging.WARNING, logger="conveyor.mq.config"):
        load_topology(empty[:1])
    assert [r.getMessage() for r in caplog.records] == [loaded.warnings[0]]


@pytest.mark.parametrize("command", ["validate", "show"])
def test_cli_shows_the_warnings_and_succeeds(command: str, shop: tuple[Topology, list[Path]]) -> None:
    _loaded, empty = shop
    result = CliRunner().invoke(topology_cli, [command, *map(str, [*modules(*MODULES), *empty])])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings == [f"warning: {w}" for w in _loaded.warnings]
    if command == "validate":
        assert result.stdout.startswith("valid: ")
