"""How far the rounding cuts bring the LP: python bench/rounding_cuts.py FILE... [--help].

For each instance file: the LP bound ``D`` and the bound ``M`` of the LP with the rounding
cuts on the pledges' rows (``matching/engine/mir.py``), each as its distance above the
optimum (from ``--optima``, as written by ``bench/engine_sweep.py``), the cuts and rounds
taken, and the seconds the LP and the cuts took, each alone in this process. For example, on
the outside set (``python bench/outside_instances.py --set DIR``):

    python bench/rounding_cuts.py DIR/*.json --optima bench/outside_optima.json
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bounds import above, arguments, optimum_of  # noqa: E402

from matching.engine.aggregate import build_aggregate  # noqa: E402
from matching.engine.classes import build_classes  # noqa: E402
from matching.engine.cuts import with_cuts  # noqa: E402
from matching.engine.instance import load_instance  # noqa: E402
from matching.engine.lp import solve_lp  # noqa: E402
from matching.engine.mir import lp_with_cuts  # noqa: E402
from matching.engine.model import prepare  # noqa: E402
from matching.engine.solver import dual_bound, price_vector  # noqa: E402


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    print("instance | D above optimum | M above optimum | cuts | rounds | LP s | cuts s")
    for path in args.files:
        instance = load_instance(path)
        model = build_aggregate(instance, build_classes(prepare(instance)))
        started = time.perf_counter()
        lp = solve_lp(model, None)
        lp_seconds = time.perf_counter() - started
        _, lp_bound = dual_bound(model, price_vector(model, lp.row_dual))
        counts, basis = lp.held()
        started = time.perf_counter()
        found = lp_with_cuts(model, lp.x, basis, counts, lambda: None)
        cut_seconds = time.perf_counter() - started
        key, optimum = optimum_of(args.optima, path, len(instance.households))
        if found is None:
            print(f"{key} | {above(lp_bound, optimum)} | no cut | 0 | 0 | {lp_seconds:.2f} | {cut_seconds:.2f}")
            continue
        cut_model = with_cuts(model, found.cuts)
        _, cut_bound = dual_bound(cut_model, price_vector(cut_model, found.row_dual))
        print(
            f"{key} | {above(lp_bound, optimum)} | {above(cut_bound, optimum)} | {len(found.cuts)} | "
            f"{found.rounds} | "
            f"{lp_seconds:.2f} | {cut_seconds:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
