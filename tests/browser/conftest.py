"""Fixtures of the browser tests: the app served on a free port, Debian's Chromium, axe checks.

The whole session shares one live server on a seeded database of its own (the people of
tests.webapp.conftest), so the journeys run in any order: each makes the people and rounds it
works on, and only the mentor's journey changes a seeded thing (it declines the seeded pair,
which no other journey reads).

Playwright's own browser download is not used: the tests drive the system Chromium at
/usr/bin/chromium. Without it they are skipped on a workstation and fail in CI (CI installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import axe_playwright_python
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import own_database
from tests.webapp.conftest import PASSWORD, email, make_test_app, seed

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1280, "height": 900}
# Where passing tests leave their screenshots: build/screenshots (not tracked), or the folder
# SCREENSHOTS_DIR names (SCREENSHOTS_DIR=docs/screenshots refreshes the README's pictures).
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR")
                   or Path(__file__).resolve().parents[2] / "build" / "screenshots")
AXE_SOURCE = Path(axe_playwright_python.__file__).with_name("axe.min.js").read_text(encoding="utf-8")
#: The WCAG 2.0 and 2.1 success criteria of levels A and AA, as axe tags them.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Violations of these impacts fail a test; milder ones are only listed in the output.
BLOCKING_IMPACTS = {"serious", "critical"}

expect.set_options(timeout=10_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can see whether the test passed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --- the live server ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_database(database_url, tmp_path_factory) -> Iterator[str]:
    """A database of the browser tests' own (SQLite file, or a new PostgreSQL database)."""
    with own_database(database_url, tmp_path_factory.mktemp("browser"),
                      f"browser_{os.getpid()}") as url:
        yield url


@pytest.fixture(scope="session")
def live_ids(live_database, taxonomy) -> dict[str, int]:
    """The seeded people's ids by role name, plus "round" and "match"."""
    return seed(live_database, taxonomy)


@pytest.fixture(scope="session")
def live_app(live_database, live_ids, tmp_path_factory):
    """The app on the seeded database."""
    app = make_test_app(live_database, tmp_path_factory.mktemp("browser-instance"))
    yield app
    app.extensions["mentorship.engine"].dispose()


@pytest.fixture(scope="session")
def live_server(live_app, live_database, tmp_path_factory) -> Iterator[str]:
    """The app served on a free port of 127.0.0.1; yields its base URL.

    By default a thread of this process serves it. With ``BROWSER_SERVER=gunicorn`` (CI sets it
    for its PostgreSQL run) it is served as in production: gunicorn with two worker processes,
    round jobs queued on Redis and run by a `mentorship worker` process.
    """
    if os.environ.get("BROWSER_SERVER") == "gunicorn":
        yield from _served_by_gunicorn(live_app, live_database,
                                       tmp_path_factory.mktemp("gunicorn"))
        return
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    live_app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"  # for invite links
    yield live_app.config["BASE_URL"]
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


#: The processes serving the app in gunicorn mode, by name ("worker": the RQ worker).
SERVER_PROCESSES: dict[str, subprocess.Popen] = {}


