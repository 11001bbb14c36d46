"""Loading topologies from YAML and Magento module folders, and refusing invalid ones precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from conveyor.mq.config import load_topology
from conveyor.mq.config.magento import load_magento_modules
from conveyor.mq.topology import HandlerRef, Topology, TopologyError

MODULE_A = Path(__file__).parent / "magento" / "ModuleA"
MODULE_B = Path(__file__).parent / "magento" / "ModuleB"
PHP_HANDLER = "Magento\\Catalog\\Model\\Attribute\\Backend\\Consumer::process"

YAML = """
default_connection: db
topics:
  - {name: catalog.product.saved, request: ProductInterface}
exchanges:
  - name: conveyor
    bindings:
      - {id: products, topic: catalog.product.*, destination: products}
queues: [products]
publishers:
  - topic: catalog.product.saved
    connections: [{name: db, exchange: conveyor}]
consumers:
  - {name: products, queue: products, handler: "conveyor.demo:handle_product", max_messages: 100}
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def module(root: Path, **files: str) -> Path:
    """A Magento module folder whose ``etc/<name>.xml`` wrap each body in ``<config>``."""
    for name, body in files.items():
        write(
            root / "etc" / f"{name}.xml",
            '<?xml version="1.0"?>\n<config xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            f"{body}\n</config>\n",
        )
    return root


def refused(paths: list[Path]) -> TopologyError:
    with pytest.raises(TopologyError) as info:
        load_topology(paths)
    return info.value


def assert_names(error: TopologyError, file: Path, element: str, attribute: str | None, reason: str) -> None:
    """The error names the file, the element and the attribute, as data and in its message."""
    assert error.origin is not None
    assert (error.origin.file, error.origin.element, error.attribute) == (str(file), element, attribute)
    assert reason in error.reason
    message = str(error)
    assert str(file) in message
    assert element in message
    if attribute:
        assert f"attribute '{attribute}'" in message


# --- YAML ------------------------------------------------------------------------------------------------
def test_yaml_loads_every_element(tmp_path: Path) -> None:
    topology = load_topology([write(tmp_path / "t.yaml", YAML)])
    assert topology.topics["catalog.product.saved"].request == "ProductInterface"
    assert topology.route("catalog.product.saved") == ("db", "conveyor")
    assert topology.queues_for("db", "conveyor", "catalog.product.saved") == ("products",)
    consumer = topology.consumers["products"]
    assert (consumer.queue, consumer.max_messages, consumer.handler) == (
        "products",
        100,
        HandlerRef("conveyor.demo:handle_product"),
    )
    assert consumer.handler is not None and consumer.handler.is_python


# --- Magento XML -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def magento() -> Topology:
    return load_topology([MODULE_A, MODULE_B])


def test_magento_modules_merge_attributes_and_children(magento: Topology) -> None:
    consumer = magento.consumers["product_action_attribute.update"]
    assert consumer.max_messages == 500  # ModuleB overrides this attribute ...
    assert consumer.connection == "db"  # ... and keeps ModuleA's others
    assert consumer.handler == HandlerRef(PHP_HANDLER)
    bindings = {b.id: b for b in magento.exchanges[("amqp", "magento")].bindings}
    assert bindings["async.operations.all"].topic == "async.operations.#"
    assert bindings["async.operations.all"].origin.file == str(MODULE_B / "etc" / "queue_topology.xml")
    assert bindings["conveyor.audit"].destination == "conveyor.audit"  # added by ModuleB
    assert magento.queues_for("amqp", "magento", "async.operations.all") == ("async.operations.all", "conveyor.audit")


def test_later_module_wins() -> None:
    assert load_topology([MODULE_B, MODULE_A]).consumers["product_action_attribute.update"].max_messages == 1000


def test_magento_elements_become_topology_elements(magento: Topology) -> None:
    assert magento.topics["product_action_attribute.update"].handlers == (PHP_HANDLER,)
    assert magento.exchanges[("db", "magento-db")].connection == "db"
    assert magento.exchanges[("db", "magento-db")].bindings[0].arguments == (
        ("x-message-ttl", 86400000),
        ("x-dead-letter-exchange", "magento-db"),
    )
    # queues are implicit: on the connection of the exchange that binds them
    assert {q.name: q.connection for q in magento.queues.values()} == {
        "async.operations.all": "amqp",
        "one": "amqp",
        "two": "amqp",
        "three": "amqp",
        "four": "amqp",
        "conveyor.audit": "amqp",
        "product_action_attribute.update": "db",
    }
    # a publisher without <connection> gets Magento's default: amqp to the magento exchange
    assert magento.route("segment1.segment2.segment3.wildcard") == ("amqp", "magento")
    audit = magento.consumers["conveyor.audit"]
    assert audit.connection == "amqp"  # no attribute: the connection of the binding to its queue
    assert (audit.max_idle_time, audit.sleep, audit.only_spawn_when_message_available) == (60, 0.5, True)
    mass = magento.consumers["async.operations.all"]
    assert mass.handler is None
    assert mass.consumer_instance == "Magento\\AsynchronousOperations\\Model\\MassConsumer"


