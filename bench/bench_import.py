"""Benchmark `mentorship import` on large files: seconds, peak memory and what it says.

    python bench/bench_import.py                       # 50,000 rows (the default limit) and 1,000,000
    python bench/bench_import.py --rows 10000 200000

For each size it writes a synthetic profile CSV (the people of mentorship.demo.synthetic,
repeated with new emails), runs `mentorship import FILE` in a child process on a fresh SQLite
database, and prints the file's size, the exit code, the seconds, the child's peak resident
memory (ru_maxrss) and the first line it printed. A file above the row limit
(MENTORSHIP_IMPORT_ROW_LIMIT, 50,000 by default) must be refused with a message naming the
limit, in bounded memory (target: under 500 MB whatever the file's length). Not a test.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mentorship.demo.synthetic import CSV_COLUMNS, generate_staff

#: Runs a command, passes on its output and exit code, and prints its peak RSS (KiB) last.
MEASURED = ("import resource, subprocess, sys\n"
            "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
            "print(done.stdout + done.stderr, end='')\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
            "sys.exit(done.returncode)")
#: Distinct synthetic people written once; larger files repeat them under new emails.
TEMPLATE_PEOPLE = 2_000


def write_file(rows: int, folder: Path) -> Path:
    """Write a profile CSV of `rows` people; return its path."""
    people = generate_staff(min(rows, TEMPLATE_PEOPLE), seed=7)
    path = folder / f"import_{rows}.csv"
    with path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.DictWriter(target, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for index in range(rows):
            person = dict(people[index % len(people)])
            copy = index // len(people)
            if copy:  # a new person: new email, and no manager (theirs would be another copy's)
                local, domain = person["email"].split("@")
                person["email"] = f"{local}.{copy}@{domain}"
                person["manager_email"] = ""
            writer.writerow(person)
    return path


def run_import(path: Path, folder: Path) -> dict:
    """Run `mentorship import` on a fresh database in a child; its exit, time, memory, output."""
    database = folder / f"{path.stem}.db"
    environment = {**os.environ, "MENTORSHIP_DATABASE_URL": f"sqlite:///{database}"}
    environment.pop("MENTORSHIP_IMPORT_ROW_LIMIT", None)  # the service's own default
    mentorship = Path(sys.executable).with_name("mentorship")
    subprocess.run([str(mentorship), "db", "upgrade"], env=environment, check=True,
                   capture_output=True)
    started = time.perf_counter()
    # Through a wrapper process, whose only child is the import: its children's peak memory
    # is the import's own.
    finished = subprocess.run([sys.executable, "-c", MEASURED, str(mentorship), "import",
                               str(path)], env=environment, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    *said, peak = (finished.stdout + finished.stderr).strip().splitlines()
    return {"exit": finished.returncode, "seconds": seconds, "peak_mb": int(peak) / 1024,
            "said": said[0][:90] if said else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[50_000, 1_000_000])
    arguments = parser.parse_args()
    print(f"{'rows':>10} {'file MB':>8} {'exit':>4} {'seconds':>8} {'peak MB':>8}  first line")
    for rows in sorted(arguments.rows):
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            path = write_file(rows, folder)
            result = run_import(path, folder)
            size = path.stat().st_size / 2**20
            print(f"{rows:>10,} {size:>8.1f} {result['exit']:>4} {result['seconds']:>8.1f} "
                  f"{result['peak_mb']:>8.0f}  {result['said']}", flush=True)


if __name__ == "__main__":
    main()
