"""The `ohlocal` command line, through click's CliRunner."""

from __future__ import annotations

from click.testing import CliRunner

from ohlocal.cli import main


def test_serve_refuses_non_loopback_host_without_key(home) -> None:
    result = CliRunner().invoke(
        main,
        ["serve", "--host", "0.0.0.0", "--home", str(home)],
        env={"OHLOCAL_SESSION_API_KEY": ""},
    )
    assert result.exit_code == 2
    assert "OHLOCAL_SESSION_API_KEY" in result.output


def test_serve_rejects_bad_backend_choice(home) -> None:
    result = CliRunner().invoke(main, ["serve", "--sandbox-backend", "docker", "--home", str(home)])
    assert result.exit_code == 2
    assert "docker" in result.output


def test_serve_reports_bad_config_file_as_usage_error(home) -> None:
    config = home / "bad.toml"
    config.write_text("colour = 'blue'\n")
    result = CliRunner().invoke(main, ["serve", "--config", str(config), "--home", str(home)])
    assert result.exit_code == 2
    assert "colour" in result.output


def test_serve_options_read_ohlocal_variables() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"], terminal_width=200)
    for name in (
        "HOST",
        "PORT",
        "HOME",
        "CONFIG",
        "SANDBOX_BACKEND",
        "PODMAN_URL",
        "PUBLIC_URL",
        "IMAGE",
        "LOG_LEVEL",
    ):
        assert f"OHLOCAL_{name}" in result.output


def test_version_prints_the_package_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert "ohlocal" in result.output
