"""The `mentorship` command: the domain's commands plus `demo` and `serve`, which need the web app."""

from __future__ import annotations

import click

from mentorship.cli import cli, main

__all__ = ["cli", "main"]


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--people", default=150, show_default=True, type=click.IntRange(2, 20_000),
              help="How many synthetic staff to load into an empty database.")
@click.option("--no-serve", is_flag=True, help="Load the demo and print the sign-ins, then stop.")
def demo(host: str, port: int, people: int, no_serve: bool) -> None:
    """Load synthetic library staff, publish a round, print demo sign-ins, and serve the app.

    Uses DATABASE_URL, else the embedded SQLite file (created if needed). Run it again and the
    data stays; only the demo passwords change.
    """
    from mentorship.core.db import make_engine, make_session_factory
    from mentorship.demo.seed import seed_demo
    from mentorship.migrate import upgrade_database
    from mentorship.taxonomy import load_taxonomy

    engine = make_engine()
    click.echo(f"database: {engine.url.render_as_string(hide_password=True)}")
    upgrade_database(engine)
    with make_session_factory(engine)() as session:
        click.echo(f"loading the demo ({people} synthetic staff, one published round)...")
        accounts = seed_demo(session, load_taxonomy(), people=people)
    engine.dispose()
    url = f"http://{host}:{port}"
    click.echo(f"\nDemo sign-ins for {url}/sign-in (new passwords on every start):")
    for account in accounts:
        click.echo(f"  {account.role:<12} {account.name:<24} {account.email:<40} "
                   f"password: {account.password}")
    if no_serve:
        return
    _serve(host, port)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web app (DATABASE_URL, else the embedded SQLite file)."""
    from mentorship.core.db import make_engine
    from mentorship.migrate import upgrade_database

    engine = make_engine()
    upgrade_database(engine)
    engine.dispose()
    _serve(host, port)


def _serve(host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    from webapp import create_app

    click.echo(f"\nServing on http://{host}:{port} (Ctrl+C stops it)")
    run_simple(host, port, create_app(), threaded=True, use_reloader=False)
