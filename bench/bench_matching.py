"""Benchmark the matching engine on seeded synthetic library staff pools.

Prints, per pool: seconds to vectorise and score, seconds to assign, seconds end to end, peak
memory, and, on the same score matrix in the same run, scipy's linear_sum_assignment on the
capacity-expanded problem and a greedy highest-score-first baseline (its matched count and
total as a percentage of ours). Each pool runs in its own process so peak memory is its own.

    python bench/bench_matching.py                    # the issue's pools (takes a few minutes)
    python bench/bench_matching.py --sizes 1000 4000  # mentor-mode pools of these sizes
    python bench/bench_matching.py --peer 1000 2000   # peer-mode pools

Not a test: timings vary with the machine; read them as ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matching import MatchSettings, Mode, Profile, Role, load_taxonomy, match_profiles  # noqa: E402
from matching.encode import Pool  # noqa: E402
from matching.solvers import SCORE_SCALE, max_weight_assignment  # noqa: E402
from mentorship.profile_csv import read_profiles_csv  # noqa: E402
from mentorship.synthetic import generate_staff, write_staff_csv  # noqa: E402

# Dense capacity-expanded matrices above this many entries are not attempted (memory).
SCIPY_MAX_ENTRIES = 120_000_000


def mentor_pool(staff: int, seed: int) -> list[Profile]:
    """Return `staff` profiles: half mentees with learning goals, half mentors of capacity 1-3."""
    rows = generate_staff(staff * 3, seed=seed)
    rng = random.Random(seed)
    mentees = [r for r in rows if r["role"] in ("mentee", "both") and r["learn"]][: staff // 2]
    mentors = [r for r in rows if r["role"] in ("mentor", "both") and r not in mentees]
    mentors = mentors[: staff - len(mentees)]
    chosen = mentees + mentors
    emails = {r["email"] for r in chosen}
    for row in mentees:
        row.update(role="mentee", capacity="")
    for row in mentors:
        row.update(role="mentor", capacity=str(rng.choice([1, 1, 2, 2, 3])), learn="")
    for row in chosen:
        if row["manager_email"] not in emails:
            row["manager_email"] = ""
    return _load(chosen)


def peer_pool(staff: int, seed: int) -> list[Profile]:
    """Return `staff` profiles of people who both learn and teach (role both)."""
    rows = [r for r in generate_staff(staff * 4, seed=seed) if r["role"] == "both" and r["learn"]]
    chosen = rows[:staff]
    emails = {r["email"] for r in chosen}
    for row in chosen:
        if row["manager_email"] not in emails:
            row["manager_email"] = ""
    return _load(chosen)


def _load(rows: list[dict[str, str]]) -> list[Profile]:
    path = Path("/tmp") / f"bench-pool-{len(rows)}-{time.monotonic_ns()}.csv"
    write_staff_csv(path, rows)
    try:
        return read_profiles_csv(path, load_taxonomy()).profiles()
    finally:
        path.unlink()


def greedy(scores: sp.csr_matrix, capacities: np.ndarray) -> tuple[int, float]:
    """Highest-score-first: take each pair if both sides still have room."""
    coo = scores.tocoo()
    order = np.lexsort((coo.col, coo.row, -coo.data))
    load = np.zeros(scores.shape[1], np.int64)
    taken = np.zeros(scores.shape[0], bool)
    matched, total = 0, 0.0
    for row, col, value in zip(coo.row[order].tolist(), coo.col[order].tolist(),
                               coo.data[order].tolist(), strict=True):
        if not taken[row] and load[col] < capacities[col]:
            taken[row] = True
            load[col] += 1
            matched += 1
            total += value
    return matched, total


def scipy_expanded(scores: sp.csr_matrix, capacities: np.ndarray) -> dict:
    """Solve the capacity-expanded dense problem with linear_sum_assignment, timed."""
    n_rows = scores.shape[0]
    columns = int(capacities.sum())
    if n_rows * columns > SCIPY_MAX_ENTRIES:
        return {"scipy_s": None, "scipy_note": f"skipped: {n_rows} x {columns} dense matrix"}
    started = time.perf_counter()
    expanded = scores[:, np.repeat(np.arange(scores.shape[1]), capacities)].toarray()
    big = n_rows * SCORE_SCALE + 1
    weights = np.where(expanded > 0, big + np.rint(expanded * SCORE_SCALE), 0.0)
    del expanded
    rows, cols = linear_sum_assignment(weights, maximize=True)
    used = weights[rows, cols] > 0
    elapsed = time.perf_counter() - started
    total = float((weights[rows, cols][used] - big).sum()) / SCORE_SCALE
    return {"scipy_s": elapsed, "scipy_matched": int(used.sum()), "scipy_total": total}


def run_one(staff: int, mode: str, seed: int) -> dict:
    """Measure one pool in this process; return the figures as a dict."""
    taxonomy = load_taxonomy()
    profiles = mentor_pool(staff, seed) if mode == "mentor" else peer_pool(staff, seed)
    marks: dict[str, float] = {}
    started = time.perf_counter()

    def progress(stage: str, fraction: float) -> None:
        marks[stage] = time.perf_counter() - started

    result = match_profiles(profiles, taxonomy=taxonomy,
                            settings=MatchSettings(mode=Mode(mode)), progress=progress)
    total_s = time.perf_counter() - started
    # Peak memory of the engine's run, read before the baselines allocate their own.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "staff": len(profiles),
        "mode": mode,
        "score_s": marks["assigning"],
        "assign_s": marks["explaining"] - marks["assigning"],
        "total_s": total_s,
        "pairs": len(result.pairs),
        "total_score": result.summary["total_score"],
        "eligible": result.summary["eligible_pairs"],
        "peak_mb": peak_mb,
    }
    if mode == "mentor":
        figures["mentees"] = result.summary["mentees_seeking"]
        pool = Pool(sorted(profiles, key=lambda p: p.id), taxonomy)
        learners = np.array([i for i, p in enumerate(pool.profiles) if p.role is Role.MENTEE])
        teachers = np.array([i for i, p in enumerate(pool.profiles) if p.role is Role.MENTOR])
        scores = pool.scores(learners, teachers, MatchSettings().weights)
        capacities = np.array([pool.profiles[j].capacity for j in teachers])
        # The assignment alone, on the same matrix the baselines see (no rules applied).
        solve_started = time.perf_counter()
        ours = max_weight_assignment(scores, capacities)
        figures["solve_s"] = time.perf_counter() - solve_started
        ours_total = float(np.asarray(scores[ours.rows, ours.cols]).sum())
        figures.update(ours_matched=len(ours), ours_total=ours_total)
        greedy_started = time.perf_counter()
        matched, total = greedy(scores, capacities)
        figures.update(greedy_s=time.perf_counter() - greedy_started,
                       greedy_matched_pct=100 * matched / max(1, len(ours)),
                       greedy_total_pct=100 * total / max(1e-9, ours_total))
        figures.update(scipy_expanded(scores, capacities))
    return figures


def _fmt(value, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 4000, 10000, 30000],
                        help="mentor-mode pool sizes (staff)")
    parser.add_argument("--peer", type=int, nargs="*", default=[1000, 2000],
                        help="peer-mode pool sizes (people)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", nargs=2, metavar=("STAFF", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(int(args.one[0]), args.one[1], args.seed)))
        return

    runs = [(n, "mentor") for n in args.sizes] + [(n, "peer") for n in args.peer]
    results = []
    for staff, mode in runs:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(staff), mode, "--seed", str(args.seed)],
            capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            print(f"{mode} {staff}: failed\n{done.stderr}", file=sys.stderr)
            continue
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"  ran {mode} {staff}", file=sys.stderr)

    print("Mentor mode (seconds; peak memory of the engine's run, pool generation included)")
    print(f"{'staff':>6} {'mentees':>7} {'eligible':>9} {'score':>6} {'assign':>7} {'total':>6} "
          f"{'peak MB':>8} | {'solve':>6} {'scipy':>6} {'ratio':>6} | {'greedy matched':>14} "
          f"{'greedy total':>12}")
    for r in results:
        if r["mode"] != "mentor":
            continue
        ratio = r["solve_s"] / r["scipy_s"] if r.get("scipy_s") else None
        print(f"{r['staff']:>6} {r['mentees']:>7} {r['eligible']:>9} {r['score_s']:>6.1f} "
              f"{r['assign_s']:>7.1f} {r['total_s']:>6.1f} {r['peak_mb']:>8.0f} | "
              f"{r['solve_s']:>6.1f} {_fmt(r.get('scipy_s')):>6} {_fmt(ratio):>5}x | "
              f"{r['greedy_matched_pct']:>13.1f}% {r['greedy_total_pct']:>11.1f}%")
        if r.get("scipy_s") is not None:
            same = (r["scipy_matched"] == r["ours_matched"]
                    and abs(r["scipy_total"] - r["ours_total"]) < 1e-3)
            print(f"{'':>6} scipy agrees with ours (matched, total): {same}")
        elif r.get("scipy_note"):
            print(f"{'':>6} scipy {r['scipy_note']}")
    if any(r["mode"] == "peer" for r in results):
        print("\nPeer mode")
        print(f"{'people':>6} {'eligible':>9} {'pairs':>6} {'score':>6} {'assign':>7} {'total':>6} "
              f"{'peak MB':>8}")
        for r in results:
            if r["mode"] == "peer":
                print(f"{r['staff']:>6} {r['eligible']:>9} {r['pairs']:>6} {r['score_s']:>6.1f} "
                      f"{r['assign_s']:>7.1f} {r['total_s']:>6.1f} {r['peak_mb']:>8.0f}")


if __name__ == "__main__":
    main()
