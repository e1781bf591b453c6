"""Benchmark the matching engine on seeded synthetic library staff pools.

Prints, per mentor-mode pool and in one run on the same score matrix (every eligible pair, no
rules): our assignment (the default method), OR-Tools' min-cost flow on the same sparse graph
(`solve_max_flow_with_min_cost`, and `solve` with our two-level cost), scipy's
linear_sum_assignment on the capacity-expanded dense matrix, optionally the networkx reference,
and a greedy highest-score-first baseline; beside them the engine's end-to-end seconds
(match_profiles with the rules) and peak memory. Ratios are against OR-Tools' max-flow-min-cost.
Ours and OR-Tools solve in turns, `--repeat` times each (default 2), and the fastest of each is
printed: a process's first solve pays for memory the later ones reuse.
Each pool runs in its own process, so peak memory is its own.

    python bench/bench_matching.py                                # 2,000, 10,000, 30,000 staff
    python bench/bench_matching.py --sizes 2000,10000 --peer 2000 # choose the pools
    python bench/bench_matching.py --sizes 100000 --peer ""       # the largest pool alone
    python bench/bench_matching.py --reference 10000              # networkx up to this size

OR-Tools comes with the `bench` extra (`pip install -e .[bench]`). Not a test: timings vary
with the machine; read them as ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
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

from matching import MatchSettings, Mode, Profile, Role, match_profiles
from matching.encode import Pool
from matching.scoring import mutual_scores
from matching.solvers import SCORE_SCALE, max_weight_assignment, max_weight_peer_matching
from matching.solvers.edges import score_edges
from mentorship.demo.synthetic import generate_staff, write_staff_csv
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.taxonomy import load_taxonomy

# Dense capacity-expanded matrices above this many entries are not attempted (memory).
SCIPY_MAX_ENTRIES = 150_000_000
# Above this many eligible pairs the baselines are not run (OR-Tools' memory, greedy's loop).
BASELINE_MAX_EDGES = 40_000_000


def mentor_pool(staff: int, seed: int) -> list[Profile]:
    """Return `staff` profiles: half mentees with learning goals, half mentors of capacity 1-3."""
    return _load(mentor_rows(staff, seed))


def mentor_rows(staff: int, seed: int) -> list[dict[str, str]]:
    """Return the profile CSV rows of `mentor_pool` (bench_cli.py writes them to a file)."""
    rows = generate_staff(staff * 3, seed=seed)
    rng = random.Random(seed)
    mentees = [r for r in rows if r["role"] in ("mentee", "both") and r["learn"]][: staff // 2]
    taken = {r["email"] for r in mentees}  # a set: `r not in mentees` was quadratic
    mentors = [r for r in rows if r["role"] in ("mentor", "both") and r["email"] not in taken]
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
    return chosen


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


def dense_expanded(rows, cols, weights, capacities, n_rows) -> np.ndarray:
    """Return the capacity-expanded dense weight matrix, written straight from the edge arrays."""
    first_slot = np.concatenate([[0], np.cumsum(capacities)])
    slots = capacities[cols]
    edge_of_slot = np.repeat(np.arange(len(rows)), slots)
    offset = np.arange(len(edge_of_slot)) - np.repeat(np.cumsum(slots) - slots, slots)
    dense = np.zeros((n_rows, int(first_slot[-1])))
    big = n_rows * SCORE_SCALE + 1
    dense[rows[edge_of_slot], first_slot[cols[edge_of_slot]] + offset] = big + weights[edge_of_slot]
    return dense


def scipy_expanded(scores: sp.csr_matrix, capacities: np.ndarray) -> dict:
    """Solve the capacity-expanded dense problem with linear_sum_assignment, timed."""
    n_rows = scores.shape[0]
    columns = int(capacities.sum())
    if n_rows * columns > SCIPY_MAX_ENTRIES:
        return {"scipy_s": None, "scipy_note": f"skipped: {n_rows} x {columns} dense matrix"}
    started = time.perf_counter()
    rows, cols, _, weights = score_edges(scores, capacities)
    weights_matrix = dense_expanded(rows, cols, weights, capacities, n_rows)
    matched_rows, matched_cols = linear_sum_assignment(weights_matrix, maximize=True)
    picked = weights_matrix[matched_rows, matched_cols]
    used = picked > 0
    elapsed = time.perf_counter() - started
    big = n_rows * SCORE_SCALE + 1
    return {"scipy_s": elapsed, "scipy_matched": int(used.sum()),
            "scipy_total": round(float((picked[used] - big).sum()) / SCORE_SCALE, 6)}


def ortools_sparse(scores: sp.csr_matrix, capacities: np.ndarray) -> dict:
    """Solve the same sparse graph with OR-Tools, both ways, timed (arcs built with numpy)."""
    try:
        from ortools.graph.python import min_cost_flow
    except ImportError:
        return {"ortools_note": "not installed: pip install -e .[bench]"}
    n_rows, n_cols = scores.shape
    figures = {}
    for name in ("maxflow", "twolevel"):
        started = time.perf_counter()
        rows, cols, _, weights = score_edges(scores, capacities)
        flow = min_cost_flow.SimpleMinCostFlow()
        big = n_rows * SCORE_SCALE + 1
        costs = -weights if name == "maxflow" else -(big + weights)
        tails = np.concatenate([np.zeros(n_rows, np.int64), 2 + rows, 2 + n_rows + np.arange(n_cols)])
        heads = np.concatenate([2 + np.arange(n_rows), 2 + n_rows + cols, np.ones(n_cols, np.int64)])
        arc_caps = np.concatenate([np.ones(n_rows + len(rows), np.int64), capacities])
        arc_costs = np.concatenate([np.zeros(n_rows, np.int64), costs, np.zeros(n_cols, np.int64)])
        if name == "twolevel":  # the bypass lets mentees stay unmatched
            tails, heads = np.append(tails, 0), np.append(heads, 1)
            arc_caps, arc_costs = np.append(arc_caps, n_rows), np.append(arc_costs, 0)
        flow.add_arcs_with_capacity_and_unit_cost(tails, heads, arc_caps, arc_costs)
        supplies = np.zeros(2 + n_rows + n_cols, np.int64)
        supplies[0], supplies[1] = n_rows, -n_rows
        flow.set_nodes_supplies(np.arange(len(supplies)), supplies)
        status = flow.solve_max_flow_with_min_cost() if name == "maxflow" else flow.solve()
        elapsed = time.perf_counter() - started
        carrying = flow.flows(np.arange(n_rows, n_rows + len(rows))) > 0
        figures[f"ortools_{name}_s"] = elapsed
        figures[f"ortools_{name}_ok"] = status == flow.OPTIMAL
        figures[f"ortools_{name}_matched"] = int(carrying.sum())
        figures[f"ortools_{name}_total"] = round(float(weights[carrying].sum()) / SCORE_SCALE, 6)
    return figures


def run_one(staff: int, mode: str, seed: int, reference: int, repeat: int = 2) -> dict:
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
        "circles": result.summary.get("circles", 0),
        "placed": result.summary.get("matched_people", 0),
        "proven": result.summary.get("proven_optimal", True),
        "total_score": result.summary["total_score"],
        "eligible": result.summary["eligible_pairs"],
        "peak_mb": peak_mb,
    }
    pool = Pool(sorted(profiles, key=lambda p: p.id), taxonomy)
    if mode == "peer":
        everyone = np.arange(len(pool.profiles))
        upper = mutual_scores(pool.scores(everyone, everyone, MatchSettings().weights))
        methods = ["auto", "networkx"] if staff <= reference else ["auto"]
        for method in methods:
            solve_started = time.perf_counter()
            first, second = max_weight_peer_matching(upper, method=method)
            total = round(float(np.asarray(upper[first, second]).sum()), 6) if len(first) else 0.0
            figures.update({f"{method}_s": time.perf_counter() - solve_started,
                            f"{method}_pairs": len(first), f"{method}_total": total})
        return figures
    figures["mentees"] = result.summary["mentees_seeking"]
    if result.summary["eligible_pairs"] > BASELINE_MAX_EDGES:
        # OR-Tools on the whole graph would need ~80 bytes an arc; report the engine alone.
        figures["baseline_note"] = f"skipped above {BASELINE_MAX_EDGES:,} eligible pairs"
        return figures
    learners = np.array([i for i, p in enumerate(pool.profiles) if p.role is Role.MENTEE])
    teachers = np.array([i for i, p in enumerate(pool.profiles) if p.role is Role.MENTOR])
    scores = pool.scores(learners, teachers, MatchSettings().weights)
    capacities = np.array([pool.profiles[j].capacity for j in teachers], np.int64)
    del pool, profiles, result
    # The assignment alone, on the same matrix the baselines see (no rules applied). Ours and
    # OR-Tools take turns, `repeat` times each, and the fastest of each counts: the first
    # solve in a process pays for memory the later ones reuse, whichever solver it is.
    solves, peers = [], []
    for _ in range(repeat):
        solve_started = time.perf_counter()
        ours = max_weight_assignment(scores, capacities)
        solves.append(time.perf_counter() - solve_started)
        peers.append(ortools_sparse(scores, capacities))
    figures["solve_s"] = min(solves)
    figures.update({key: min(peer[key] for peer in peers) if key.endswith("_s") else value
                    for key, value in peers[0].items()})
    ours_total = round(float(np.asarray(scores[ours.rows, ours.cols]).sum()), 6)
    figures.update(ours_matched=len(ours), ours_total=ours_total)
    if staff <= reference:
        solve_started = time.perf_counter()
        slow = max_weight_assignment(scores, capacities, method="networkx")
        figures.update(networkx_s=time.perf_counter() - solve_started, networkx_matched=len(slow),
                       networkx_total=round(float(np.asarray(scores[slow.rows, slow.cols]).sum()), 6))
    greedy_started = time.perf_counter()
    matched, total = greedy(scores, capacities)
    figures.update(greedy_s=time.perf_counter() - greedy_started,
                   greedy_matched_pct=100 * matched / max(1, len(ours)),
                   greedy_total_pct=100 * total / max(1e-9, ours_total))
    figures.update(scipy_expanded(scores, capacities))
    return figures


def _fmt(value, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _agrees(r: dict, prefix: str) -> str:
    if r.get(f"{prefix}_matched") is None:
        return "-"
    same = (r[f"{prefix}_matched"] == r["ours_matched"]
            and abs(r[f"{prefix}_total"] - r["ours_total"]) < 1e-6)
    return "yes" if same else "NO"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=[2000, 10000, 30000],
                        help="mentor-mode pool sizes (staff), comma-separated")
    parser.add_argument("--peer", type=_sizes, default=[2000, 5000, 10000],
                        help="peer-mode pool sizes (people), comma-separated")
    parser.add_argument("--reference", type=int, default=2000,
                        help="also time the networkx reference up to this pool size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=2,
                        help="solves of ours and of OR-Tools each, in turns; the fastest counts")
    parser.add_argument("--one", nargs=2, metavar=("STAFF", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    # The pools are read as a coordinator's file would be; the service refuses files above
    # 50,000 rows by default (DEFAULT_IMPORT_ROW_LIMIT); the benchmark goes beyond (its runs
    # inherit this).
    os.environ.setdefault("MENTORSHIP_IMPORT_ROW_LIMIT", "1000000")
    if args.one:
        print(json.dumps(run_one(int(args.one[0]), args.one[1], args.seed, args.reference,
                                 args.repeat)))
        return

    runs = [(n, "mentor") for n in args.sizes] + [(n, "peer") for n in args.peer]
    results = []
    for staff, mode in runs:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(staff), mode, "--seed", str(args.seed),
             "--reference", str(args.reference), "--repeat", str(args.repeat)],
            capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            print(f"{mode} {staff}: failed\n{done.stderr}", file=sys.stderr)
            continue
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"  ran {mode} {staff}", file=sys.stderr)

    mentor = [r for r in results if r["mode"] == "mentor"]
    if mentor:
        print("Mentor mode: end to end (match_profiles with the rules; seconds, peak MB of that run)")
        print(f"{'staff':>7} {'mentees':>7} {'eligible':>9} {'score':>6} {'assign':>7} {'total':>6} "
              f"{'peak MB':>8}")
        for r in mentor:
            print(f"{r['staff']:>7} {r['mentees']:>7} {r['eligible']:>9} {r['score_s']:>6.1f} "
                  f"{r['assign_s']:>7.1f} {r['total_s']:>6.1f} {r['peak_mb']:>8.0f}")
        print("\nMentor mode: the assignment alone on the same eligible-pair graph (seconds; ratio = "
              "seconds / OR-Tools max-flow-min-cost; agree = same matched count and total as ours)")
        print(f"{'staff':>7} {'ours':>6} {'OR mfmc':>7} {'ratio':>6} {'OR 2lvl':>7} {'ratio':>6} "
              f"{'scipy':>6} {'ratio':>6} {'networkx':>8} {'ratio':>6} | {'agree OR/scipy/nx':>17} | "
              f"{'greedy s':>8} {'matched':>7} {'total':>6}")
        for r in mentor:
            if "solve_s" not in r:
                print(f"{r['staff']:>7} baselines {r['baseline_note']}")
                continue
            base = r.get("ortools_maxflow_s")

            def ratio(seconds, base=base):
                return _fmt(seconds / base, ".2f") + "x" if seconds and base else "-"

            agree = "/".join(_agrees(r, p) for p in ("ortools_maxflow", "scipy", "networkx"))
            print(f"{r['staff']:>7} {r['solve_s']:>6.2f} {_fmt(base, '.2f'):>7} "
                  f"{ratio(r['solve_s']):>6} {_fmt(r.get('ortools_twolevel_s'), '.2f'):>7} "
                  f"{ratio(r.get('ortools_twolevel_s')):>6} {_fmt(r.get('scipy_s'), '.2f'):>6} "
                  f"{ratio(r.get('scipy_s')):>6} {_fmt(r.get('networkx_s'), '.2f'):>8} "
                  f"{ratio(r.get('networkx_s')):>6} | {agree:>17} | {r['greedy_s']:>8.1f} "
                  f"{r['greedy_matched_pct']:>6.1f}% {r['greedy_total_pct']:>5.1f}%")
        for r in mentor:
            for note in ("scipy_note", "ortools_note"):
                if r.get(note):
                    print(f"  {r['staff']}: {note.split('_')[0]} {r[note]}")
    peer = [r for r in results if r["mode"] == "peer"]
    if peer:
        print("\nPeer mode: end to end with the rules (groups = pairs and circles of three; "
              "exact = proven optimal), then the pairs-only matching alone on every mutual pair "
              "(ours = rustworkx; agree = same pairs count and total)")
        print(f"{'people':>7} {'eligible':>9} {'groups':>6} {'circles':>7} {'placed':>6} "
              f"{'exact':>5} {'score':>6} {'assign':>7} {'total':>6} "
              f"{'peak MB':>8} | {'ours':>6} {'networkx':>8} {'agree':>5}")
        for r in peer:
            agree = "-" if r.get("networkx_pairs") is None else (
                "yes" if (r["networkx_pairs"], r["networkx_total"]) == (r["auto_pairs"], r["auto_total"])
                else "NO")
            print(f"{r['staff']:>7} {r['eligible']:>9} {r['pairs']:>6} {r['circles']:>7} "
                  f"{r['placed']:>6} {'yes' if r['proven'] else 'no':>5} {r['score_s']:>6.1f} "
                  f"{r['assign_s']:>7.1f} {r['total_s']:>6.1f} {r['peak_mb']:>8.0f} | "
                  f"{r['auto_s']:>6.2f} {_fmt(r.get('networkx_s')):>8} {agree:>5}")


if __name__ == "__main__":
    main()
