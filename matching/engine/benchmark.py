"""Benchmark: the engine, the greedy baseline and the naive model, side by side.

Every solve runs in its own child process, so the peak memory reported is that solve's own
(``ru_maxrss`` of the child: Python, numpy and HiGHS included, instance generation too).
Run without Django as ``python bench/bench_matching.py`` or with it as
``python manage.py bench_matching``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from .generator import SHAPES

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("engine", "greedy", "naive")
SCENARIOS = ("standard", "small-pledges")
KILL_MARGIN = 30.0  # seconds a child may run past its time limit (instance generation, output)


def run_child(method: str, n: int, seed: int, time_limit: float, scenario: str = "standard") -> dict:
    """Solve one generated instance with one method (in this process) and describe it."""
    from . import parse_instance, solve, solve_greedy
    from .generator import generate_instance
    from .model import prepare
    from .naive import solve_naive
    from .result import build_result

    instance = parse_instance(generate_instance(n, seed=seed, shape=scenario))
    started = time.perf_counter()
    cpu_started = time.process_time()
    if method == "engine":
        result = solve(instance, time_limit=time_limit)
    elif method == "greedy":
        result = solve_greedy(instance)
    else:
        prep = prepare(instance)
        assignment, bound, _, _ = solve_naive(prep, time_limit=time_limit)
        result = build_result(
            instance, assignment, bound=bound, seconds=time.perf_counter() - started
        )
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    figures = fairness(instance, result.assignment_map())
    return {
        "method": method,
        "scenario": scenario,
        "households": n,
        "persons": sum(h.size for h in instance.households),
        "places": sum(p.capacity for p in instance.pledges),
        "pledges": len(instance.pledges),
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **figures,
    }


def fairness(instance, chosen: dict[str, str]) -> dict:
    """What a coordinator asks: who got the places, and did anyone get crowded out?"""
    pledges = instance.pledge_by_id()
    used: dict[str, int] = defaultdict(int)
    for h in instance.households:
        if h.id in chosen:
            used[chosen[h.id]] += h.size
    fill = [used[p.id] / p.capacity for p in instance.pledges if p.capacity]
    state_cap: dict[str, int] = defaultdict(int)
    state_used: dict[str, int] = defaultdict(int)
    for p in instance.pledges:
        state_cap[p.state] += p.capacity
        state_used[p.state] += used[p.id]
    state_fill = [state_used[s] / c for s, c in state_cap.items() if c]
    vulnerable = sum(h.vulnerable_members for h in instance.households)
    vulnerable_placed = sum(h.vulnerable_members for h in instance.households if h.id in chosen)
    tied = [h for h in instance.households if h.family_ties]
    honoured = sum(
        1 for h in tied if h.id in chosen and pledges[chosen[h.id]].state in h.family_ties
    )
    buckets = {"1": (1, 1), "2": (2, 2), "3-4": (3, 4), "5-6": (5, 6), "7+": (7, 10**9)}
    by_size = {}
    for name, (low, high) in buckets.items():
        group = [h for h in instance.households if low <= h.size <= high]
        by_size[name] = sum(1 for h in group if h.id in chosen) / len(group) if group else None
    return {
        "placed_households": len(chosen),
        "placed_persons": sum(used.values()),
        "fill_pledge_min": min(fill, default=0.0),
        "fill_pledge_max": max(fill, default=0.0),
        "fill_state_min": min(state_fill, default=0.0),
        "fill_state_max": max(state_fill, default=0.0),
        "vulnerable_placed": vulnerable_placed / vulnerable if vulnerable else None,
        "family_ties_honoured": honoured / len(tied) if tied else None,
        "placed_by_size": by_size,
    }


def run_in_subprocess(
    method: str,
    n: int,
    seed: int,
    time_limit: float,
    scenario: str = "standard",
    kill_margin: float = KILL_MARGIN,
) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # HiGHS does not always stop at its time limit on the naive model (it can sit in the root
    # LP of a 300,000-column model), so the parent kills the child (SIGKILL) once the limit and
    # a margin for generating the instance have passed, and reports that no result came.
    kill_after = time_limit + kill_margin
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "matching.engine.benchmark",
                "--child",
                method,
                str(n),
                str(seed),
                str(time_limit),
                scenario,
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=kill_after,
        )
    except subprocess.TimeoutExpired:
        return {
            "method": method,
            "scenario": scenario,
            "households": n,
            "error": f"no result within {kill_after:g} s (time limit {time_limit:g} s not "
            f"honoured; killed after {time.perf_counter() - started:.0f} s)",
        }
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        return {"method": method, "scenario": scenario, "households": n, "error": lines[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _load(load: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.1f}" for x in load)


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def report(rows: list[dict], out=sys.stdout) -> None:
    by_n: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for row in rows:
        by_n[row.get("scenario", "standard"), row["households"]].append(row)
    for (scenario, n), group in by_n.items():
        first = next((r for r in group if "error" not in r), None)
        if first:
            print(
                f"\n{scenario}: {n} households, {first['persons']} persons, "
                f"{first['pledges']} pledges, {first['places']} places",
                file=out,
            )
        else:
            print(f"\n{scenario}: {n} households", file=out)
        best = max((r["objective"] for r in group if "objective" in r), default=None)
        print(
            f"{'method':8} {'status':9} {'objective':>13} {'bound':>13} {'gap':>9} "
            f"{'vs best':>8} {'time s':>7} {'cpu s':>7} {'peak MB':>8}",
            file=out,
        )
        for r in group:
            if "error" in r:
                print(f"{r['method']:8} failed: {r['error']}", file=out)
                continue
            print(
                f"{r['method']:8} {r['status']:9} {r['objective']:13.3f} {r['bound']:13.3f} "
                f"{r['gap']:9.2e} {r['objective'] / best if best else 1:8.4%} "
                f"{r['seconds']:7.2f} {r['cpu_seconds']:7.2f} {r['peak_mb']:8.0f}",
                file=out,
            )
        print(
            f"{'method':8} {'placed':>7} {'persons':>7} {'fill/pledge':>13} {'fill/state':>13} "
            f"{'vuln.':>6} {'ties':>6}  placed by household size 1 / 2 / 3-4 / 5-6 / 7+",
            file=out,
        )
        for r in group:
            if "error" in r:
                continue
            sizes = " / ".join(_pct(v) for v in r["placed_by_size"].values())
            print(
                f"{r['method']:8} {r['placed_households']:7} {r['placed_persons']:7} "
                f"{_pct(r['fill_pledge_min']):>6}-{_pct(r['fill_pledge_max']):>6} "
                f"{_pct(r['fill_state_min']):>6}-{_pct(r['fill_state_max']):>6} "
                f"{_pct(r['vulnerable_placed']):>6} {_pct(r['family_ties_honoured']):>6}  {sizes}",
                file=out,
            )


def add_arguments(parser) -> None:
    """The benchmark's options, for ``main`` and ``manage.py bench_matching`` alike."""
    parser.add_argument(
        "--sizes", default="2000,10000,40000", help="households per instance, comma-separated"
    )
    parser.add_argument(
        "--seed", type=int, default=2026, help="the generator's seed, for every size and scenario"
    )
    parser.add_argument(
        "--methods",
        default=",".join(METHODS),
        help=f"the methods to run, comma-separated, of {', '.join(METHODS)}",
    )
    parser.add_argument(
        "--time-limit", type=float, default=30.0, help="the engine's time limit (s)"
    )
    parser.add_argument(
        "--naive-time-limit", type=float, default=60.0, help="the naive model's time limit (s)"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"instance shapes from matching.engine.generator.SHAPES ({', '.join(SHAPES)})",
    )
    parser.add_argument(
        "--kill-margin",
        type=float,
        default=KILL_MARGIN,
        help="a child still running this long after its time limit is killed (s)",
    )
    parser.add_argument("--json", help="also write all figures to this file")


