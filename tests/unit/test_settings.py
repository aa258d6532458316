"""Settings layering: defaults < config file < OHLOCAL_* variables < flags."""

from __future__ import annotations

import pytest

from ohlocal.errors import ConfigError
from ohlocal.settings import DEFAULT_SPEC_ID, build_settings


def test_defaults(home) -> None:
    settings = build_settings(home=home, environ={})
    assert (settings.host, settings.port, settings.sandbox_backend) == ("127.0.0.1", 3000, "auto")
    assert settings.db_path == home / "ohlocal.db"
    assert [spec.id for spec in settings.all_specs()] == [DEFAULT_SPEC_ID]


def test_later_sources_override_earlier_ones(home) -> None:
    (home / "config.toml").write_text('port = 4000\nhost = "127.0.0.2"\nimage = "localhost/a:1"\n')
    settings = build_settings(
        home=home, environ={"OHLOCAL_PORT": "5000", "OHLOCAL_IMAGE": "localhost/b:2"}, port=6000
    )
    assert settings.port == 6000
    assert settings.host == "127.0.0.2"
    assert settings.image == "localhost/b:2"


def test_bad_variable_names_the_variable(home) -> None:
    with pytest.raises(ConfigError, match="OHLOCAL_PORT"):
        build_settings(home=home, environ={"OHLOCAL_PORT": "many"})


def test_unknown_config_key_is_an_error(home) -> None:
    (home / "config.toml").write_text("[[sandbox_specs]]\nid = 'x'\nimagee = 'typo'\n")
    with pytest.raises(ConfigError, match="imagee"):
        build_settings(home=home, environ={})


def test_config_spec_can_replace_the_default(home) -> None:
    (home / "config.toml").write_text(f"[[sandbox_specs]]\nid = '{DEFAULT_SPEC_ID}'\nimage = 'x'\n")
    [spec] = build_settings(home=home, environ={}).all_specs()
    assert spec.image == "x"


def test_public_url_wins_over_host_and_port(home) -> None:
    settings = build_settings(home=home, environ={}, public_url="https://oh.example/")
    assert settings.base_url(1234) == "https://oh.example"
    assert build_settings(home=home, environ={}).base_url(1234) == "http://localhost:1234"


def test_webhooks_from_config_file_have_reference_defaults(tmp_path) -> None:
    from ohlocal.settings import build_settings

    config = tmp_path / "config.toml"
    config.write_text('[[webhooks]]\nbase_url = "http://127.0.0.1:9/hooks/"\n')
    settings = build_settings(home=tmp_path, config_file=config, environ={})
    (webhook,) = settings.webhooks
    assert (webhook.event_buffer_size, webhook.flush_delay) == (5, 30.0)
    assert (webhook.num_retries, webhook.retry_delay) == (3, 5.0)
    assert webhook.subscriber == "http://127.0.0.1:9/hooks"


def test_webhook_duplicate_or_unknown_key_is_a_config_error(tmp_path) -> None:
    import pytest

    from ohlocal.errors import ConfigError
    from ohlocal.settings import build_settings

    config = tmp_path / "config.toml"
    config.write_text('[[webhooks]]\nbase_url = "http://a/"\n[[webhooks]]\nbase_url = "http://a"\n')
    with pytest.raises(ConfigError, match="appears twice"):
        build_settings(home=tmp_path, config_file=config, environ={})
    config.write_text('[[webhooks]]\nbase_url = "http://a"\nretries = 2\n')
    with pytest.raises(ConfigError, match="retries"):
        build_settings(home=tmp_path, config_file=config, environ={})
