"""What the commands print: a progress bar on stderr, output to a file or stdout, input errors."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import click

from mentorship.core.errors import RowError

__all__ = ["INPUT_ERROR", "ProgressBar", "exit_now", "fail", "write_output"]

#: The exit status of a command given bad input.
INPUT_ERROR = 2


class ProgressBar:
    """Draw a progress bar on stderr once a run has taken more than a second."""

    def __init__(self, delay: float = 1.0, width: int = 30) -> None:
        self.delay, self.width = delay, width
        self.stage, self.fraction = "starting", 0.0
        self.started = time.monotonic()
        self.drawn = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> ProgressBar:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.drawn:
            click.echo(err=True)

    def __call__(self, stage: str, fraction: float) -> None:
        self.stage, self.fraction = stage, fraction

    def _tick(self) -> None:
        while not self._stop.wait(0.2):
            elapsed = time.monotonic() - self.started
            if elapsed >= self.delay:
                filled = int(self.width * self.fraction)
                bar = "#" * filled + "." * (self.width - filled)
                click.echo(f"\r[{bar}] {self.fraction:4.0%} {self.stage:<11} {elapsed:6.1f} s",
                           err=True, nl=False)
                self.drawn = True


def exit_now() -> None:
    """End the program at once with status 0, once what it printed is flushed: without
    tearing down the objects it built or the modules it imported (as mypy ends a run)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def write_output(text: str, out: str | None) -> None:
    """Write `text` to the file `out`, or to stdout when there is none."""
    if not out:
        click.echo(text, nl=False)
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as error:
        fail(f"cannot write {out}: {error.strerror}")


def warn_skills(warnings: list[RowError], file: str) -> None:
    """Print the skill names of a profile file that were not taken as written, one a line."""
    if not warnings:
        return
    click.echo(f"warning: {file}: {len(warnings)} skill name(s) not taken as written; the rest "
               "of each row is kept (--strict refuses the file instead)", err=True)
    for warning in warnings:
        click.echo(f"  {warning}", err=True)


def fail(message: str, errors: list[RowError] | None = None, file: str | None = None) -> None:
    """Print an input error and every located problem, then exit with status 2."""
    prefix = f"{file}: " if file else ""
    click.echo(f"error: {prefix}{message}", err=True)
    for error in errors or []:
        click.echo(f"  {error}", err=True)
    sys.exit(INPUT_ERROR)
