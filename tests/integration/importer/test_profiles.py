"""Profiles (YAML) and the registries: the packaged examples load and work, broken profiles are refused with
a message, the caller's options override the profile's, and a converter and an importer registered through
entry points are used without touching Conveyor's code."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.catalog import CategoryRepository, ProductRepository
from conveyor.catalog.stores import website_table
from conveyor.importer import Profile, ProfileError, RowError, importer_names, load_profile, run_import
from conveyor.importer.profile import EXAMPLES
from tests.conftest import RegisterPlugin
from tests.integration.catalog.product_fixtures import select_options

repo = ProductRepository()


def test_every_packaged_profile_loads_by_name_and_path() -> None:
    examples = sorted(EXAMPLES.glob("*.yaml"))
    assert len(examples) >= 5
    for path in examples:
        assert load_profile(path) == load_profile(path.stem)
    assert load_profile("products") == Profile()  # the products example spells out the defaults


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("entity: products\nsteps: {teleport: true}\n", "steps.teleport"),
        ("operation: merge\n", "operation"),
        ("converters: {price: {type: nope}}\n", "unknown converter 'nope'"),
        ("converters: {price: {separator: ','}}\n", "needs a type"),
        ("errors: {policy: sometimes}\n", "errors.policy"),
        ("values: [1, 2\n", "not valid YAML"),
        ("- a list\n", "mapping of settings"),
    ],
)
def test_broken_profiles_are_refused_with_a_message(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        load_profile(path)


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_callers_options_override_the_profiles(engine: Engine, tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "product-import_o_01.csv",
        "sku,attribute_set_code,product_type,name,price\nO-1,Default,simple,One,x\n",
    )
    strict = Profile.model_validate({"errors": {"policy": "fail"}})
    assert run_import(engine, "products", [path], profile=strict).failure is not None  # the profile's fail holds
    lenient = run_import(
        engine, "products", [path], profile=Profile.model_validate({"errors": {"policy": "fail", "max_errors": 5}})
    )
    assert lenient.failure is not None  # fail: any error fails, whatever max_errors
    report = run_import(engine, "products", [path], profile=Profile(), max_errors=0)
    assert report.failure is not None and not report.committed
    deleting = Profile(operation="delete")
    assert run_import(engine, "products", [path], profile=deleting).operation == "delete"
    assert run_import(engine, "products", [path], profile=deleting, operation="replace").operation == "replace"


def test_the_german_erp_profile(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as conn:
        select_options(conn, "color", ["Red", "Blue"])
        CategoryRepository().ensure_paths(conn, ["Default Category/Kleidung/Hosen"])
    path = _file(
        tmp_path,
        "erp_01.csv",
        "Artikelnummer;Bezeichnung;Preis;Bestand;Warengruppe;Farbe;Aktiv;Geaendert\n"
        "DE-1;Hose;1.234,50;7;Default Category>Kleidung>Hosen;rot;ja;21.10.2016 11:10\n"
        "DE-2;Jacke;12,00;0;Default Category>Kleidung>Jacken;blau;nein;21.10.2016 11:10\n",
    )
    profile = load_profile("products-erp-de")
    report = run_import(engine, "products", [path], profile=profile)
    assert report.failure is not None and not report.committed  # errors: fail, and Jacken does not exist
    assert report.errors == [
        RowError("erp_01.csv", 3, "categories", 'The category "Default Category/Kleidung/Jacken" does not exist.')
    ]
    path.write_text(path.read_text(encoding="utf-8").replace(">Jacken", ">Hosen"), encoding="utf-8")
    report = run_import(engine, "products", [path], profile=profile)
    assert report.committed and report.created == 2
    with engine.connect() as conn:
        hose, jacke = repo.get(conn, "DE-1"), repo.get(conn, "DE-2")
    assert (hose.price, hose.stock.qty if hose.stock else None, hose.status, jacke.status) == (1234.5, 7.0, 1, 2)
    assert hose.custom_attributes["color"] != jacke.custom_attributes["color"]
    assert hose.website_ids == [1] and hose.visibility == 4
    # timestamps: the same updated_at (even with another price) is not newer, so the row is skipped
    path.write_text(path.read_text(encoding="utf-8").replace("1.234,50", "999,00"), encoding="utf-8")
    again = run_import(engine, "products", [path], profile=profile)
    assert (again.skipped, again.skipped_not_newer, again.updated) == (2, 1, 0)  # DE-2 is simply unchanged
    path.write_text(
        path.read_text(encoding="utf-8").replace("21.10.2016 11:10\nDE-2", "22.10.2016 11:10\nDE-2"), encoding="utf-8"
    )
    newer = run_import(engine, "products", [path], profile=profile)
    assert (newer.updated, newer.skipped, newer.skipped_not_newer) == (1, 1, 0)  # DE-1 is newer, DE-2 unchanged
    with engine.connect() as conn:
        assert repo.get(conn, "DE-1").price == 999.0


def test_a_converter_and_an_importer_from_entry_points(
    engine: Engine, tmp_path: Path, register_plugin: RegisterPlugin
) -> None:
    shout = EntryPoint("shout", "tests.integration.importer.plugins:shout", "conveyor.import_converters")
    register_plugin("converters", shout)
    names = "tests.integration.importer.plugins:WebsiteNameImporter"
    register_plugin("importers", EntryPoint("website-names", names, "conveyor.importers"))
    assert "website-names" in importer_names()
    path = _file(tmp_path, "websites_01.csv", "code,name\nbase,Main shop\nmars,Red planet\n")
    profile = Profile(entity="website-names", converters={"name": {"type": "shout", "suffix": "!!"}})
    report = run_import(engine, "website-names", [path], profile=profile)
    assert report.committed and report.updated == 1
    assert report.errors == [RowError("websites_01.csv", 3, "code", 'The website "mars" does not exist.')]
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(website_table.c.name).where(website_table.c.code == "base")).scalar()
            == "MAIN SHOP!!"
        )


def test_a_row_observer_from_an_entry_point_sees_each_row_whole_and_may_refuse_it(
    engine: Engine, tmp_path: Path, register_plugin: RegisterPlugin
) -> None:
    register_plugin("observers", EntryPoint("brand", "tests.integration.importer.plugins:brand_in_name", "x"))
    path = _file(
        tmp_path,
        "product-import_brand_01.csv",
        "sku,attribute_set_code,product_type,name,price,maker\n"
        "OB-1,Default,simple,Anvil,9,Acme\n"
        "OB-2,Default,simple,Rocket,5,\n",
    )
    profile = load_profile({"observers": [{"type": "brand", "column": "maker"}]})
    report = run_import(engine, "products", [path], profile=profile)
    assert report.committed and report.created == 1
    assert report.errors == [RowError(path.name, 3, "maker", "The row names no maker.")]
    with engine.connect() as conn:
        assert repo.get(conn, "OB-1").name == "Acme Anvil"
    with pytest.raises(ProfileError, match="unknown observer 'nope'"):
        load_profile({"observers": [{"type": "nope"}]})
    with pytest.raises(ProfileError, match="observer 1 needs a type"):
        load_profile({"observers": [{"column": "maker"}]})
    unknown = run_import(engine, "products", [path], profile=Profile(observers=[{"type": "nope"}]))
    assert unknown.failure is not None and "unknown observer 'nope'" in unknown.failure and not unknown.committed


def test_a_failure_in_the_reading_thread_fails_the_bunch_and_writes_nothing(
    engine: Engine, tmp_path: Path, register_plugin: RegisterPlugin
) -> None:
    from tests.integration.importer.helpers import store_checksum
    from tests.integration.importer.plugins import ExplodingImporter

    ExplodingImporter.batches = 0
    register_plugin("importers", EntryPoint("exploding", "tests.integration.importer.plugins:ExplodingImporter", "x"))
    path = _file(tmp_path, "websites_01.csv", "code,name\nbase,One\nadmin,Two\n")
    before = store_checksum(engine)
    report = run_import(engine, "exploding", [path], profile=Profile(entity="exploding", batch_size=1))
    assert report.failure == "RuntimeError: the reader broke" and not report.committed
    assert store_checksum(engine) == before  # the first batch was written, and rolled back
