"""Benchmark the command line as a user types it: wall-clock seconds of `mentorship --help` and
of `mentorship match FILE` on a profile CSV of seeded synthetic staff, each a fresh process
(Python's start-up and imports included).

The file is the pool of `bench_matching.py` (half mentees, half mentors of capacity 1-3),
written as the profile CSV a coordinator would pass. Each command runs `--repeat` times; the
median and the fastest run are printed, with the CPU seconds of the median run and the
largest peak memory of the runs.

    python bench/bench_cli.py                          # 10,000 staff
    python bench/bench_cli.py --staff 2000 --repeat 5
    python bench/bench_cli.py --compare ../other-checkout   # the same commands on another copy

Not a test: timings vary with the machine's load; compare figures printed by one run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What writes the CSV, run in a process of its own: this one stays small, so that the peak
# memory Linux reports for each timed command (which starts from the size of the process that
# forked it) is the command's own.
WRITE_CSV = """
import sys
sys.path[:0] = sys.argv[1:3]
from bench_matching import mentor_rows
from mentorship.demo.synthetic import write_staff_csv
write_staff_csv(sys.argv[3], mentor_rows(int(sys.argv[4]), int(sys.argv[5])))
"""


def mentorship_command() -> str:
    """Return the installed `mentorship` script beside this Python, else the one on PATH."""
    beside = Path(sys.executable).with_name("mentorship")
    found = str(beside) if beside.exists() else shutil.which("mentorship")
    if found is None:
        sys.exit("no `mentorship` command: pip install -e . first")
    return found


def timed(command: list[str], checkout: Path, repeat: int, limit: int,
          ) -> tuple[list[float], list[float], list[float]]:
    """Run `command` `repeat` times with `checkout` first on the path and `limit` as the most
    rows a profile file may hold; return the wall-clock seconds, CPU seconds (user + system)
    and peak resident megabytes of each run (the largest of the command's process and the
    copy of itself it forks to read the file). A failing run stops the benchmark."""
    # The file's rows are the limit: a file above the default is read as it would be by an
    # operator who raised the limit.
    env = {**os.environ, "PYTHONPATH": str(checkout), "MENTORSHIP_IMPORT_ROW_LIMIT": str(limit)}
    walls, cpus, peaks = [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryFile("w+") as errors:
            started = time.perf_counter()
            child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
            # wait4: this run's own CPU and peak memory, not every child's so far.
            _, status, usage = os.wait4(child.pid, 0)
            walls.append(time.perf_counter() - started)
            child.returncode = os.waitstatus_to_exitcode(status)
            cpus.append(usage.ru_utime + usage.ru_stime)
            peaks.append(usage.ru_maxrss / 1024)
            if child.returncode != 0:
                errors.seek(0)
                sys.exit(f"{' '.join(command)} failed ({child.returncode}):\n{errors.read()}")
    return walls, cpus, peaks


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
        subprocess.run([sys.executable, "-c", WRITE_CSV, str(ROOT / "bench"), str(ROOT),
                        str(profiles), str(args.staff), str(args.seed)], check=True)
        commands = [
            ("mentorship --help", [script, "--help"]),
            (f"mentorship match staff-{args.staff}.csv", [script, "match", str(profiles)]),
            (f"mentorship match staff-{args.staff}.csv --format json --out F",
             [script, "match", str(profiles), "--format", "json", "--out",
              str(Path(folder) / "result.json")]),
        ]
        checkouts = [ROOT, *(path.resolve() for path in args.compare)]
        print(f"{args.staff} staff (half mentees, half mentors), seed {args.seed}; seconds, "
              f"median (fastest) of {args.repeat} runs, CPU of the median run, peak MB of "
              f"the largest")
        width = max(len(name) for name, _ in commands)
        for name, command in commands:
            # The checkouts one after the other for each command, so a change in the
            # machine's load falls on both.
            for checkout in checkouts:
                walls, cpus, peaks = timed(command, checkout, args.repeat, args.staff)
                middle = sorted(range(len(walls)), key=walls.__getitem__)[len(walls) // 2]
                where = f"  {checkout}" if len(checkouts) > 1 else ""
                print(f"  {name:<{width}}  wall {statistics.median(walls):6.2f} "
                      f"({min(walls):5.2f})  cpu {cpus[middle]:6.2f}  peak MB "
                      f"{max(peaks):6.0f}{where}", flush=True)


if __name__ == "__main__":
    main()
