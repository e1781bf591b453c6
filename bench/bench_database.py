"""Benchmark the database side: import a profile CSV and store a round, beside the engine's time.

    python bench/bench_database.py                 # 10,000 people, SQLite and PostgreSQL
    python bench/bench_database.py --people 2000 --backends sqlite

For each backend it prints: seconds to import the CSV (validation excluded, then included),
seconds the round's engine run takes, seconds the round's database work takes (reading the pool,
writing the pairs and the report, committing), and that work as a ratio of the engine time,
measured in the same run; of `--repeat` rounds previewed, the one of median ratio. Targets:
the whole preview within 1.15 times the engine alone, a decline's re-match within 0.3 s. Not a
test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mentorship.core.db import make_engine
from mentorship.demo.synthetic import generate_staff, write_staff_csv
from mentorship.migrate import upgrade_database
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.operations import import_profiles
from mentorship.rounds.models import LIVE_STATUSES, Match, Round
from mentorship.rounds.operations import create_round, publish_round
from mentorship.rounds.pairs import decline_match
from mentorship.rounds.run import compute_round, preview_round, read_round_inputs
from mentorship.taxonomy import load_taxonomy

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "mentorship_bench"


def backend_url(name: str, folder: Path) -> str:
    """Return a fresh, empty database for the backend."""
    if name == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}"
    admin = make_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {BENCH_DATABASE}"))
    admin.dispose()
    return make_engine(POSTGRES).url.set(database=BENCH_DATABASE).render_as_string(False)


def measure(backend: str, csv_path: Path, folder: Path, repeat: int) -> dict[str, float]:
    """Import the CSV and preview `repeat` rounds of the whole pool on a fresh database (the
    preview of median ratio is reported); publish it, decline pairs; return the timings."""
    taxonomy = load_taxonomy()
    engine = make_engine(backend_url(backend, folder))
    upgrade_database(engine)
    started = time.perf_counter()
    table = read_profiles_csv(csv_path, taxonomy)
    validated = time.perf_counter()
    with Session(engine) as session, session.begin():
        import_profiles(session, None, table, taxonomy)
    imported = time.perf_counter()
    previews = [preview(engine, taxonomy) for _ in range(repeat)]
    # The run whose ratio is the median: its own engine and database times beside it.
    engine_s, preview_s, round_id = sorted(previews, key=lambda p: p[1] / p[0])[len(previews) // 2]
    with Session(engine) as session, session.begin():
        publish_round(session, None, round_id)
    decline_s, whole_s = declines(engine, round_id, taxonomy)
    engine.dispose()
    return {
        "validate_s": validated - started,
        "import_s": imported - validated,
        "engine_s": engine_s,
        "round_db_s": preview_s - engine_s,
        "preview_s": preview_s,
        "decline_s": decline_s,
        "whole_rematch_s": whole_s,
    }


def preview(engine, taxonomy) -> tuple[float, float, int]:
    """Preview a new round of the whole pool; return the engine's seconds (from vectorising to
    done), the whole preview's seconds (its transaction) and the round's id."""
    with Session(engine) as session, session.begin():
        round_id = create_round(session, None, "bench").id
    marks: dict[str, float] = {}

    def progress(stage: str, fraction: float) -> None:
        marks.setdefault(stage, time.perf_counter())

    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        preview_round(session, None, round_id, taxonomy=taxonomy, progress=progress)
    return marks["done"] - marks["vectorising"], time.perf_counter() - started, round_id


def declines(engine, round_id: int, taxonomy, count: int = 5) -> tuple[float, float]:
    """Median seconds of a decline with its re-match (the request's whole transaction), and
    of the engine re-matching the whole pool around the kept pairs instead (the old way)."""
    with Session(engine) as session:
        ids = session.scalars(select(Match.id).where(Match.round_id == round_id)
                              .order_by(Match.id).limit(count)).all()
    times = []
    for match_id in ids:
        started = time.perf_counter()
        with Session(engine) as session, session.begin():
            decline_match(session, None, match_id, taxonomy=taxonomy)
        times.append(time.perf_counter() - started)
    with Session(engine) as session:
        current = session.get(Round, round_id)
        keep = session.execute(select(Match.mentor_id, Match.mentee_id).where(
            Match.round_id == round_id, Match.status.in_(LIVE_STATUSES))).all()
        inputs = read_round_inputs(session, current, [tuple(pair) for pair in keep])
    started = time.perf_counter()
    compute_round(inputs.profiles, inputs.settings, taxonomy)
    return statistics.median(times), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--backends", nargs="*", default=["sqlite", "postgresql"])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds previewed on each backend (the median ratio is printed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "staff.csv"
        write_staff_csv(csv_path, generate_staff(args.people, seed=args.seed))
        print(f"{args.people} people; seconds; ratio = database work / engine time of the round;")
        print(f"preview/engine = the whole preview through the database / the engine alone "
              f"(of {args.repeat} rounds, the median; engine and round db are that round's);")
        print("decline = median of 5 declines with their re-match, beside the whole pool re-matched")
        print(f"{'backend':<11} {'validate':>8} {'import':>7} {'engine':>7} {'round db':>8} "
              f"{'import/engine':>13} {'round db/engine':>15} {'preview/engine':>14} "
              f"{'decline':>8} {'whole pool':>10}")
        for backend in args.backends:
            r = measure(backend, csv_path, folder, args.repeat)
            print(f"{backend:<11} {r['validate_s']:>8.1f} {r['import_s']:>7.1f} "
                  f"{r['engine_s']:>7.1f} {r['round_db_s']:>8.1f} "
                  f"{r['import_s'] / r['engine_s']:>13.2f} "
                  f"{r['round_db_s'] / r['engine_s']:>15.2f} "
                  f"{r['preview_s'] / r['engine_s']:>14.2f} "
                  f"{r['decline_s']:>8.2f} {r['whole_rematch_s']:>10.2f}")


if __name__ == "__main__":
    main()
