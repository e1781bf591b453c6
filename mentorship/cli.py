"""The `mentorship` command line."""

from __future__ import annotations

import functools
import math
import os
import sys

import click

from matching import InfeasibleLockError, TaxonomyError
from mentorship.console import (
    INPUT_ERROR,
    ProgressBar,
    exit_now,
    fail,
    warn_skills,
    write_output,
)
from mentorship.core.collector import paused_gc
from mentorship.core.errors import DomainError, InvalidInput
from mentorship.rounds.settings import (
    FACTOR_SETTINGS,
    FAIRNESS_NEEDS_MENTOR_MODE,
    MODES,
    PRIORITIES,
    default_settings,
    engine_settings,
    load_round_settings,
)
from mentorship.taxonomy import load_taxonomy

__all__ = ["cli", "main"]

DEFAULTS = default_settings()
STRICT_HELP = ("Refuse the file when a skill name is unknown or ambiguous (default: warn, leave "
               "it out and keep the rest of the row).")


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """Reject NaN and infinity, which every range check lets through."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number")
    return value


#: The factor settings' flags: (setting, help).
FACTOR_HELP = {
    "experience": "prefer: a tie-breaking bonus when the mentor has more years of experience.",
    "department": "prefer: a bonus for another department; require: never the same one.",
    "institution": "auto: prefer another institution when the pool names more than one.",
    "meeting_format": "require: in person needs the same location; remote and in-person-only "
                      "never meet.",
    "management_chain": "chain: nobody is paired with any manager above them; direct: only "
                        "their own manager.",
}


def factor_options(command):
    """Add the factor settings' flags to a command, each defaulting to the engine's default."""
    weights = (("preference_weight", "Weight of the preferences' bonus in the score."),
               ("experience_weight", "Share of the experience preference in the bonus."),
               ("department_weight", "Share of the department preference in the bonus."),
               ("institution_weight", "Share of the institution preference in the bonus."))
    for name, text in reversed(weights):
        # The preferences' bonus sits beside the text term below one score step: at most 1.
        bounds = click.FloatRange(0, 1) if name == "preference_weight" else click.FloatRange(min=0)
        command = click.option(f"--{name.replace('_', '-')}", name, type=bounds,
                               default=DEFAULTS[name], callback=_finite, show_default=True,
                               help=text)(command)
    command = click.option("--max-time-zone-hours", "max_time_zone_hours",
                           type=click.FloatRange(0, 12), callback=_finite, default=None,
                           help="Never pair people whose clocks differ by more (default: no "
                                "limit).")(command)
    for name in reversed(FACTOR_HELP):
        command = click.option(f"--{name.replace('_', '-')}", name,
                               type=click.Choice(FACTOR_SETTINGS[name]), default=DEFAULTS[name],
                               show_default=True, help=FACTOR_HELP[name])(command)
    return command


@click.group()
@click.version_option(package_name="library-mentorship")
def cli() -> None:
    """Peer-mentorship matching for library technology staff."""


@cli.command()
@click.argument("profiles", type=click.Path(dir_okay=False))
@click.option("--mode", type=click.Choice(MODES), default="mentor",
              show_default=True, help="mentor: one mentor, several mentees; peer: skill swaps.")
@click.option("--taxonomy", "taxonomy_path", type=click.Path(dir_okay=False),
              help="Skill taxonomy YAML (default: the taxonomy shipped with the package).")
@click.option("--min-score", type=click.FloatRange(0, 1), default=0.0, callback=_finite, show_default=True,
              help="Never propose a pair scoring below this.")
@click.option("--fair", is_flag=True,
              help="Maximise the lowest mentee score first, then the total (mentor mode).")
@click.option("--avoid", type=click.Path(dir_okay=False),
              help="CSV of email pairs never to propose.")
@click.option("--avoid-previous", type=click.Path(dir_okay=False),
              help="JSON result of an earlier round: its pairs are not proposed again.")
@click.option("--lock", type=click.Path(dir_okay=False),
              help="CSV of mentor,mentee email pairs to keep exactly.")
@click.option("--allow-same-manager/--refuse-same-manager", default=None,
              help="Allow or refuse pairing two people who share a manager (default: refused "
                   "in mentor mode, allowed in peer mode).")
@click.option("--no-trios", is_flag=True,
              help="Peer mode: form pairs only, no circles of three.")
@click.option("--priority", type=click.Choice(PRIORITIES), default=DEFAULTS["priority"],
              show_default=True,
              help="strict: a mentor for an earlier want always wins; soft: two later wants "
                   "may outweigh an earlier one.")
@click.option("--text-weight", type=click.FloatRange(min=0, max=1), default=DEFAULTS["text_weight"],
              callback=_finite, show_default=True,
              help="Weight of the goals-to-bio tie-breaker (0 off); it never outweighs skill.")
@factor_options
@click.option("--close-call-margin", type=click.FloatRange(0, 1),
              default=DEFAULTS["close_call_margin"], callback=_finite, show_default=True,
              help="Flag a pair when another mentor scores within this much of it (0: never).")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "json"]),
              default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@click.option("--strict", is_flag=True, help=STRICT_HELP)
@click.option("--map", "map_path", type=click.Path(dir_okay=False),
              help="Column map YAML for a form export (see `mentorship map`).")
@click.option("--sheet", help="The XLSX sheet to read (default: the first).")
@click.option("--budget-csv", type=click.Path(dir_okay=False),
              help="Also write the whole training budget table here as CSV.")
# A match holds the pool's records, matrices and reasons, millions of objects that live to its
# end: the collector would scan them again and again and find nothing to free.
@paused_gc()
def match(profiles, mode, taxonomy_path, min_score, fair, avoid, avoid_previous, lock,
          allow_same_manager, no_trios, priority, text_weight, close_call_margin, output_format,
          out, strict, map_path, sheet, budget_csv, **factors) -> None:
    """Match the people of a profile CSV (or a form export, with --map) and print the pairs
    with their reasons."""
    # Imported here, not at the top: `mentorship --help` and the other commands start fast.
    from mentorship.core.forked import ForkedCall
    from mentorship.profiles.csv_io import read_profiles

    try:
        load_round_settings(mode, {"fair": fair})
    except InvalidInput:
        fail(f"--fair {FAIRNESS_NEEDS_MENTOR_MODE}")
    try:
        taxonomy = load_taxonomy(taxonomy_path)
    except TaxonomyError as error:
        fail(str(error))
    column_map = _column_map(map_path)
    read = functools.partial(read_profiles, profiles, taxonomy, strict=strict,
                             column_map=column_map, sheet=sheet)
    # Run as the program, the command reads the file in a forked copy of itself while it
    # imports the engine here: on two cores the two take the time of one.
    reading = ForkedCall(read) if _own_process() else None

    from mentorship.rounds.budget_table import budget_csv as render_budget_csv
    from mentorship.rounds.budget_table import pool_budget
    from mentorship.rounds.compute import compute_round
    from mentorship.rounds.pair_files import read_pairs_csv, read_previous_pairs
    from mentorship.rounds.report import render_csv, render_json, render_table

    current = profiles
    try:
        table = reading.result() if reading is not None else read()
        known = set(table.records)
        current = avoid
        avoid_pairs, _ = read_pairs_csv(avoid, known, what="avoid list") if avoid else ([], [])
        current = lock
        lock_pairs, lock_rows = read_pairs_csv(lock, known, what="lock file") if lock else ([], [])
        current = avoid_previous
        previous = read_previous_pairs(avoid_previous) if avoid_previous else []
    except InvalidInput as error:
        fail(str(error), error.errors, current)
    for warning in table.warnings:
        click.echo(f"warning: {profiles}: {warning}", err=True)
    warn_skills(table.skill_warnings, profiles)

    settings = engine_settings(
        mode, {"priority": priority, "text_weight": text_weight, "min_score": min_score,
               "fair": fair, "allow_same_manager": allow_same_manager, "trios": not no_trios,
               "close_call_margin": close_call_margin, **factors},
        avoid=tuple(avoid_pairs), previous=tuple(previous), locks=tuple(lock_pairs),
        outside_managers=table.outside_managers())
    pool = table.profiles()
    try:
        with ProgressBar() as progress:
            result = compute_round(pool, settings, taxonomy, progress, lock_rows=lock_rows)
    except InvalidInput as error:
        fail(str(error), error.errors,
              lock if isinstance(error.__cause__, InfeasibleLockError) else None)

    names = {email: record["name"] for email, record in table.records.items()}
    budget = None
    if output_format == "table" or budget_csv:
        departments = {email: record.get("department") or ""
                       for email, record in table.records.items()}
        budget = pool_budget(pool, [(p.mentor, p.mentee) for p in result.pairs],
                             settings, departments, taxonomy)
    if output_format == "json":
        text = render_json(result, names, taxonomy)
    elif output_format == "csv":
        text = render_csv(result, names, taxonomy)
    else:
        text = render_table(result, names, taxonomy, budget=budget)
    if budget_csv:
        write_output(render_budget_csv(budget), budget_csv)
    write_output(text, out)
    if out:
        click.echo(f"wrote {len(result.pairs)} pairs to {out}", err=True)
    if _own_process():
        # Freeing the pool's records, matrices and reasons one by one, then every module,
        # would take another 0.4 s at 10,000 people; the operating system frees it all at once.
        exit_now()


class OwnProcess:
    """The mark `main` gives the commands: they run as the program itself, not inside a
    caller's process (a test's CliRunner), so they may fork and may end the process."""


def _own_process() -> bool:
    return isinstance(click.get_current_context().find_root().obj, OwnProcess)


def main() -> None:
    """Run the CLI; unexpected errors print one line (the traceback with MENTORSHIP_DEBUG=1)."""
    try:
        cli(standalone_mode=True, obj=OwnProcess())
    except DomainError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(INPUT_ERROR)
    except MemoryError:
        click.echo("error: not enough memory for this input: split the file, or run it on a "
                   "larger machine", err=True)
        sys.exit(1)
    except Exception as error:  # last resort: a user never sees a traceback
        if os.environ.get("MENTORSHIP_DEBUG"):
            raise
        click.echo(f"internal error: {_error_kind(error)} (set MENTORSHIP_DEBUG=1 for the "
                   "traceback, and please report it)", err=True)
        sys.exit(1)


def _error_kind(error: Exception) -> str:
    """Name an unexpected error without its message: a database error's message holds the SQL
    and its parameters (personal data), and others may quote their input."""
    from sqlalchemy.exc import SQLAlchemyError

    orig = getattr(error, "orig", None)
    if isinstance(error, SQLAlchemyError):
        kind = type(orig).__name__ if orig is not None else type(error).__name__
        return f"the database refused the work ({kind}); nothing was saved"
    return type(error).__name__


@cli.group()
def db() -> None:
    """Manage the database (DATABASE_URL, or the embedded SQLite file under instance/)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the current schema."""
    from mentorship.core.db import make_engine
    from mentorship.migrate import upgrade_database

    engine = make_engine()
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()
    click.echo(f"database at {engine.url.render_as_string(hide_password=True)} is up to date")


@cli.command("import")
@click.argument("profiles", type=click.Path(dir_okay=False))
@click.option("--partial", is_flag=True,
              help="Import the valid rows and report the rest (default: all or nothing).")
@click.option("--taxonomy", "taxonomy_path", type=click.Path(dir_okay=False),
              help="Skill taxonomy YAML (default: the taxonomy shipped with the package).")
@click.option("--strict", is_flag=True, help=STRICT_HELP)
@click.option("--programme", "programme", metavar="NAME_OR_ID",
              help="Enrol the people of the file in this programme (default: the default one).")
@click.option("--map", "map_path", type=click.Path(dir_okay=False),
              help="Column map YAML for a form export (see `mentorship map`).")
@click.option("--sheet", help="The XLSX sheet to read (default: the first).")
def import_command(profiles, partial, taxonomy_path, strict, programme, map_path, sheet) -> None:
    """Import a profile CSV (or a form export, with --map) into the database; people are
    matched by email, and everyone not in the file is left as they are."""
    from mentorship.core.db import make_engine, make_session_factory
    from mentorship.migrate import upgrade_database
    from mentorship.profiles.csv_io import read_profiles
    from mentorship.profiles.operations import import_profiles

    column_map = _column_map(map_path)
    try:
        taxonomy = load_taxonomy(taxonomy_path)
        table = read_profiles(profiles, taxonomy, partial=partial, strict=strict,
                              column_map=column_map, sheet=sheet)
    except TaxonomyError as error:
        fail(str(error))
    except InvalidInput as error:
        fail(f"{error}; nothing was imported", error.errors, profiles)
    from mentorship.programmes.queries import resolve_programme

    engine = make_engine()
    try:
        upgrade_database(engine)
        with make_session_factory(engine)() as session, session.begin():
            report = import_profiles(session, None, table, taxonomy,
                                     programme_id=resolve_programme(session, programme).id)
    except DomainError as error:
        fail(f"{error}; nothing was imported")
    finally:
        engine.dispose()  # the command may run in-process (tests): no connection outlives it
    for warning in report.warnings:
        click.echo(f"warning: {profiles}: {warning}", err=True)
    warn_skills(report.skill_warnings, profiles)
    for error in table.errors:
        click.echo(f"skipped: {error}", err=True)
    click.echo(f"imported {profiles}: {report.created} created, {report.updated} updated, "
               f"{report.skipped} row(s) skipped")
    if report.skipped:
        sys.exit(INPUT_ERROR)


def _column_map(map_path: str | None):
    """Return the column map of `--map` (None without one); a bad map fails the command."""
    if map_path is None:
        return None
    from mentorship.profiles.column_map import load_column_map

    try:
        return load_column_map(map_path)
    except InvalidInput as error:
        fail(str(error), error.errors, map_path)


@cli.command("map")
@click.argument("profiles", type=click.Path(dir_okay=False))
@click.option("--sheet", help="The XLSX sheet to read (default: the first).")
@click.option("--taxonomy", "taxonomy_path", type=click.Path(dir_okay=False),
              help="Skill taxonomy YAML (default: the taxonomy shipped with the package).")
def map_command(profiles, sheet, taxonomy_path) -> None:
    """Print a column map guessed from a form export's headers, to edit and pass as --map.

    The answers of its skill lists that name no skill are listed in comments, with the closest
    names, to map under `values`.
    """
    from itertools import islice

    from mentorship.profiles.column_map import dump_column_map, guess_column_map, unknown_labels
    from mentorship.profiles.csv_io import read_sheet

    try:
        taxonomy = load_taxonomy(taxonomy_path)
        header, rows = read_sheet(profiles, sheet=sheet)
        # The answers of the first thousand rows are enough to guess from.
        sample = [row for _, row in islice(rows, 1000)]
    except TaxonomyError as error:
        fail(str(error))
    except InvalidInput as error:
        fail(str(error), error.errors, profiles)
    header = [h.strip() for h in header]
    if not any(header):
        fail("the file is empty: expected a header row", None, profiles)
    guessed = guess_column_map(header, sample)
    unknown = []
    if {"email", "name"} <= set(guessed.columns):
        unknown = unknown_labels(guessed, header, sample, taxonomy)
    click.echo(dump_column_map(guessed, header, unknown), nl=False)


def _run_service(work):
    """Run `work(session)` in one transaction on the configured database; report domain errors.

    Returns what `work` returned. The database is first brought to the current schema.
    """
    from sqlalchemy.exc import OperationalError

    from mentorship.core.db import make_engine, make_session_factory
    from mentorship.mail.outbox import DEFER_KEY, QUEUED_FLAG
    from mentorship.migrate import upgrade_database

    engine = make_engine()
    upgrade_database(engine)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session:
            # A command ends at once: mail it queued is sent here, not by a thread it would kill.
            session.info[DEFER_KEY] = True
            with session.begin():
                result = work(session)
            if session.info.pop(QUEUED_FLAG, False):
                _send_mail_now(engine, sessions)
            return result
    except InvalidInput as error:
        fail(str(error), error.errors)
    except DomainError as error:
        fail(str(error))
    except OperationalError as error:
        if "locked" not in str(error.orig):
            raise
        fail("the database is busy: another command is writing to it; try again shortly")
    finally:
        engine.dispose()


def _send_mail_now(engine, sessions) -> None:
    """Send the mail a command queued (one try each; RQ's worker when REDIS_URL is set)."""
    from mentorship.core.settings import mail_settings
    from mentorship.mail.jobs import start_sending
    from mentorship.mail.sending import send_due_mail

    try:
        settings = mail_settings()
    except ValueError as error:
        click.echo(f"mail: {error}; the mail waits in the outbox", err=True)
        return
    if os.environ.get("REDIS_URL"):
        start_sending(engine, settings)
        click.echo("mail: queued for the worker", err=True)
    elif not settings.host:
        click.echo("mail: no SMTP host is set (MENTORSHIP_SMTP_HOST): the mail waits in the "
                   "outbox", err=True)
    else:
        report = send_due_mail(sessions, settings)
        click.echo(f"mail: {report.sent} sent, {report.failed} failed"
                   + (", some wait for another try (`mentorship mail send --wait`)"
                      if report.next_due_at else ""), err=True)


@cli.group("round")
def round_group() -> None:
    """Matching rounds in the database: create, preview, publish, show, export, close."""


@round_group.command("create")
@click.argument("name")
@click.option("--programme", "programme", metavar="NAME_OR_ID",
              help="The programme whose people the round matches (default: the default one); "
                   "its mode and default settings apply unless given here.")
@click.option("--mode", type=click.Choice(MODES), default=None,
              help="Default: the programme's mode.")
@click.option("--min-score", type=click.FloatRange(0, 1), callback=_finite, default=0.0)
@click.option("--fair", is_flag=True)
@click.option("--allow-same-manager/--refuse-same-manager", default=None,
              help="Default: refused in mentor mode, allowed in peer mode.")
@click.option("--allow-repeat", is_flag=True, help="Allow pairs of earlier rounds again.")
@click.option("--no-trios", is_flag=True, help="Peer mode: pairs only, no circles of three.")
@click.option("--choice", is_flag=True,
              help="Mentees choose among suggested mentors first (open-choice, close-choice).")
@click.option("--suggestions", type=click.IntRange(3, 5), help="With --choice: per mentee (3).")
@click.option("--accept-days", type=click.IntRange(1, 60),
              help="With --choice: days a mentor has to answer (7).")
@factor_options
@click.pass_context
def round_create(ctx, name, programme, mode, min_score, fair, allow_same_manager, allow_repeat,
                 no_trios, choice, suggestions, accept_days, **factors) -> None:
    """Create a draft round of a programme and print its id."""
    from click.core import ParameterSource

    from mentorship.programmes.queries import resolve_programme
    from mentorship.rounds.operations import create_round

    given = {"min_score": min_score, "fair": fair, "allow_repeat": allow_repeat,
             "trios": not no_trios, "allow_same_manager": allow_same_manager, **factors}
    option = {"trios": "no_trios"}
    # Only the options given: the rest are the programme's default settings (or the engine's).
    settings = {key: value for key, value in given.items() if value is not None and
                ctx.get_parameter_source(option.get(key, key)) != ParameterSource.DEFAULT}
    if choice:
        settings["selection"] = "choice"
        settings.update({key: value for key, value in (("suggestions", suggestions),
                                                       ("accept_days", accept_days))
                         if value is not None})

    def create(session):
        chosen = resolve_programme(session, programme)
        return create_round(session, None, name, mode=mode, settings=settings,
                            programme_id=chosen.id), chosen.name

    created, programme_name = _run_service(create)
    click.echo(f"round {created.id} created: {created.name} ({created.mode} mode, draft) in "
               f"programme {programme_name}")


@round_group.command("preview")
@click.argument("round_id", type=int)
@click.option("--taxonomy", "taxonomy_path", type=click.Path(dir_okay=False))
@click.option("--queue", is_flag=True,
              help="Hand the work to the RQ workers at REDIS_URL and return at once.")
def round_preview(round_id, taxonomy_path, queue) -> None:
    """Compute a round and store its proposed pairs (staff see nothing yet)."""
    if queue:
        if not os.environ.get("REDIS_URL"):
            fail("--queue needs REDIS_URL (and a running 'mentorship worker')")
        from mentorship.rounds.jobs import start_preview

        job = _run_service(lambda s: start_preview(s, None, round_id,
                                                   taxonomy_path=taxonomy_path))
        click.echo(f"round {round_id} queued as job {job}; 'mentorship round show {round_id}' "
                   "shows its progress")
        return
    from mentorship.rounds.jobs import mark_running, run_preview_job

    try:
        load_taxonomy(taxonomy_path)
    except TaxonomyError as error:
        fail(str(error))
    # As a job run here and now: short transactions, so other commands are never locked out
    # while the engine computes.
    job_id = _run_service(lambda s: mark_running(s, None, round_id))
    try:
        with ProgressBar() as progress:
            run_preview_job(round_id, None, taxonomy_path, job_id, progress=progress)
    except InvalidInput as error:
        fail(f"round {round_id} failed: {error}", error.errors)
    except DomainError as error:
        fail(f"round {round_id} failed: {error}")
    report = _run_service(lambda s: _round_report(s, round_id))
    click.echo(f"round {round_id} previewed: {len(report['pairs'])} pairs, "
               f"{len(report['unmatched'])} unmatched")


@round_group.command("publish")
@click.argument("round_id", type=int)
def round_publish(round_id) -> None:
    """Publish a previewed round: its pairs become visible at once."""
    from mentorship.rounds.operations import publish_round

    _run_service(lambda s: publish_round(s, None, round_id))
    click.echo(f"round {round_id} published")


@round_group.command("close")
@click.argument("round_id", type=int)
def round_close(round_id) -> None:
    """Close a published round: its pairs end."""
    from mentorship.rounds.operations import close_round

    _run_service(lambda s: close_round(s, None, round_id))
    click.echo(f"round {round_id} closed")


def _round_report(session, round_id):
    from sqlalchemy import select

    from mentorship.core.errors import NotFound
    from mentorship.people.models import Person
    from mentorship.rounds.choice import expire_requests
    from mentorship.rounds.jobs import fail_stale_rounds
    from mentorship.rounds.models import Match, Round
    from mentorship.rounds.queries import round_unmatched
    from mentorship.rounds.reasons import explain_reasons

    fail_stale_rounds(session)
    expire_requests(session)
    found = session.get(Round, round_id)
    if found is None:
        raise NotFound(f"no round {round_id}")
    email = dict(session.execute(select(Person.id, Person.email)).all())
    matches = session.scalars(select(Match).where(Match.round_id == round_id)).all()
    taxonomy = load_taxonomy()
    reasons = explain_reasons(session, [m.reasons for m in matches], taxonomy)
    pairs = [
        {"mentor": email.get(m.mentor_id, "(deleted person)"),
         "mentee": email.get(m.mentee_id, "(deleted person)"), "score": m.score,
         "status": str(m.status), "reasons": shown, "locked": m.locked,
         **({"third": email.get(m.third_id, "(deleted person)")} if m.third_id else {})}
        for m, shown in zip(matches, reasons, strict=True)
    ]
    unmatched = round_unmatched(session, None, round_id, taxonomy=taxonomy)
    return {"id": found.id, "name": found.name, "mode": found.mode, "status": str(found.status),
            "settings": found.settings, "input_hash": found.input_hash,
            "engine_version": found.engine_version, "pairs": pairs,
            "unmatched": unmatched, "diagnostics": found.diagnostics,
            "progress": f"{found.progress_stage} {found.progress_percent}%",
            "failure_reason": found.failure_reason}


@round_group.command("open-choice")
@click.argument("round_id", type=int)
@click.option("--taxonomy", "taxonomy_path", type=click.Path(dir_okay=False))
def round_open_choice(round_id, taxonomy_path) -> None:
    """Open a draft choice round's window: each mentee gets their suggested mentors."""
    from mentorship.rounds.choice import open_choice

    taxonomy = load_taxonomy(taxonomy_path)
    _run_service(lambda s: open_choice(s, None, round_id, taxonomy=taxonomy))
    click.echo(f"round {round_id}: the choice window is open")


@round_group.command("close-choice")
@click.argument("round_id", type=int)
@click.option("--taxonomy", "taxonomy_path", type=click.Path(dir_okay=False))
def round_close_choice(round_id, taxonomy_path) -> None:
    """Close a choice round's window and fill it around the accepted pairs (then publish)."""
    from mentorship.rounds.choice import close_choice

    taxonomy = load_taxonomy(taxonomy_path)
    _run_service(lambda s: close_choice(s, None, round_id, taxonomy=taxonomy))
    click.echo(f"round {round_id}: the choice window is closed and the round filled; review "
               "it, then publish")


@round_group.command("expire-requests")
def round_expire_requests() -> None:
    """Mark expired the choice requests their mentors left unanswered past their time."""
    from mentorship.rounds.choice import expire_requests

    expired = _run_service(expire_requests)
    click.echo(f"{expired} request{'s' if expired != 1 else ''} expired")


@round_group.command("show")
@click.argument("round_id", type=int)
def round_show(round_id) -> None:
    """Print a round's status, settings and pairs."""
    report = _run_service(lambda s: _round_report(s, round_id))
    click.echo(f"round {report['id']}: {report['name']} ({report['mode']} mode, "
               f"{report['status']}), settings {report['settings']}")
    if report["status"] in ("running", "failed"):
        click.echo(f"  progress: {report['progress']}; {report['failure_reason']}".rstrip("; "))
    for pair in report["pairs"]:
        reason = pair["reasons"][0]["text"] if pair["reasons"] else ""
        click.echo(f"  {pair['mentee']} <- {pair['mentor']}  {pair['score']:.3f}  "
                   f"{pair['status']}  {reason}")
    click.echo(f"  {len(report['unmatched'])} unmatched")


@round_group.command("budget")
@click.argument("round_id", type=int)
@click.option("--taxonomy", "taxonomy_path", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(["table", "csv"]), default="table",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
def round_budget_command(round_id, taxonomy_path, output_format, out) -> None:
    """Print a round's training budget: demand per skill, met, and why the rest was not."""
    from mentorship.rounds.budget import budget_csv, budget_lines, round_budget

    try:
        taxonomy = load_taxonomy(taxonomy_path)
    except TaxonomyError as error:
        fail(str(error))
    table = _run_service(lambda s: round_budget(s, None, round_id, taxonomy))
    text = budget_csv(table) if output_format == "csv" else "\n".join(budget_lines(table)) + "\n"
    write_output(text, out)


@round_group.command("export")
@click.argument("round_id", type=int)
@click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
def round_export(round_id, out) -> None:
    """Export a round as JSON (settings, pairs, unmatched, diagnostics)."""
    import json

    text = json.dumps(_run_service(lambda s: _round_report(s, round_id)), indent=2) + "\n"
    write_output(text, out)


@cli.group("programme")
def programme_group() -> None:
    """Programmes: each has its own participants, rounds, reports and exports."""


DATE_OPTIONS = (("--signup-opens", "signup_opens"), ("--signup-closes", "signup_closes"),
                ("--matching-date", "matching_date"), ("--ends-on", "ends_on"))


def _programme_fields(command):
    """Add the options of a programme's fields to a command (none has a default)."""
    for flag, key in reversed(DATE_OPTIONS):
        command = click.option(flag, key, metavar="YYYY-MM-DD", default=None)(command)
    command = click.option("--round-settings", "round_settings", metavar="JSON", default=None,
                           help='Default settings of its rounds, e.g. \'{"min_score": 0.2}\'.'
                           )(command)
    command = click.option("--mode", type=click.Choice(MODES), default=None,
                           help="Mode of its rounds (default mentor).")(command)
    return click.option("--description", default=None)(command)


def _programme_values(name, values) -> dict:
    raw = {key: value for key, value in values.items() if value is not None}
    if name is not None:
        raw["name"] = name
    return raw


@programme_group.command("create")
@click.argument("name")
@_programme_fields
def programme_create(name, **values) -> None:
    """Create a programme and print its id."""
    from mentorship.programmes.operations import create_programme

    raw = _programme_values(name, values)
    created = _run_service(lambda s: create_programme(s, None, raw))
    click.echo(f"programme {created.id} created: {created.name} ({created.mode} mode)")


@programme_group.command("edit")
@click.argument("programme", metavar="NAME_OR_ID")
@click.option("--name", "new_name", default=None, help="A new name.")
@_programme_fields
def programme_edit(programme, new_name, **values) -> None:
    """Change a programme's fields (those given)."""
    from mentorship.programmes.operations import update_programme
    from mentorship.programmes.queries import resolve_programme

    raw = _programme_values(new_name, values)
    changed = _run_service(lambda s: update_programme(
        s, None, resolve_programme(s, programme).id, raw))
    click.echo(f"programme {changed.id} updated: {changed.name}")


@programme_group.command("list")
def programme_list() -> None:
    """List the programmes with their participants and rounds."""
    from mentorship.programmes.queries import list_programmes

    def rows(session):
        return [(r.programme.id, r.programme.name, r.programme.mode, r.programme.is_default,
                 r.participants, r.rounds) for r in list_programmes(session, None)]

    for number, name, mode, default, people, rounds in _run_service(rows):
        mark = " (default)" if default else ""
        click.echo(f"{number:>4}  {name}{mark}: {mode} mode, {people} enrolled, {rounds} rounds")


@programme_group.command("enrol")
@click.argument("programme", metavar="NAME_OR_ID")
@click.argument("emails", nargs=-1, required=True)
@click.option("--remove", is_flag=True, help="Take them out of the programme instead.")
def programme_enrol(programme, emails, remove) -> None:
    """Enrol people (by email) in a programme, or take them out with --remove."""
    from sqlalchemy import func, select

    from mentorship.core.errors import RowError
    from mentorship.people.models import Person
    from mentorship.programmes.operations import enrol_people, unenrol_people
    from mentorship.programmes.queries import resolve_programme

    wanted = [email.strip().casefold() for email in emails]

    def enrol(session):
        chosen = resolve_programme(session, programme)
        found = dict(session.execute(select(Person.email, Person.id).where(
            func.lower(Person.email).in_(wanted))).all())
        unknown = [RowError(0, "email", email, "no person has this email")
                   for email in wanted if email not in found]
        if unknown:
            raise InvalidInput("nobody was enrolled", unknown)
        change = unenrol_people if remove else enrol_people
        return chosen.name, change(session, None, chosen.id, found.values())

    name, count = _run_service(enrol)
    click.echo(f"{name}: {count} {'taken out' if remove else 'newly enrolled'} "
               f"(of {len(set(wanted))} named)")


@programme_group.command("assign")
@click.argument("programme", metavar="NAME_OR_ID")
@click.argument("email")
@click.option("--remove", is_flag=True, help="Take the programme from them instead.")
def programme_assign(programme, email, remove) -> None:
    """Give a coordinator a programme (one given any sees only theirs), or --remove it."""
    from sqlalchemy import select

    from mentorship.core.errors import NotFound
    from mentorship.people.models import Person
    from mentorship.programmes.operations import assign_coordinator, unassign_coordinator
    from mentorship.programmes.queries import resolve_programme

    def assign(session):
        chosen = resolve_programme(session, programme)
        person = session.scalar(select(Person).where(Person.email == email.strip().casefold()))
        if person is None:
            raise NotFound(f"no person with email {email!r}")
        (unassign_coordinator if remove else assign_coordinator)(session, None, chosen.id,
                                                                 person.id)
        return chosen.name

    name = _run_service(assign)
    click.echo(f"{email} {'no longer has' if remove else 'now has'} programme {name}")


@cli.group("health")
def health_group() -> None:
    """Check-ins of live pairs: prompts and the coordinators' digest."""


@health_group.command("remind")
def health_remind() -> None:
    """Queue the check-in prompts due and today's digest of pairs needing attention.

    Run it as often as you like (cron, hourly): nothing is queued twice.
    """
    from mentorship.pairs_health.reminders import send_reminders

    queued = _run_service(lambda s: send_reminders(s, None))
    click.echo(f"queued {queued.prompts} check-in prompt(s) and {queued.digests} digest(s)")


@cli.group("admin")
def admin_group() -> None:
    """The first admin of a new installation, and later ones."""


@admin_group.command("create")
@click.argument("email")
@click.option("--name", default="", help="Their name (needed for someone not in the database).")
def admin_create(email, name) -> None:
    """Make EMAIL an admin (creating them) and print a one-time link to set their password.

    The link's address is MENTORSHIP_BASE_URL (where people reach the web app).
    """
    from mentorship.people.accounts import INVITE_LIFETIME, create_admin, invite_link

    issued = _run_service(lambda s: create_admin(s, email, name))
    days = INVITE_LIFETIME.days
    click.echo(f"{issued.person.email} is an admin. They set their password once, within {days} "
               f"days, at:\n  {invite_link(issued.token)}")


@cli.group("person")
def person_group() -> None:
    """A person's data: export it, or delete it."""


@person_group.command("export")
@click.argument("email")
@click.option("--out", type=click.Path(dir_okay=False))
def person_export(email, out) -> None:
    """Export everything held about a person, as JSON."""
    import json

    from mentorship.people.personal_data import export_person

    data = _run_service(lambda s: export_person(s, None, email))
    write_output(json.dumps(data, indent=2) + "\n", out)


@person_group.command("delete")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def person_delete(email, yes) -> None:
    """Delete a person's data; their pairs stay as anonymised rows."""
    from mentorship.people.personal_data import delete_person

    if not yes:
        click.confirm(f"Delete {email} and all their personal data?", abort=True)
    _run_service(lambda s: delete_person(s, None, email))
    click.echo(f"deleted {email}")


@cli.group("mail")
def mail_group() -> None:
    """Mail people receive: send the outbox, queue reminders."""


@mail_group.command("send")
@click.option("--wait", is_flag=True,
              help="Keep going until nothing is queued, waiting for each retry.")
def mail_send(wait) -> None:
    """Send the outbox's due mail (MENTORSHIP_SMTP_* settings)."""
    from mentorship.core.db import make_engine, make_session_factory
    from mentorship.core.settings import mail_settings
    from mentorship.mail.jobs import send_until_done
    from mentorship.mail.sending import send_due_mail
    from mentorship.migrate import upgrade_database

    try:
        settings = mail_settings()
    except ValueError as error:
        fail(str(error))
    if not settings.host:
        fail("no SMTP host is set (MENTORSHIP_SMTP_HOST): the mail waits in the outbox")
    engine = make_engine()
    upgrade_database(engine)
    sessions = make_session_factory(engine)
    try:
        if wait:
            send_until_done(sessions, settings)
        report = send_due_mail(sessions, settings)
    finally:
        engine.dispose()
    click.echo(f"{report.sent} sent, {report.retrying} to be tried again, {report.failed} failed")


@mail_group.command("remind")
@click.option("--after-days", type=click.IntRange(min=1), default=None,
              help="Remind pairs not accepted after this many days (default "
                   "MENTORSHIP_MAIL_REMIND_AFTER_DAYS, 7).")
@click.option("--taxonomy", "taxonomy_path", type=click.Path(exists=True, dir_okay=False),
              help="The skill taxonomy the reasons name skills from (default: the installed one).")
@click.option("--ending-days", type=click.IntRange(min=0), default=None,
              help="Tell participants their programme is ending this many days before its end "
                   "date (default 14).")
def mail_remind(after_days, taxonomy_path, ending_days) -> None:
    """Queue a reminder to each person of a published pair not yet accepted (once a pair),
    and the ending mail to the participants of a programme about to end (once each)."""
    from datetime import date

    from mentorship.programmes.endings import ENDING_NOTICE_DAYS, queue_programme_endings
    from mentorship.rounds.notices import queue_pair_reminders

    taxonomy = load_taxonomy(taxonomy_path)

    def remind(session):
        return (queue_pair_reminders(session, None, taxonomy=taxonomy, after_days=after_days),
                queue_programme_endings(session, None, today=date.today(),
                                        notice_days=ENDING_NOTICE_DAYS if ending_days is None
                                        else ending_days))

    reminders, endings = _run_service(remind)
    click.echo(f"queued {reminders} reminder{'s' if reminders != 1 else ''} and {endings} "
               f"programme-ending mail{'s' if endings != 1 else ''}")


@cli.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst) -> None:
    """Run a worker for round and mail jobs (needs REDIS_URL, e.g. redis://127.0.0.1:6379/0)."""
    if not os.environ.get("REDIS_URL"):
        fail("REDIS_URL is not set: without it, round jobs run in the web app's own process")
    from mentorship.rounds.jobs import run_worker

    run_worker(burst=burst)