def _served_by_gunicorn(live_app, live_database: str, folder: Path) -> Iterator[str]:
    """Serve the app with gunicorn (two workers) and an RQ worker; yield the base URL."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    live_app.config["BASE_URL"] = base_url
    # A Redis database of these tests' own, so no other queue's jobs are taken or left behind.
    redis_url = os.environ.get("BROWSER_REDIS_URL", "redis://127.0.0.1:6379/7")
    settings = {  # what make_test_app gives the in-process app, as the environment says it
        "MENTORSHIP_DATABASE_URL": live_database, "DATABASE_URL": live_database,
        "MENTORSHIP_SECRET_KEY": live_app.config["SECRET_KEY"], "MENTORSHIP_BASE_URL": base_url,
        "MENTORSHIP_SIGN_IN_LIMIT": live_app.config["SIGN_IN_LIMIT"],
        "MENTORSHIP_SIGN_IN_ADDRESS_LIMIT": live_app.config["SIGN_IN_ADDRESS_LIMIT"],
        "MENTORSHIP_RATELIMIT_STORAGE_URI": redis_url,
        "MENTORSHIP_INSTANCE_PATH": str(folder), "REDIS_URL": redis_url,
    }
    environment = {**os.environ, **settings}
    # Both clear the queue of an earlier run's leftovers: this run's worker takes only its jobs.
    subprocess.run([sys.executable, "-c", "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()",
                    redis_url], check=True)
    binaries = Path(sys.executable).parent
    logs = {name: (folder / f"{name}.log").open("wb") for name in ("gunicorn", "worker")}
    processes = [
        subprocess.Popen([str(binaries / "gunicorn"), "--workers", "2", "--bind",
                          f"127.0.0.1:{port}", "webapp:create_app()"],
                         env=environment, stdout=logs["gunicorn"], stderr=subprocess.STDOUT),
        subprocess.Popen([str(binaries / "mentorship"), "worker"],
                         env=environment, stdout=logs["worker"], stderr=subprocess.STDOUT),
    ]
    SERVER_PROCESSES["worker"] = processes[1]
    try:
        _wait_until_served(base_url, processes, folder)
        yield base_url
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_served(base_url: str, processes: list[subprocess.Popen], folder: Path) -> None:
    """Wait for the sign-in page; fail with the servers' logs if it never comes."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            break
        try:
            with urllib.request.urlopen(f"{base_url}/sign-in", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    logs = "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
                     for path in sorted(folder.glob("*.log")))
    pytest.fail(f"gunicorn did not serve {base_url}/sign-in within 60 s:\n{logs}")


@pytest.fixture
def db_sessions(live_app):
    """The live app's session factory, for a test to set up data the way a service would."""
    return live_app.extensions["mentorship.sessions"]


# --- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium, driven by Playwright."""
    if not CHROMIUM.exists():
        message = (f"{CHROMIUM} is missing: install Debian's chromium package "
                   "(apt-get install chromium) to run the browser tests")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, live_server) -> Iterator[Callable[[], Page]]:
    """A factory: a page in a fresh context (its own cookies), at 1280x900, on the live server.

    The app's Content-Security-Policy stays on. A script error on any page fails the test.
    """
    contexts: list[BrowserContext] = []
    script_errors: list[str] = []

    def make() -> Page:
        context = chromium.new_context(base_url=live_server, viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: script_errors.append(f"{page.url}: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not script_errors, "script errors:\n" + "\n".join(script_errors)


def sign_in(page: Page, who: str, password: str = PASSWORD, *, then: str = "") -> None:
    """Sign in on the sign-in page as a seeded role name (or an email address).

    With `then` (a path), the sign-in goes on there rather than to the person's home page.
    """
    page.goto(f"/sign-in?next={quote(then)}" if then else "/sign-in")
    check_accessibility(page)
    page.get_by_label("Email").fill(who if "@" in who else email(who))
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


# --- accessibility ------------------------------------------------------------------------


def axe_violations(page: Page) -> list[dict]:
    """Run axe on the page as it stands (WCAG 2.0 and 2.1, levels A and AA); its violations."""
    # Evaluated over the DevTools protocol, so the page's script-src policy does not stop it.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE + "\n;undefined")
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(result => result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " helpUrl: v.helpUrl, targets: v.nodes.map(n => n.target.join(' '))})))",
        AXE_TAGS,
    )


def describe(violations: list[dict]) -> str:
    """One line per violation: impact, rule id, help and the elements it was found on."""
    return "\n".join(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})\n"
                     f"      on {', '.join(v['targets'][:8])}" for v in violations)


def check_accessibility(page: Page) -> None:
    """Fail on any serious or critical axe violation of the page; print the milder ones."""
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    where = re.sub(r"/invite/[^/?#]+", "/invite/<token>", page.url)
    if violations:
        print(f"axe on {where}:\n{describe(violations)}")
    assert not blocking, f"accessibility violations on {where}:\n{describe(blocking)}"


# --- screenshots --------------------------------------------------------------------------


@pytest.fixture
def screenshot(request, tmp_path) -> Iterator[Callable[..., None]]:
    """A function that takes a (full-page) screenshot, kept in SCREENSHOTS if the test passes."""
    taken: list[Path] = []

    def take(page: Page, name: str, *, full_page: bool = True) -> None:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
        taken.append(path)

    yield take
    report = getattr(request.node, "report_call", None)
    if report is not None and report.passed and taken:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for path in taken:
            shutil.copyfile(path, SCREENSHOTS / path.name)
