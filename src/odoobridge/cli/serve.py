"""``odoobridge serve``: the web application under uvicorn (default http://127.0.0.1:3200).

Domain modules are imported inside the commands that use them, so that ``odoobridge --help``
answers at once (DESIGN.md rule 12).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from odoobridge.cli.state import CliState
from odoobridge.errors import ConfigError
from odoobridge.logs import configure_logging, get_logger, kv

if TYPE_CHECKING:
    from odoobridge.settings import Settings

log = get_logger(__name__)


def serve_command(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Default: ODOOBRIDGE_HOST (127.0.0.1).")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Default: ODOOBRIDGE_PORT (3200).")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=32, help="Worker processes (each runs the scheduler).")
    ] = 1,
) -> None:
    """Serve the web application and its API (OpenAPI docs at /docs)."""
    state: CliState = ctx.obj
    run_server(state, state.settings(), host=host, port=port, workers=workers)


def run_server(
    state: CliState,
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int = 1,
) -> None:
    """Serve the app on ``settings`` until interrupted."""
    import uvicorn

    from odoobridge.web.app import create_app

    # A server logs at ODOOBRIDGE_LOG_LEVEL (INFO unless set), not the terminal's WARNING.
    configure_logging(settings.log_level, settings.log_format, settings.secret_values())
    if workers > 1 and settings.secret_key is None:
        raise ConfigError("several workers need one ODOOBRIDGE_SECRET_KEY to share sign-ins")
    from odoobridge.store.availability import check_writable

    store = state.store()
    check_writable(store.engine)  # a read-only store would serve pages while every sync fails
    app = create_app(settings, store, scheduler=workers == 1)  # checks settings first
    bind_host = host or settings.host
    bind_port = port or settings.port
    log.info("serving", extra=kv(url=f"http://{bind_host}:{bind_port}", workers=workers))
    options: dict[str, Any] = {
        "host": bind_host,
        "port": bind_port,
        "access_log": False,
        "log_level": settings.log_level.lower(),
        "proxy_headers": False,
    }
    if workers == 1:
        uvicorn.run(app, **options)
    else:
        state.close()
        uvicorn.run(
            "odoobridge.web.app:app_from_environment", factory=True, workers=workers, **options
        )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
