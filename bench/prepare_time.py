"""What the engine takes before its LP: python bench/prepare_time.py FILE... [--root DIR] [--runs N].

Per instance file, the seconds of each step from the command's start to the model the LP is
solved over: importing the engine, reading and checking the file (``load_instance``), the
eligibility and values (``prepare``), the classes (``build_classes``) and the aggregated
program (``build_aggregate``). Each run is a fresh process, as the command is (a second call in
the same process is faster: memory already allocated); with ``--runs`` the fastest of N is
printed for each step. ``--root DIR`` measures the engine of another checkout
(``git worktree add DIR COMMIT``), so that two commits are compared in one sitting; compile
both alike first (``python -m compileall -q DIR/matching/engine``, as ``make install`` does),
or "imports" compares compiling with reading compiled modules (where
``PYTHONDONTWRITEBYTECODE`` is set).
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

STEPS = ("imports", "load", "prepare", "classes", "aggregate")

# Run in a fresh interpreter with the checkout's root first on the path; prints one JSON line.
PROBE = """
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from matching.engine import load_instance
from matching.engine.aggregate import build_aggregate
from matching.engine.classes import build_classes
from matching.engine.model import prepare
t1 = time.perf_counter()
instance = load_instance(sys.argv[2]); t2 = time.perf_counter()
prep = prepare(instance); t3 = time.perf_counter()
classes = build_classes(prep); t4 = time.perf_counter()
model = build_aggregate(instance, classes); t5 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "load": t2 - t1, "prepare": t3 - t2, "classes": t4 - t3,
                  "aggregate": t5 - t4, "households": len(instance.households),
                  "columns": len(model.cost)}))
"""


def measure(root: Path, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(root), str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"engine of {args.root}; fastest of {args.runs} fresh processes per file; seconds")
    print("file | households | columns | " + " | ".join(STEPS) + " | total")
    for path in args.files:
        runs = [measure(args.root, path) for _ in range(args.runs)]
        best = {step: min(r[step] for r in runs) for step in STEPS}
        cells = " | ".join(f"{best[s]:.3f}" for s in STEPS)
        first = runs[0]
        print(f"{path.stem} | {first['households']} | {first['columns']} | {cells} | "
              f"{sum(best.values()):.3f}")


if __name__ == "__main__":
    main()
