"""The engine on instances of random shape: python bench/engine_sweep.py [--help].

Each instance gets its own shape, drawn from its seed (number of pledges, coverage, share of
small pledges, quotas, strictness of criteria, family sizes), so that the engine is tried on
mixes nobody tuned it for. Prints, per instance, the shape, the time, the objective and the
bound under the time limit; with ``--optimum`` also the optimum (the engine without a time
limit, stopped at ``--optimum-limit``) and how far the objective and the bound are from it.
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching.engine import parse_instance, solve  # noqa: E402
from matching.engine.generator import generate_instance  # noqa: E402


def random_shape(seed: int) -> dict:
    r = random.Random(seed)
    return {
        "n_pledges": r.randint(8, 40),
        "coverage": round(r.uniform(0.2, 1.0), 2),
        "small_pledges": round(r.choice([0, 0, r.uniform(0, 0.5)]), 2),
        "quota_share": round(r.uniform(0.2, 0.9), 2),
        "strictness": round(r.uniform(0.5, 2.0), 2),
        "family_scale": round(r.uniform(0.8, 2.0), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10000)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--instances", type=int, default=20)
    parser.add_argument("--time-limit", type=float, default=3.0)
    parser.add_argument("--optimum", action="store_true", help="also solve without a time limit")
    parser.add_argument("--optimum-limit", type=float, default=600.0)
    args = parser.parse_args()
    print("seed | shape | time s | status | objective | bound above objective"
          + (" | optimum | objective below optimum | bound above optimum" if args.optimum else ""))
    met = 0
    for seed in range(args.first_seed, args.first_seed + args.instances):
        shape = random_shape(seed)
        instance = parse_instance(generate_instance(args.households, seed=seed, shape=shape))
        started = time.perf_counter()
        result = solve(instance, time_limit=args.time_limit)
        seconds = time.perf_counter() - started
        above = (result.bound - result.objective) / max(abs(result.objective), 1e-9)
        row = [str(seed), str(shape), f"{seconds:.2f}", result.status, f"{result.objective:,.3f}",
               f"{100 * above:.4f} %"]
        ok = above <= 5e-4 and seconds <= args.time_limit
        if args.optimum:
            best = solve(instance, time_limit=args.optimum_limit)
            proven = best.status == "optimal"
            optimum = max(best.objective, result.objective)
            below = (optimum - result.objective) / max(abs(optimum), 1e-9)
            over = (result.bound - optimum) / max(abs(optimum), 1e-9)
            row += [f"{optimum:,.3f}" + ("" if proven else " (not proven)"), f"{100 * below:.4f} %",
                    f"{100 * over:.4f} %"]
            ok = ok and below <= 1e-4
        met += ok
        print(" | ".join(row), flush=True)
    target = "objective within 0.01 % of the optimum, " if args.optimum else ""
    print(f"{met} of {args.instances} meet the targets ({target}bound at most 0.05 % above the "
          f"objective, within {args.time_limit:g} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
