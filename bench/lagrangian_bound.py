"""How close the places priced by hand bring the bound: python bench/lagrangian_bound.py FILE... [--help].

For each instance file, the bound the engine falls back on where its LP did not end in time
(``matching/engine/lagrange.py``), each as its distance above the optimum (from ``--optima``, as
written by ``bench/engine_sweep.py``): the trivial bound (every household in its best pledge),
one price per person on every capacity row, and that price improved by subgradient steps
towards the optimum (``lagrange.STEPS``), with the seconds they took, alone in this process.
For example, on the outside set (``python bench/outside_instances.py --set DIR``):

    python bench/lagrangian_bound.py DIR/*.json --optima bench/outside_optima.json
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.engine.aggregate import build_aggregate  # noqa: E402
from matching.engine.classes import build_classes  # noqa: E402
from matching.engine.instance import load_instance  # noqa: E402
from matching.engine.lagrange import _Pricing, lagrangian_bound  # noqa: E402
from matching.engine.model import prepare  # noqa: E402
from matching.engine.solver import trivial_bound  # noqa: E402


def above(value: float, optimum: float | None) -> str:
    """How far ``value`` is above ``optimum``, in percent ("-" when it is not known)."""
    return "-" if optimum is None else f"{(value - optimum) / optimum * 100:.2f} %"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--optima", type=Path, help="JSON of optima (file:STEM@HOUSEHOLDS keys)")
    args = parser.parse_args()
    optima = json.loads(args.optima.read_text()) if args.optima else {}
    print("instance | trivial bound | one price per person | with the steps | steps s")
    for path in args.files:
        instance = load_instance(path)
        prep = prepare(instance)
        model = build_aggregate(instance, build_classes(prep))
        key = f"file:{path.stem}@{len(instance.households)}"
        optimum = optima.get(key, {}).get("objective")
        pricing = _Pricing(model, len(instance.pledges))
        per_person, _ = pricing.bound(pricing.per_person())
        started = time.perf_counter()
        # Towards the optimum where it is known, else towards 0 (steps then too long at first).
        stepped = lagrangian_bound(model, len(instance.pledges), optimum or 0.0, math.inf)
        seconds = time.perf_counter() - started
        print(
            f"{key} | {above(trivial_bound(prep), optimum)} | {above(per_person, optimum)} | "
            f"{above(stepped, optimum)} | {seconds:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