def main(argv: list[str] | None = None, out=sys.stdout) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the matching engine.")
    add_arguments(parser)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        method, n, seed, limit, scenario = args.child
        print(json.dumps(run_child(method, int(n), int(seed), float(limit), scenario)))
        return 0
    problem = invalid(args)
    if problem:
        parser.error(problem)
    return run(args, out)


def invalid(args) -> str | None:
    """What is wrong with the options ``args``, in one line (None: nothing)."""
    for size in args.sizes.split(","):
        if not size.strip().isdigit() or int(size) <= 0:
            return f"--sizes: {size!r} is not a number of households (comma-separated, each above 0)"
    for scenario in args.scenarios.split(","):
        if scenario not in SHAPES:
            return f"unknown scenario {scenario!r} (known: {', '.join(SHAPES)})"
    for method in args.methods.split(","):
        if method not in METHODS:
            return f"unknown method {method!r} (known: {', '.join(METHODS)})"
    return None


def run(args, out=sys.stdout) -> int:
    """Every method on every size and scenario of ``args`` (valid: :func:`invalid`), each in
    its own process; the report to ``out``."""
    load_before = os.getloadavg()
    rows = []
    for scenario in args.scenarios.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            for method in args.methods.split(","):
                limit = args.naive_time_limit if method == "naive" else args.time_limit
                rows.append(
                    run_in_subprocess(method, n, args.seed, limit, scenario, args.kill_margin)
                )
                print(f"  done: {scenario}, {n} households, {method}", file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    print(
        f"seed {args.seed}; engine time limit {args.time_limit:g} s (it stops earlier once "
        f"optimal); naive model time limit {args.naive_time_limit:g} s (killed at limit + "
        f"{args.kill_margin:g} s); 'vs best' is the objective relative to the best one found; "
        f"load average (1/5/15 min) {_load(load_before)} before, {_load(load_after)} after",
        file=out,
    )
    report(rows, out)
    if args.json:
        meta = {"seed": args.seed, "load_before": load_before, "load_after": load_after}
        Path(args.json).write_text(json.dumps({"run": meta, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