def test_php_handler_is_kept_as_data_and_not_importable(magento: Topology) -> None:
    handler = magento.consumers["product_action_attribute.update"].handler
    assert handler is not None
    assert not handler.is_python
    with pytest.raises(TypeError, match="not a Python"):
        handler.resolve()


def test_files_directly_in_the_folder(tmp_path: Path) -> None:
    flat = tmp_path / "Flat"
    flat.mkdir()
    for xml in (MODULE_A / "etc").iterdir():
        (flat / xml.name).write_bytes(xml.read_bytes())
    assert load_topology([flat]).consumers.keys() == load_topology([MODULE_A]).consumers.keys()


def test_consumer_queue_without_binding_defaults_to_db(tmp_path: Path) -> None:
    folder = module(tmp_path / "M", queue_consumer='<consumer name="c" queue="lonely" handler="m:f"/>')
    topology = load_magento_modules([folder])
    assert (topology.consumers["c"].connection, topology.queues["lonely"].connection) == ("db", "db")


# --- refused, naming file, element and attribute ---------------------------------------------------------
def test_unknown_queue_in_a_binding(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", YAML.replace("queues: [products]", "queues: [other]"))
    error = refused([path])
    assert_names(error, path, "binding 'products' of exchange 'conveyor'", "destination", "unknown queue 'products'")


def test_duplicate_names_in_one_yaml_file(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", YAML.replace("queues: [products]", "queues: [products, products]"))
    assert_names(refused([path]), path, "queue 'products'", "name", "duplicate queue name 'products'")


def test_two_enabled_publisher_connections_in_yaml(tmp_path: Path) -> None:
    text = YAML.replace(
        "connections: [{name: db, exchange: conveyor}]",
        "connections: [{name: db, exchange: conveyor}, {name: amqp, exchange: conveyor}]",
    )
    path = write(tmp_path / "t.yaml", text)
    element = "connection 'amqp' of publisher 'catalog.product.saved'"
    assert_names(refused([path]), path, element, "disabled", "2 enabled connections")


def test_two_enabled_publisher_connections_across_modules(tmp_path: Path) -> None:
    body = '<publisher topic="async.operations.all"><connection name="db" exchange="magento-db"/></publisher>'
    other = module(tmp_path / "ModuleC", queue_publisher=body)
    element = "connection 'db' of publisher 'async.operations.all'"
    file = other / "etc" / "queue_publisher.xml"
    assert_names(refused([MODULE_A, other]), file, element, "disabled", "exactly one may be enabled")


@pytest.mark.parametrize("pattern", ["a..b", "foo*"])
def test_malformed_pattern_in_yaml(pattern: str, tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", YAML.replace("topic: catalog.product.*", f'topic: "{pattern}"'))
    assert_names(refused([path]), path, "binding 'products' of exchange 'conveyor'", "topic", repr(pattern))


@pytest.mark.parametrize("pattern", ["a..b", "foo*"])
def test_malformed_pattern_in_magento_xml(pattern: str, tmp_path: Path) -> None:
    body = f'<exchange name="magento"><binding id="bad" topic="{pattern}" destination="q"/></exchange>'
    folder = module(tmp_path / "M", queue_topology=body)
    file = folder / "etc" / "queue_topology.xml"
    assert_names(refused([folder]), file, "binding 'bad' of exchange 'magento'", "topic", repr(pattern))


def test_malformed_xml(tmp_path: Path) -> None:
    folder = module(tmp_path / "M", queue_consumer='<consumer name="c" queue="q">')
    file = folder / "etc" / "queue_consumer.xml"
    assert_names(refused([folder]), file, "document", None, "not well-formed XML")


def test_bad_max_messages(tmp_path: Path) -> None:
    folder = module(tmp_path / "M", queue_consumer='<consumer name="c" queue="q" maxMessages="abc"/>')
    file = folder / "etc" / "queue_consumer.xml"
    assert_names(refused([folder]), file, "consumer 'c'", "maxMessages", "'abc' is not a whole number")


def test_bad_number_names_the_module_that_set_it(tmp_path: Path) -> None:
    later = module(tmp_path / "Later", queue_consumer='<consumer name="async.operations.all" sleep="soon"/>')
    file = later / "etc" / "queue_consumer.xml"
    assert_names(refused([MODULE_A, later]), file, "consumer 'async.operations.all'", "sleep", "not a number")


@pytest.mark.parametrize(
    ("files", "xml_file", "element", "attribute", "reason"),
    [
        (
            {"queue_topology": '<exchange name="magento"><binding id="b" topic="a.#"/></exchange>'},
            "queue_topology",
            "binding 'b' of exchange 'magento'",
            "destination",
            "is required",
        ),
        (
            {"queue_topology": '<exchange name="magento"><binding topic="a.#" destination="q"/></exchange>'},
            "queue_topology",
            "binding #1 of exchange 'magento'",
            "id",
            "is required",
        ),
        ({"queue_consumer": '<consumer queue="q"/>'}, "queue_consumer", "consumer #1", "name", "is required"),
        (
            {"queue_consumer": '<consumer name="c"/>'},
            "queue_consumer",
            "consumer 'c'",
            "queue",
            "is required",
        ),
        (
            {"queue_consumer": '<consumer name="c" queue="q" onlySpawnWhenMessageAvailable="yes"/>'},
            "queue_consumer",
            "consumer 'c'",
            "onlySpawnWhenMessageAvailable",
            "not a boolean",
        ),
        (
            {"communication": '<topic name="t"><handler name="h" type="Vendor\\Module\\Handler"/></topic>'},
            "communication",
            "handler 'h' of topic 't'",
            "method",
            "is required",
        ),
        (
            {"queue_publisher": '<publisher topic="t"><connection exchange="magento"/></publisher>'},
            "queue_publisher",
            "connection #1 of publisher 't'",
            "name",
            "is required",
        ),
        (
            {
                "queue_topology": '<exchange name="x"><binding id="b" topic="t" destination="q"><arguments>'
                '<argument name="ttl" xsi:type="number">soon</argument></arguments></binding></exchange>'
            },
            "queue_topology",
            "argument 'ttl' of arguments of binding 'b' of exchange 'x'",
            "xsi:type",
            "not a valid number",
        ),
        (
            {"queue_topology": '<exchange name="x" type="fanout"/>'},
            "queue_topology",
            "exchange 'x'",
            "type",
            "is not 'topic'",
        ),
        (
            {"queue_consumer": "<queue name='q'/>"},
            "queue_consumer",
            "document",
            None,
            "unknown element <queue>",
        ),
    ],
)
def test_invalid_magento_elements(
    files: dict[str, str], xml_file: str, element: str, attribute: str | None, reason: str, tmp_path: Path
) -> None:
    folder = module(tmp_path / "M", **files)
    assert_names(refused([folder]), folder / "etc" / f"{xml_file}.xml", element, attribute, reason)


def test_same_exchange_name_on_two_connections_are_two_exchanges(tmp_path: Path) -> None:
    """As in Magento, where stock WebapiAsync declares "magento" on amqp and Catalog on the default (db)."""
    other = module(
        tmp_path / "M",
        queue_topology='<exchange name="magento"><binding id="x" topic="x.*" destination="x.queue"/></exchange>',
    )
    topology = load_topology([MODULE_A, other])
    assert {("amqp", "magento"), ("db", "magento")} <= set(topology.exchanges)
    assert topology.queues["x.queue"].connection == "db"
    assert topology.queues_for("db", "magento", "x.y") == ("x.queue",)
    assert topology.queues_for("amqp", "magento", "x.y") == ()


def test_doctype_is_refused(tmp_path: Path) -> None:
    file = write(
        tmp_path / "M" / "etc" / "queue_consumer.xml",
        '<?xml version="1.0"?><!DOCTYPE config [<!ENTITY x "q">]><config><consumer name="c" queue="&x;"/></config>',
    )
    assert_names(refused([tmp_path / "M"]), file, "document", None, "DOCTYPE")


def test_folder_without_queue_xml_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "Empty").mkdir()
    loaded = load_topology([MODULE_A, tmp_path / "Empty"])
    assert loaded.consumers.keys() == load_topology([MODULE_A]).consumers.keys()
    assert loaded.warnings == (
        f"{tmp_path / 'Empty'}: module folder holds none of communication.xml, queue_topology.xml,"
        " queue_publisher.xml, queue_consumer.xml, queue.xml (in etc/ or directly); skipped",
    )


def test_a_publisher_connection_must_match_its_exchange(tmp_path: Path) -> None:
    path = tmp_path / "mismatch.yaml"
    path.write_text(
        """
exchanges: [{name: conveyor, connection: amqp, bindings: [{topic: "a.*", destination: a}]}]
queues: [{name: a, connection: amqp}]
publishers: [{topic: a.b, connections: [{name: db, exchange: conveyor}]}]
"""
    )
    with pytest.raises(TopologyError) as caught:
        load_topology([path])
    message = str(caught.value)
    assert str(path) in message and "connection 'db' of publisher 'a.b'" in message
    assert "attribute 'name'" in message and "is on connection 'amqp'" in message


def test_a_yaml_key_that_is_not_text_is_named_not_a_crash(tmp_path: Path) -> None:
    """YAML reads ``null:`` and ``5:`` as keys of other types; sorting them with text keys raised TypeError."""
    path = write(tmp_path / "t.yaml", "queues:\n  - {name: a, null: 1, 5: x}\n")
    with pytest.raises(TopologyError, match=r"queue 'a', attribute '(5|None)': unknown attribute"):
        load_topology([path])
