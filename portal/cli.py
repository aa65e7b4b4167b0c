"""`sanad portal`: set up and run the citizen portal.

    sanad portal init --data DIR [--id PORTAL-1] [--registry URL] [--public-url URL]
                      [--region CC] [--port 8090]
        a fresh channel key, its public JWK (for `sanad registry portal enroll`), a cookie
        key and DIR/portal.toml, owner-only
    sanad portal serve --config DIR/portal.toml [--host H] [--port P]
        run the portal (uvicorn) until SIGTERM or Ctrl-C

Exit codes: 0 ok, 2 usage, configuration or I/O error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["group"]

EPILOG = "Exit codes: 0 ok, 2 usage, configuration or I/O error."


@click.group(epilog=EPILOG)
def group() -> None:
    """The citizen portal: order documents online, pay, collect anywhere."""


@group.command(epilog=EPILOG)
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--id", "channel_id", default="PORTAL-1", show_default=True, help="Channel id.")
@click.option("--registry", "registry_url", default="http://127.0.0.1:8000", show_default=True)
@click.option("--public-url", default="http://127.0.0.1:8090", show_default=True)
@click.option("--region", default="", help="ISO country code for phone numbers (e.g. JO).")
@click.option("--port", default=8090, show_default=True, type=click.IntRange(1, 65535))
def init(
    data_dir: Path, channel_id: str, registry_url: str, public_url: str, region: str, port: int
) -> None:
    """Make the portal's keys and portal.toml in DIR (a new or empty folder)."""
    from portal.config import ConfigError, initialise

    try:
        result = initialise(
            data_dir,
            channel_id=channel_id,
            registry_url=registry_url,
            public_url=public_url,
            phone_region=region,
            port=port,
        )
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"config: {result.config_path}")
    click.echo(f"public key: {result.public_key_path}")
    click.echo(
        "enrol it at the registry: sanad registry portal enroll "
        f"--id {result.channel_id} --public-key {result.public_key_path}"
    )


@group.command(epilog=EPILOG)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SANAD_PORTAL_CONFIG",
    help="portal.toml (env SANAD_PORTAL_CONFIG).",
)
@click.option("--host", default=None, help="Listen address (default: [http] host).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="[http] port.")
def serve(config_path: Path | None, host: str | None, port: int | None) -> None:
    """Run the portal until SIGTERM or Ctrl-C."""
    import uvicorn

    from portal.app import create_app
    from portal.config import ConfigError, load_config

    try:
        config = load_config(config_path)
        app = create_app(config)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    uvicorn.run(
        app,
        host=host or config.host,
        port=port or config.port,
        log_level="warning",
        proxy_headers=True,
        server_header=False,
    )
