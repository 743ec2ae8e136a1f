"""The engine's own programs solved again alone: python bench/program_times.py FILE... [--help].

Solves each instance file with a time limit (3 s unless ``--time-limit``), keeps every integer
program the main search gave HiGHS (the neighbourhoods, the margin programs, the blocks; not the
master programs nor the searches beside), waits for every HiGHS run the solve left running, and
solves each program again alone, three ways, their order turning from program to program:

- ``now``: each class's levels held where its counts put them (``aggregate.levels_in_reach``);
- ``3dcf944``: as before that commit, the levels held only for the classes whose counts are all
  held, and only in the neighbourhoods and the blocks (none in the margin programs);
- ``free``: every level of every class left free.

Prints, per program, its node limit and free counts, then for each way the seconds of the whole
run (HiGHS, and turning its solution into households), HiGHS's status, the program's value and
bound, and how many HiGHS runs it took (2: HiGHS misread the start, and the program was solved
again without it, see ``solver._run_program``); then the totals. Each run has at most ``--cap``
seconds (10 unless given). For example, on files of the outside sets
(``python bench/outside_instances.py --set DIR``):

    python bench/program_times.py DIR/tight-quotas-10.json DIR/big-families-33.json
"""

import argparse
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.engine import solver  # noqa: E402
from matching.engine.instance import load_instance  # noqa: E402
from matching.engine.model import prepare  # noqa: E402

KEPT_OPTIONS = ("widen", "max_nodes", "restart")
WAYS = ("now", "3dcf944", "free")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--time-limit", type=float, default=3.0)
    parser.add_argument("--cap", type=float, default=10.0)
    args = parser.parse_args()
    real = (solver._run_program, solver.levels_in_reach, solver.new_highs)
    try:
        measure(args)
    finally:
        solver._run_program, solver.levels_in_reach, solver.new_highs = real


def measure(args) -> None:
    real_program, real_levels, real_highs = (
        solver._run_program, solver.levels_in_reach, solver.new_highs
    )

    def free(model, lower, upper):
        return lower, upper

    def settled_only(model, lower, upper):  # 3dcf944's rule: classes whose counts are all held
        held_lower, held_upper = real_levels(model, lower, upper)
        n = model.n_y
        open_class = np.bincount(
            model.y_class, weights=upper[:n] > lower[:n], minlength=len(model.classes)
        ) > 0
        z = np.arange(n, len(model.cost))
        kept = z[~open_class[model.level_classes()]]
        lower, upper = lower.copy(), upper.copy()
        lower[kept], upper[kept] = held_lower[kept], held_upper[kept]
        return lower, upper

    programs = []

    def keeping(model, classes, prep, lower, upper, row_lower, best_y, seconds, **options):
        main = threading.current_thread() is threading.main_thread()
        if options.get("master") is None and main:
            kept = {key: options[key] for key in KEPT_OPTIONS if key in options}
            program = (model, classes, prep, lower.copy(), upper.copy(), row_lower, best_y.copy())
            programs.append((program, kept))
        return real_program(model, classes, prep, lower, upper, row_lower, best_y, seconds, **options)

    runs = []

    def counting(*args, **options):
        runs.append(1)
        return real_highs(*args, **options)

    print(
        "file | program | node limit | free counts | "
        + " | ".join(f"{way}: s, status, value, bound, runs" for way in WAYS)
    )
    totals = dict.fromkeys(WAYS, 0.0)
    turn = 0
    for path in args.files:
        programs.clear()
        solver._run_program = keeping
        started = time.perf_counter()
        solver.solve_exact(prepare(load_instance(path)), args.time_limit, started=started)
        solver._run_program = real_program
        for thread in threading.enumerate():  # HiGHS runs left running, searches beside
            if thread is not threading.current_thread():
                thread.join()
        solver.new_highs = counting
        for k, (program, options) in enumerate(programs):
            # The margin programs say whether they widen; the neighbourhoods have a node limit.
            search = "max_nodes" in options or "widen" not in options
            levels = {"now": real_levels, "3dcf944": settled_only if search else free, "free": free}
            cells = {}
            for way in WAYS[turn % 3 :] + WAYS[: turn % 3]:
                solver.levels_in_reach = levels[way]
                runs.clear()
                began = time.perf_counter()
                run = real_program(*program, args.cap, **options)
                seconds = time.perf_counter() - began
                totals[way] += seconds
                cells[way] = f"{seconds:.3f}, {run.status}, {run.value:.3f}, {run.bound:.3f}, {len(runs)}"
            solver.levels_in_reach = real_levels
            turn += 1
            nodes = options.get("max_nodes", "-")
            row = " | ".join(cells[way] for way in WAYS)
            print(f"{Path(path).stem} | {k} | {nodes} | {run.free} | {row}", flush=True)
        solver.new_highs = real_highs
    print("total seconds: " + ", ".join(f"{way} {totals[way]:.2f}" for way in WAYS))


if __name__ == "__main__":
    main()
