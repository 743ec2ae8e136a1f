"""The engine on instances of random shape, or named ones: python bench/engine_sweep.py [--help].

Each random instance gets its own shape, drawn from its seed (number of pledges, coverage,
share of small pledges, quotas, strictness of criteria, family sizes), so that the engine is
tried on mixes nobody tuned it for; ``--named`` adds instances of the generator's named shapes
(``small-pledges:1,3 standard:1``) or of random shape by seed (``random:120,129``). Prints, per
instance, the time, the objective and the bound under the time limit, and whether both targets
hold (objective within 0.01 % of the optimum, bound at most 0.05 % above the objective).

The optimum comes from ``--optimum`` (the engine without a time limit, stopped at
``--optimum-limit``: seconds per instance), or from the file ``--optima`` (written by an
earlier ``--optimum`` run with the same file: instance, objective and bound). Without either,
the objective counts as within 0.01 % only when its own bound shows it.

``--files`` adds instance files (``file:STEM`` in the output and in ``--optima``), e.g. the set of
``bench/outside_instances.py --set DIR`` (and its second set) or of ``bench/third_instances.py
--set DIR --seeds 16``, whose optima (those not proven at 3 s, for the third) are in
``bench/outside_optima.json``.

Each timed solve starts once the HiGHS runs left going at an earlier deadline have ended
(the commands end their process instead: ``cli.exit_now_if_highs_runs_on``); a row says when
that wait took more than half a second.

``--root DIR`` solves with the engine of another checkout (``git worktree add DIR COMMIT``),
so that two commits are compared in one sitting on the same instances.

``--command`` times the command a user runs instead, ``python manage.py match_instance FILE
--output RESULT --time-limit S`` in a process of its own: its time is the wall-clock time of the
whole command (Python's start, reading the instance and writing the result included, which its
limit covers since e41dd5c), and its objective and bound are read from the result file.
"""

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace


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


def describe(shape) -> str:
    if isinstance(shape, str | Path):
        return str(shape)
    return ("pledges {n_pledges}, places/persons ~{coverage}, small {small_pledges}, "
            "quotas {quota_share}, criteria {strictness}x, families {family_scale}x").format(**shape)


def instances(args):
    """(name, shape, seed) of every instance asked for, in order (for a file: its path as
    the shape, and no seed)."""
    out = []
    for seed in range(args.first_seed, args.first_seed + args.instances):
        out.append((f"random-{seed}", random_shape(seed), seed))
    for group in args.named:
        shape, _, seeds = group.partition(":")
        for seed in (int(s) for s in seeds.split(",") if s):
            chosen = random_shape(seed) if shape == "random" else shape
            out.append((f"{shape}-{seed}", chosen, seed))
    for path in args.files:
        out.append((f"file:{path.stem}", path, None))
    return out


def wait_for_highs_runs() -> float:
    """Wait for every other non-daemon thread (HiGHS runs left going) to end; how long it took."""
    started = time.perf_counter()
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    return time.perf_counter() - started


