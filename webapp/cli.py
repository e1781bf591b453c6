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

    Uses a database of its own, instance/demo.db (created if needed), unless DATABASE_URL names
    one; a database holding people the demo did not create is refused. Run it again and the
    data stays, with no new round; only the demo passwords change.
    """
    import os

    from mentorship.console import fail
    from mentorship.core.db import make_engine, make_session_factory
    from mentorship.core.errors import Conflict
    from mentorship.core.settings import instance_path
    from mentorship.demo.seed import seed_demo
    from mentorship.migrate import upgrade_database
    from mentorship.taxonomy import load_taxonomy

    database = os.environ.get("MENTORSHIP_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not database:
        instance_path().mkdir(parents=True, exist_ok=True)
        database = f"sqlite:///{instance_path() / 'demo.db'}"
    url = f"http://{host}:{port}"
    # The links in the mail the demo queues (its round's publication) lead to this server.
    os.environ.setdefault("MENTORSHIP_BASE_URL", url)
    engine = make_engine(database)
    click.echo(f"database: {engine.url.render_as_string(hide_password=True)}")
    upgrade_database(engine)
    try:
        with make_session_factory(engine)() as session:
            click.echo(f"loading the demo ({people} synthetic staff, one published round)...")
            accounts = seed_demo(session, load_taxonomy(), people=people)
    except Conflict as error:
        fail(str(error))
    finally:
        engine.dispose()
    click.echo(f"\nDemo sign-ins for {url}/sign-in (new passwords on every start):")
    for account in accounts:
        click.echo(f"  {account.role:<12} {account.name:<24} {account.email:<40} "
                   f"password: {account.password}")
    if no_serve:
        return
    os.environ["MENTORSHIP_DATABASE_URL"] = database  # the app serves the demo's database
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
    import os

    from werkzeug.serving import run_simple

    from webapp import create_app

    # Links the app mails or shows point at where it is served, unless configured otherwise.
    os.environ.setdefault("MENTORSHIP_BASE_URL", f"http://{host}:{port}")

    click.echo(f"\nServing on http://{host}:{port} (Ctrl+C stops it)")
    run_simple(host, port, create_app(), threaded=True, use_reloader=False)
