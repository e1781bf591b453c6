"""Benchmark the web pages' server time with 10,000 people in the database.

    python bench/bench_pages.py                      # 10,000 people on SQLite
    python bench/bench_pages.py --people 2000 --database postgresql://postgres@127.0.0.1:5432/test

Builds (once, then reuses) a database of synthetic staff with a published round and a previewed
one, then requests every GET page and API endpoint of the app through Flask's test client, as
the role that may see it, several times. For each it prints the median server time in ms, the
ratio to the 100 ms target, and the ratio to a baseline measured in the same run: the sign-in
page, which touches no data. Every route of the app that answers GET must be measured: a route
missing from ROUTES stops the benchmark. Not a test.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mentorship.core.db import make_engine, make_session_factory
from mentorship.demo.seed import seed_demo
from mentorship.mail.models import OutboxMessage
from mentorship.migrate import upgrade_database
from mentorship.people.models import Person
from mentorship.rounds.models import Match, Round, RoundStatus
from mentorship.rounds.operations import create_round
from mentorship.rounds.run import preview_round
from mentorship.taxonomy import load_taxonomy
from webapp import create_app

TARGET_MS = 100.0
POSTGRES_DATABASE = "mentorship_bench_pages"

# Every GET route: (endpoint, path with {placeholders}, who asks). Placeholders: round (the
# published round), draft (a previewed round), match (a pair of the mentor), person (someone),
# programme (the default programme, which holds them all), message (the newest mail).
ROUTES = [
    ("auth.sign_in", "/sign-in", None),
    ("auth.forgot_password", "/forgot-password", None),
    ("healthz", "/healthz", None),
    ("home", "/", "mentor"),
    ("profile.edit", "/profile", "mentor"),
    ("matches.index", "/matches", "mentor"),
    ("matches.decline", "/matches/{match}/decline", "mentor"),
    ("matches.choose", "/matches/choose", "mentor"),
    ("matches.pair", "/matches/{match}", "mentor"),
    ("matches.end", "/matches/{match}/end", "mentor"),
    ("matches.agreement", "/matches/{match}/agreement", "mentor"),
    ("matches.feedback", "/matches/{match}/feedback", "mentor"),
    ("people.index", "/coordinator/people", "coordinator"),
    ("people.index", "/coordinator/people?q=librarian&role=mentor&page=3", "coordinator"),
    ("people.import_csv", "/coordinator/people/import", "coordinator"),
    ("people.person", "/coordinator/people/{person}", "coordinator"),
    ("rounds.index", "/coordinator/rounds", "coordinator"),
    ("rounds.new", "/coordinator/rounds/new", "coordinator"),
    ("rounds.review", "/coordinator/rounds/{round}", "coordinator"),
    ("rounds.review", "/coordinator/rounds/{draft}?page=40", "coordinator"),
    ("rounds.status", "/coordinator/rounds/{draft}/status", "coordinator"),
    ("rounds.confirm_publish", "/coordinator/rounds/{draft}/publish", "coordinator"),
    ("rounds.confirm_close", "/coordinator/rounds/{round}/close", "coordinator"),
    ("skills.index", "/coordinator/skills", "coordinator"),
    ("health.index", "/coordinator/health", "coordinator"),
    ("programmes.index", "/coordinator/programmes", "coordinator"),
    ("programmes.new", "/coordinator/programmes/new", "coordinator"),
    ("programmes.show", "/coordinator/programmes/{programme}", "coordinator"),
    ("programmes.edit", "/coordinator/programmes/{programme}/edit", "coordinator"),
    ("admin.roles", "/admin/roles", "coordinator"),
    ("outbox.index", "/coordinator/outbox", "coordinator"),
    ("outbox.message", "/coordinator/outbox/{message}", "coordinator"),
    ("auth.invite", None, None),  # needs a fresh one-time token per request: not benchmarked
    ("signup.links", "/coordinator/sign-up", "coordinator"),
    ("signup.approvals", "/coordinator/sign-up/approvals", "coordinator"),
    ("signup.waiting", "/sign-up/waiting", None),
    ("signup.sign_up", None, None),  # needs a programme's link token: not benchmarked
    ("signup.verify", None, None),  # a one-time token, like the invite: not benchmarked
    ("people.map_columns", None, None),  # needs an upload kept for its mapping step: likewise
    ("people.import_job", None, None),  # needs an import of its own run first: likewise
]
# Downloads are files, not pages: timed and shown apart, outside the page target.
DOWNLOADS = [
    ("people.export_csv", "/coordinator/people/export.csv", "coordinator"),
    ("rounds.export", "/coordinator/rounds/{round}/export.csv", "coordinator"),
    ("skills.budget_download", "/coordinator/skills/budget.csv", "coordinator"),
    ("health.export", "/coordinator/health/export.csv", "coordinator"),
]


def build_database(url: str, people: int) -> None:
    """Load the demo staff with a published round, plus a second round left previewed."""
    engine = make_engine(url)
    upgrade_database(engine)
    taxonomy = load_taxonomy()
    with make_session_factory(engine)() as db:
        if db.scalar(select(func.count()).select_from(Person)) >= people:
            return
        print(f"building a database of {people} people (once; a few minutes)...", flush=True)
        seed_demo(db, taxonomy, people=people)
        draft = create_round(db, None, "Autumn (previewed)", settings={"allow_repeat": True})
        preview_round(db, None, draft.id, taxonomy=taxonomy)
        db.commit()
    engine.dispose()


def fresh_postgres(url: str) -> str:
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                    {"n": POSTGRES_DATABASE}).scalar()
        if not exists:
            connection.execute(text(f"CREATE DATABASE {POSTGRES_DATABASE}"))
    admin.dispose()
    return make_engine(url).url.set(database=POSTGRES_DATABASE).render_as_string(False)


def signed_in_client(app, email: str, password: str):
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/sign-in", data={"email": email, "password": password,
                                              "csrf_token": token})
    assert response.status_code == 303, f"sign-in as {email} failed"
    return client


def time_request(client, path: str, repeat: int) -> tuple[float, float, int]:
    """The first request's time, the median of `repeat` more, in ms; and the status."""
    started = time.perf_counter()
    status = client.get(path).status_code
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
    return first, statistics.median(times), status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--database", help="PostgreSQL URL (default: a SQLite file in /tmp)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if args.database:
        url = fresh_postgres(args.database)
    else:
        url = f"sqlite:///{Path(tempfile.gettempdir()) / f'mentorship-bench-{args.people}.db'}"
    build_database(url, args.people)

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "SIGN_IN_LIMIT": "1000/minute",
                      "SIGN_IN_ADDRESS_LIMIT": "10000/minute"})
    app.logger.disabled = True
    wanted = {rule.endpoint for rule in app.url_map.iter_rules()
              if "GET" in rule.methods and not rule.endpoint.startswith(("static", "api"))}
    missing = wanted - {endpoint for endpoint, _, _ in ROUTES + DOWNLOADS}
    if missing:
        sys.exit(f"pages missing from ROUTES: {sorted(missing)}")
    with app.extensions["mentorship.sessions"]() as db:
        accounts = {a.role: a for a in seed_demo(db, load_taxonomy(), people=args.people)}
        published = db.scalar(select(Round.id).where(Round.status == RoundStatus.PUBLISHED))
        draft = db.scalar(select(Round.id).where(Round.status == RoundStatus.PREVIEWED))
        mentor_id = db.scalar(select(Person.id).where(Person.email == accounts["mentor"].email))
        match = db.scalar(select(Match.id).where(Match.mentor_id == mentor_id,
                                                 Match.round_id == published))
        total = db.scalar(select(func.count()).select_from(Person))
        programme = db.scalar(select(Round.programme_id).where(Round.id == published))
        message = db.scalar(select(func.max(OutboxMessage.id)))
    clients = {None: app.test_client()}
    for role in ("mentor", "coordinator"):
        clients[role] = signed_in_client(app, accounts[role].email, accounts[role].password)
    values = {"round": published, "draft": draft, "match": match, "person": mentor_id,
              "programme": programme, "message": message}

    print(f"{total} people; {app.config['DATABASE_URL'].split(':')[0]}; median of {args.repeat} "
          "after a first request")
    _, baseline, _ = time_request(clients[None], "/sign-in", args.repeat)
    print(f"{'page':<56} {'first':>7} {'median':>7} {'/target':>8} {'/baseline':>10}  status")
    worst = 0.0
    for endpoint, path, who in ROUTES:
        if path is None:
            print(f"{endpoint:<56} {'-':>7}   (not measured: one-time token)")
            continue
        concrete = path.format(**values)
        first, ms, status = time_request(clients[who], concrete, args.repeat)
        worst = max(worst, ms, first)
        print(f"{concrete:<56} {first:7.1f} {ms:7.1f} {ms / TARGET_MS:8.2f} {ms / baseline:10.1f}"
              f"  {status}")
    print(f"baseline (sign-in page): {baseline:.1f} ms; slowest page (first or median): "
          f"{worst:.1f} ms = {worst / TARGET_MS:.2f} of the {TARGET_MS:.0f} ms target")
    print("downloads (files, not pages):")
    for _, path, who in DOWNLOADS:
        concrete = path.format(**values)
        first, ms, status = time_request(clients[who], concrete, 2)
        print(f"{concrete:<56} {first:7.1f} {ms:7.1f}  {status}")
    app.extensions["mentorship.engine"].dispose()


if __name__ == "__main__":
    main()