def run_command(root: Path, instance_data, time_limit: float):
    """``manage.py match_instance`` of ``root`` on ``instance_data`` (a path, or the instance as
    a dict): (the result's status, objective and bound, the command's wall-clock seconds)."""
    with tempfile.TemporaryDirectory() as folder:
        path = instance_data
        if not isinstance(path, Path):
            path = Path(folder) / "instance.json"
            path.write_text(json.dumps(instance_data))
        output = Path(folder) / "result.json"
        command = [sys.executable, "manage.py", "match_instance", str(path), "--output", str(output),
                   "--time-limit", f"{time_limit:g}"]
        started = time.perf_counter()
        subprocess.run(command, cwd=root, check=True, capture_output=True)
        seconds = time.perf_counter() - started
        document = json.loads(output.read_text())
    return SimpleNamespace(**{k: document[k] for k in ("status", "objective", "bound")}), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10000)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--instances", type=int, default=20, help="random shapes from --first-seed")
    parser.add_argument("--named", nargs="*", default=[], metavar="SHAPE:SEEDS")
    parser.add_argument("--files", nargs="*", type=Path, default=[], metavar="INSTANCE.json")
    parser.add_argument("--time-limit", type=float, default=3.0)
    parser.add_argument("--optimum", action="store_true", help="also solve without a time limit")
    parser.add_argument("--optimum-limit", type=float, default=600.0)
    parser.add_argument("--optima", type=Path, help="JSON file of known optima (read; written by --optimum)")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1],
                        help="checkout whose engine solves (default: this one)")
    parser.add_argument("--command", action="store_true",
                        help="time the whole manage.py match_instance command (see above)")
    args = parser.parse_args()
    sys.path.insert(0, str(args.root))
    from matching.engine import load_instance, parse_instance, solve
    from matching.engine.generator import generate_instance

    known = json.loads(args.optima.read_text()) if args.optima and args.optima.exists() else {}
    what = "match_instance of" if args.command else "engine of"
    print(f"{what} {args.root}; {args.households} households; time limit {args.time_limit:g} s")
    print("instance | shape | time s | status | objective | bound above objective | below optimum")
    met, total, longest = 0, 0, 0.0
    for name, shape, seed in instances(args):
        data = shape if seed is None else generate_instance(args.households, seed=seed, shape=shape)
        instance = load_instance(data) if seed is None else parse_instance(data)
        key = f"{name}@{len(instance.households)}"
        # A HiGHS run left going at a deadline ends on its own, at times many seconds later;
        # the commands do not wait for it (they end the process), and no timed solve here
        # shares the machine with one.
        lingered = wait_for_highs_runs()
        if args.command:
            result, seconds = run_command(args.root, data, args.time_limit)
        else:
            started = time.perf_counter()
            result = solve(instance, time_limit=args.time_limit)
            seconds = time.perf_counter() - started
        longest = max(longest, seconds)
        if args.optimum and key not in known:
            best = solve(instance, time_limit=args.optimum_limit)
            known[key] = {"objective": best.objective, "bound": best.bound}
            if args.optima:
                args.optima.write_text(json.dumps(known, indent=1, sort_keys=True))
        above = (result.bound - result.objective) / max(abs(result.objective), 1e-9)
        row = [name, describe(shape), f"{seconds:.2f}", result.status, f"{result.objective:,.3f}", f"{100 * above:.4f} %"]
        within = above <= 1e-4
        if key in known:
            # The best known objective, proven within the bound it was found with.
            optimum = max(known[key]["objective"], result.objective)
            proof = (known[key]["bound"] - optimum) / max(abs(optimum), 1e-9)
            below = (optimum - result.objective) / max(abs(optimum), 1e-9)
            within = within or below + max(0.0, proof) <= 1e-4
            note = "" if proof <= 1e-6 else f" (optimum known within {100 * proof:.4f} %)"
            if result.bound < optimum - 1e-9 * max(abs(optimum), 1.0):  # a wrong proof
                note += " | BOUND BELOW THE OPTIMUM"
                within = False
            if result.objective > known[key]["bound"] + 1e-9 * max(abs(optimum), 1.0):
                note += " | ABOVE THE KNOWN BOUND"  # the file's proof was wrong
            row.append(f"{100 * below:.4f} %{note}")
        else:
            row.append("-")
        ok = within and above <= 5e-4 and seconds <= args.time_limit
        met += ok
        total += 1
        if lingered > 0.5:
            row.append(f"waited {lingered:.1f} s for a HiGHS run left going before it")
        print(" | ".join(row) + ("" if ok else " | MISS"), flush=True)
    print(f"{met} of {total} meet the targets (objective within 0.01 % of the optimum, bound at "
          f"most 0.05 % above the objective, within {args.time_limit:g} s); longest {longest:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
