"""How close the places priced by hand bring the bound: python bench/lagrangian_bound.py FILE... [--help].

For each instance file, the bound the engine falls back on where its LP did not end in time
(``matching/engine/lagrange.py``), each as its distance above the optimum (from ``--optima``, as
written by ``bench/engine_sweep.py``): the trivial bound (every household in its best pledge),
one price per person on every capacity row, and that price improved by subgradient steps
towards the optimum (``lagrange.STEPS``), with the seconds they took, alone in this process.
For example, on the outside set (``python bench/outside_instances.py --set DIR``):

    python bench/lagrangian_bound.py DIR/*.json --optima bench/outside_optima.json
"""

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bounds import above, arguments, optimum_of  # noqa: E402

from matching.engine.aggregate import build_aggregate  # noqa: E402
from matching.engine.classes import build_classes  # noqa: E402
from matching.engine.instance import load_instance  # noqa: E402
from matching.engine.lagrange import Pricing, lagrangian_bound  # noqa: E402
from matching.engine.model import prepare  # noqa: E402
from matching.engine.solver import trivial_bound  # noqa: E402


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    print("instance | trivial bound | one price per person | with the steps | steps s")
    for path in args.files:
        instance = load_instance(path)
        prep = prepare(instance)
        model = build_aggregate(instance, build_classes(prep))
        key, optimum = optimum_of(args.optima, path, len(instance.households))
        pricing = Pricing(model, len(instance.pledges))
        per_person, _ = pricing.bound(pricing.per_person())
        started = time.perf_counter()
        # Towards the optimum where it is known, else towards 0 (steps then too long at first).
        stepped = lagrangian_bound(model, len(instance.pledges), optimum or 0.0, math.inf)
        seconds = time.perf_counter() - started
        print(
            f"{key} | {above(trivial_bound(prep), optimum, 2)} | {above(per_person, optimum, 2)} | "
            f"{above(stepped, optimum, 2)} | {seconds:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
