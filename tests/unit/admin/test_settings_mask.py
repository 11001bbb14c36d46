"""The settings page never shows a secret: SecretStr fields, passwords inside URLs, fields named as secrets."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from conveyor.admin.views.settings_page import MASK, effective, masked
from conveyor.settings import Settings


def test_passwords_inside_urls_are_masked_and_the_rest_kept() -> None:
    shown = masked("database_url", "postgresql+psycopg://shop:s3cr%40t@db.internal:5432/conveyor")
    assert shown == f"postgresql+psycopg://shop:{MASK}@db.internal:5432/conveyor"
    assert masked("amqp_url", "amqp://guest:guest@127.0.0.1:5672/%2F") == f"amqp://guest:{MASK}@127.0.0.1:5672/%2F"
    assert masked("database_url", "sqlite:///var/conveyor.db") == "sqlite:///var/conveyor.db"


def test_secret_fields_are_masked_whatever_their_type() -> None:
    assert masked("eds_secret", SecretStr("hmac key")) == MASK
    assert masked("source_password", "plain text") == MASK
    assert masked("admin_token_lifetime_hours", 4.0) == "4.0"


def test_every_setting_is_listed_under_its_variable_and_no_secret_leaks() -> None:
    settings = Settings(admin_session_secret=SecretStr("do-not-show"), amqp_url="amqp://u:pw-do-not-show@h/")
    rows = effective(settings)
    assert {name for name, _, _ in rows} >= {"CONVEYOR_DATABASE_URL", "CONVEYOR_ADMIN_SESSION_SECRET"}
    assert not any("do-not-show" in value for _, value, _ in rows)


def test_names_that_only_mention_a_secret_are_shown() -> None:
    assert masked("source_api_key_header", "X-Api-Key") == "X-Api-Key"
    assert masked("topology_files", [Path("a.yaml"), Path("b.yaml")]) == "a.yaml, b.yaml"
