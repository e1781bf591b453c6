"""Benchmark the command line as a user types it: wall-clock seconds of `mentorship --help` and
of `mentorship match FILE` on a profile CSV of seeded synthetic staff, each a fresh process
(Python's start-up and imports included).

The file is the pool of `bench_matching.py` (half mentees, half mentors of capacity 1-3),
written as the profile CSV a coordinator would pass. Each command runs `--repeat` times; the
median and the fastest run are printed, with the CPU seconds of the median run.

    python bench/bench_cli.py                          # 10,000 staff
    python bench/bench_cli.py --staff 2000 --repeat 5
    python bench/bench_cli.py --compare ../other-checkout   # the same commands on another copy

Not a test: timings vary with the machine's load; compare figures printed by one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_matching import mentor_rows

from mentorship.demo.synthetic import write_staff_csv


def mentorship_command() -> str:
    """Return the installed `mentorship` script beside this Python, else the one on PATH."""
    beside = Path(sys.executable).with_name("mentorship")
    found = str(beside) if beside.exists() else shutil.which("mentorship")
    if found is None:
        sys.exit("no `mentorship` command: pip install -e . first")
    return found


def timed(command: list[str], checkout: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Run `command` `repeat` times with `checkout` first on the path; return the wall-clock
    and CPU seconds (user + system) of each run. A failing run stops the benchmark."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=10_000, help="people in the CSV")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command")
    parser.add_argument("--compare", type=Path, action="append", default=[],
                        help="also time the commands on this checkout (repeatable)")
    args = parser.parse_args()

    script = mentorship_command()
    with tempfile.TemporaryDirectory() as folder:
        profiles = Path(folder) / f"staff-{args.staff}.csv"
        write_staff_csv(profiles, mentor_rows(args.staff, args.seed))
        commands = [
            ("mentorship --help", [script, "--help"]),
            (f"mentorship match staff-{args.staff}.csv", [script, "match", str(profiles)]),
            (f"mentorship match staff-{args.staff}.csv --format json --out F",
             [script, "match", str(profiles), "--format", "json", "--out",
              str(Path(folder) / "result.json")]),
        ]
        checkouts = [ROOT, *(path.resolve() for path in args.compare)]
        print(f"{args.staff} staff (half mentees, half mentors), seed {args.seed}; seconds, "
              f"median (fastest) of {args.repeat} runs, CPU of the median run")
        width = max(len(name) for name, _ in commands)
        for name, command in commands:
            # The checkouts one after the other for each command, so a change in the
            # machine's load falls on both.
            for checkout in checkouts:
                walls, cpus = timed(command, checkout, args.repeat)
                middle = sorted(range(len(walls)), key=walls.__getitem__)[len(walls) // 2]
                where = f"  {checkout}" if len(checkouts) > 1 else ""
                print(f"  {name:<{width}}  wall {statistics.median(walls):6.2f} "
                      f"({min(walls):5.2f})  cpu {cpus[middle]:6.2f}{where}", flush=True)


if __name__ == "__main__":
    main()
