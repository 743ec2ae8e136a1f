"""HiGHS's time on the engine's own programs: python bench/program_times.py FILE... [--help].

Solves each instance file with a time limit (3 s unless ``--time-limit``), keeps every integer
program the main search gave HiGHS (the neighbourhoods, the margin programs, the blocks; not the
master programs nor the searches beside), and solves each again alone, one after the other:
as the engine gives it now, and with the levels of every class left free (before the levels
were held in reach, ``aggregate.levels_in_reach``). Prints, per program, its node limit and free
counts, then for each way the seconds, HiGHS's status and the program's value and bound, and
how many HiGHS runs it took (2: HiGHS misread the start, and the program was solved again
without it, see ``solver._run_program``); then the totals. Each run has at most ``--cap``
seconds (10 unless given). For example, on files of the outside sets
(``python bench/outside_instances.py --set DIR``):

    python bench/program_times.py DIR/tight-quotas-10.json DIR/big-families-33.json
"""

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.engine import solver  # noqa: E402
from matching.engine.instance import load_instance  # noqa: E402
from matching.engine.model import prepare  # noqa: E402

KEPT_OPTIONS = ("widen", "max_nodes", "restart")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--time-limit", type=float, default=3.0)
    parser.add_argument("--cap", type=float, default=10.0)
    args = parser.parse_args()

    real_program, real_levels, real_highs = (
        solver._run_program, solver.levels_in_reach, solver.new_highs
    )
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
        "file | program | node limit | free counts | now: s, status, value, bound, runs"
        " | levels free: s, status, value, bound, runs"
    )
    totals = [0.0, 0.0]
    for path in args.files:
        programs.clear()
        solver._run_program = keeping
        started = time.perf_counter()
        solver.solve_exact(prepare(load_instance(path)), args.time_limit, started=started)
        solver._run_program = real_program
        solver.new_highs = counting
        for k, (program, options) in enumerate(programs):
            cells = []
            for way, levels in enumerate((real_levels, lambda model, lower, upper: (lower, upper))):
                solver.levels_in_reach = levels
                runs.clear()
                began = time.perf_counter()
                run = real_program(*program, args.cap, **options)
                seconds = time.perf_counter() - began
                totals[way] += seconds
                cells.append(f"{seconds:.3f}, {run.status}, {run.value:.3f}, {run.bound:.3f}, {len(runs)}")
            solver.levels_in_reach = real_levels
            nodes = options.get("max_nodes", "-")
            print(f"{Path(path).stem} | {k} | {nodes} | {run.free} | {cells[0]} | {cells[1]}", flush=True)
        solver.new_highs = real_highs
    print(f"total seconds: {totals[0]:.2f} now, {totals[1]:.2f} with the levels free")


if __name__ == "__main__":
    main()
