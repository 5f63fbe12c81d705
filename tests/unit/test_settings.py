"""Settings are strict: a bad value stops start-up with a message naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.settings import SettingsError, load_settings

GOOD_SECRET = "s" * 40


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CONCORD_PORT": "eighty"}, "CONCORD_PORT must be a whole number"),
        ({"CONCORD_PORT": "70000"}, "CONCORD_PORT must be between"),
        ({"CONCORD_SECURE_COOKIES": "maybe"}, "CONCORD_SECURE_COOKIES must be true or false"),
        ({"CONCORD_SECRET_KEY": "short"}, "at least 32 characters"),
        ({"CONCORD_HUB_URL": "postgresql+psycopg://h/db"}, "together"),
        ({"CONCORD_LOG_LEVEL": "LOUD"}, "CONCORD_LOG_LEVEL"),
        ({"CONCORD_PUBLIC_URL": "ftp://x"}, "CONCORD_PUBLIC_URL"),
        ({"CONCORD_ARGON2_MEMORY_KIB": "1"}, "CONCORD_ARGON2_MEMORY_KIB"),
        ({"CONCORD_ARGON2_MEMORY_KIB": "16"}, "at least 8 x"),
        ({"CONCORD_NODE_PIECE_KIB": "0"}, "CONCORD_NODE_PIECE_KIB must be between"),
        ({"CONCORD_NODE_PIECE_KIB": "a lot"}, "CONCORD_NODE_PIECE_KIB must be a whole number"),
    ],
)
def test_bad_values_are_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({"CONCORD_SECRET_KEY": GOOD_SECRET, **env})


def test_a_secret_is_required_outside_demo_mode() -> None:
    with pytest.raises(SettingsError, match="CONCORD_SECRET_KEY"):
        load_settings({})
    assert load_settings({}, demo=True).demo
    assert load_settings({}, require_secret=False).secret_key == ""


def test_secret_from_file(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text(GOOD_SECRET + "\n", encoding="utf-8")
    assert load_settings({"CONCORD_SECRET_KEY_FILE": str(path)}).secret_key == GOOD_SECRET
    with pytest.raises(SettingsError, match="not both"):
        load_settings({"CONCORD_SECRET_KEY_FILE": str(path), "CONCORD_SECRET_KEY": GOOD_SECRET})
    with pytest.raises(SettingsError, match="cannot be read"):
        load_settings({"CONCORD_SECRET_KEY_FILE": str(tmp_path / "missing")})


def test_secret_never_appears_in_error_messages() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"CONCORD_SECRET_KEY": "tooshort-but-secret"})
    assert "tooshort-but-secret" not in str(caught.value)


def test_urls_follow_the_configuration(tmp_path: Path) -> None:
    embedded = load_settings({"CONCORD_DATA_DIR": str(tmp_path)}, require_secret=False)
    assert embedded.hub_database_url == f"sqlite:///{tmp_path.resolve()}/hub.sqlite3"
    assert embedded.vault_database_url("alpha").endswith("/vaults/alpha.sqlite3")
    production = load_settings(
        {
            "CONCORD_HUB_URL": "postgresql+psycopg://db/concord_hub",
            "CONCORD_VAULT_URL_TEMPLATE": "postgresql+psycopg://db/concord_vault_{partner}",
        },
        require_secret=False,
    )
    assert (
        production.vault_database_url("north-mere")
        == "postgresql+psycopg://db/concord_vault_north_mere"
    )
    with pytest.raises(SettingsError):
        production.vault_database_url("../etc")


def test_smtp_settings_are_strict(tmp_path: Path) -> None:
    password = tmp_path / "smtp_password"
    password.write_text("mail-secret\n", encoding="utf-8")
    settings = load_settings(
        {
            "CONCORD_SECRET_KEY": GOOD_SECRET,
            "CONCORD_SMTP_HOST": "mail.example.org",
            "CONCORD_SMTP_PORT": "465",
            "CONCORD_SMTP_SECURITY": "TLS",
            "CONCORD_SMTP_USERNAME": "concord",
            "CONCORD_SMTP_PASSWORD_FILE": str(password),
        }
    )
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security) == (
        "mail.example.org",
        465,
        "tls",
    )
    assert (settings.smtp_username, settings.smtp_password) == ("concord", "mail-secret")
    for env, message in [
        (
            {"CONCORD_SMTP_HOST": "mail.example.org", "CONCORD_SMTP_SECURITY": "ssl"},
            "none, starttls",
        ),
        ({"CONCORD_SMTP_HOST": "mail.example.org", "CONCORD_SMTP_PORT": "0"}, "CONCORD_SMTP_PORT"),
        ({"CONCORD_SMTP_PORT": "25"}, "need CONCORD_SMTP_HOST"),
        ({"CONCORD_SMTP_HOST": "mail.example.org", "CONCORD_SMTP_USERNAME": "u"}, "together"),
        ({"CONCORD_SMTP_HOST": "mail example"}, "CONCORD_SMTP_HOST"),
    ]:
        with pytest.raises(SettingsError, match=message):
            load_settings({"CONCORD_SECRET_KEY": GOOD_SECRET, **env})


def test_a_nodes_pieces_are_sized_in_kib() -> None:
    assert load_settings({"CONCORD_SECRET_KEY": GOOD_SECRET}).node_piece_bytes == 4 * 1024 * 1024
    env = {"CONCORD_SECRET_KEY": GOOD_SECRET, "CONCORD_NODE_PIECE_KIB": "64"}
    assert load_settings(env).node_piece_bytes == 64 * 1024
