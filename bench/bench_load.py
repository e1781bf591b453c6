"""Load benchmark: many signed-in people at once against gunicorn on 127.0.0.1.

    python bench/bench_load.py                         # 50 users, 60 s a page, 10,000 people
    python bench/bench_load.py --users 20 --seconds 20 --people 2000

Builds (once, then reuses) the database of bench_pages.py, gives 50 mentors of the published
round a password, starts gunicorn (2 workers, 4 threads each: the machine's two cores) on a
free port of 127.0.0.1, and for each page (a mentor's My matches, a coordinator's review of
the published round) lets the users request it as fast as answers come, each on its own
session, for the given seconds. Prints requests per second and the p50/p95/p99 latency in ms.
The loops are bounded in time and count and stop by themselves; traffic stays on 127.0.0.1.
The client runs on the same 2 cores as the server, so the figures are a floor. Not a test.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pages import build_database
from sqlalchemy import func, select

from mentorship.core.db import make_engine, make_session_factory
from mentorship.people.accounts import set_password, set_roles
from mentorship.people.models import Person
from mentorship.rounds.models import Match, Round, RoundStatus

PASSWORD = "bench horse battery staple"
MAX_REQUESTS_PER_USER = 100_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(url: str, users: int) -> tuple[list[str], str, int]:
    """Passwords for `users` mentors with mentees and one coordinator; return their emails and
    the published round's id."""
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        published = db.scalar(select(Round.id).where(Round.status == RoundStatus.PUBLISHED))
        mentors = db.scalars(select(Match.mentor_id).where(Match.round_id == published)
                             .group_by(Match.mentor_id).order_by(func.count().desc(),
                                                                 Match.mentor_id)
                             .limit(users)).all()
        emails = []
        for person_id in mentors:
            emails.append(set_password(db, None, person_id, PASSWORD).email)
        coordinator = db.scalar(select(Person).where(Person.id.not_in(mentors))
                                .order_by(Person.id).limit(1))
        set_roles(db, None, coordinator.id, coordinator=True, admin=False)
        set_password(db, None, coordinator.id, PASSWORD)
        db.commit()
        coordinator_email = coordinator.email
    engine.dispose()
    return emails, coordinator_email, published


def sign_in(base: str, email: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/sign-in", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD,
                                   "csrf_token": token}).encode()
    request = urllib.request.Request(f"{base}/sign-in", data=body,
                                     headers={"Referer": f"{base}/sign-in"})
    opener.open(request, timeout=30).read()
    return opener


def hammer(openers, url: str, seconds: float) -> tuple[int, list[float], int]:
    """Every opener requests `url` in a loop for `seconds`; return count, latencies, errors."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user(opener) -> None:
        mine, failed = [], 0
        for _ in range(MAX_REQUESTS_PER_USER):
            if time.monotonic() >= deadline:
                break
            started = time.perf_counter()
            try:
                with opener.open(url, timeout=30) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            mine.append((time.perf_counter() - started) * 1000)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=user, args=(o,)) for o in openers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), latencies, errors[0]


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    url = f"sqlite:///{Path(tempfile.gettempdir()) / f'mentorship-bench-{args.people}.db'}"
    build_database(url, args.people)
    mentors, coordinator, round_id = prepare(url, args.users)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url, "MENTORSHIP_SECRET_KEY": "bench",
           "MENTORSHIP_LOG_LEVEL": "WARNING", "MENTORSHIP_SIGN_IN_LIMIT": "100000/minute",
           "MENTORSHIP_SIGN_IN_ADDRESS_LIMIT": "100000/minute"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(args.workers),
                               "--threads", "4", "--bind", f"127.0.0.1:{port}",
                               "--log-level", "warning", "webapp:create_app()"], env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        print(f"{args.people} people; gunicorn {args.workers} workers x 4 threads; "
              f"{args.users} users; {args.seconds:.0f} s a page")
        print(f"{'page':<34} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'p99 ms':>7} {'errors':>6}")
        pages = [("My matches (mentors)", "/matches", mentors),
                 ("round review (coordinator)", f"/coordinator/rounds/{round_id}",
                  [coordinator] * args.users)]
        for label, path, people in pages:
            openers = [sign_in(base, email) for email in people]
            count, latencies, errors = hammer(openers, f"{base}{path}", args.seconds)
            print(f"{label:<34} {count:>8} {count / args.seconds:>7.1f} "
                  f"{percentile(latencies, 50):>7.0f} {percentile(latencies, 95):>7.0f} "
                  f"{percentile(latencies, 99):>7.0f} {errors:>6}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
