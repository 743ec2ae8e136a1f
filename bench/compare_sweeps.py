"""Two engines' sweeps compared file by file: python bench/compare_sweeps.py A... --against B...

Each argument is the printed output of one ``bench/engine_sweep.py`` run (redirected to a file),
the runs before ``--against`` of one engine (A), those after of the other (B), on the same
instances. At 3 s a file's result moves between sweeps of the same engine, as the clock cuts a
HiGHS run at another point: a sweep's count of files meeting the targets moved by 2-5 between
sweeps of one commit on the 104 outside files. So each engine should have three sweeps or more
(an odd number: the median of two is their mean, which one late LP moves halfway), taken in
turns with the other's, and what is compared per file is the median of its sweeps.

Compared are the instances in every sweep (those left out are counted). Prints each instance
where the medians differ by more than ``--margin`` (percentage points below the optimum; where
some sweep has no optimum for it, of the bound above the objective) or where some sweep missed
the targets, then per engine: the misses of each sweep, and the mean of the per-instance
medians below the optimum (over the instances with one in every sweep).

    python bench/engine_sweep.py ... --root /tmp/a > /tmp/a1.txt   # then b1, a2, b2, a3, b3
    python bench/compare_sweeps.py /tmp/a1.txt /tmp/a2.txt /tmp/a3.txt \
        --against /tmp/b1.txt /tmp/b2.txt /tmp/b3.txt
"""

import argparse
import math
import re
import statistics
import sys
from pathlib import Path

PERCENT = re.compile(r"(-?[0-9.]+) %")


def percent(cell: str) -> float:
    """The first percentage in a cell, NaN for none ("-": no optimum known)."""
    found = PERCENT.match(cell.strip())
    return float(found.group(1)) if found else math.nan


def read_sweep(path: Path) -> dict[str, tuple[float, float, bool]]:
    """Per instance row of a sweep's output: (below the optimum, bound above the objective,
    missed), in percent. An instance named twice (two files of one name) is an error."""
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) < 7:
            continue
        try:
            float(cells[2])  # the time column: only instance rows have one
        except ValueError:
            continue
        if cells[0] in rows:
            raise ValueError(f"{path}: {cells[0]} twice (files of the same name?)")
        rows[cells[0]] = (percent(cells[6]), percent(cells[5]), cells[-1] == "MISS")
    return rows


def median(values: list[float]) -> float:
    """The median, NaN where any value is (an optimum not known in every sweep)."""
    return math.nan if any(math.isnan(v) for v in values) else statistics.median(values)


def summary(sweeps: list[dict], names: set[str]) -> tuple[dict, dict, dict]:
    """Per instance of ``names``: its median below the optimum, its median bound above the
    objective, and in how many sweeps it missed."""
    below = {n: median([s[n][0] for s in sweeps]) for n in names}
    gap = {n: median([s[n][1] for s in sweeps]) for n in names}
    missed = {n: sum(s[n][2] for s in sweeps) for n in names}
    return below, gap, missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", nargs="+", type=Path, help="sweep outputs of engine A")
    parser.add_argument("--against", nargs="+", type=Path, required=True,
                        help="sweep outputs of engine B")
    parser.add_argument("--margin", type=float, default=0.0005,
                        help="percentage points within which two medians count as the same")
    args = parser.parse_args(argv)
    try:
        a_sweeps = [read_sweep(p) for p in args.a]
        b_sweeps = [read_sweep(p) for p in args.against]
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not all(a_sweeps + b_sweeps):
        print("error: a file holds no sweep rows", file=sys.stderr)
        return 2
    every = set.intersection(*(set(s) for s in a_sweeps + b_sweeps))
    if not every:
        print("error: no instance is in every sweep", file=sys.stderr)
        return 2
    left_out = len(set.union(*(set(s) for s in a_sweeps + b_sweeps)) - every)
    a_below, a_gap, a_missed = summary(a_sweeps, every)
    b_below, b_gap, b_missed = summary(b_sweeps, every)
    names = sorted(every)
    print(f"{len(names)} instances in all {len(a_sweeps)} + {len(b_sweeps)} sweeps "
          f"({left_out} in only some, left out); medians, % below the optimum (or, with none "
          "known in some sweep, % of the bound above the objective)")
    print("instance | A | A misses | B | B misses | B against A")
    better = worse = 0
    for name in names:
        # One measure for both engines: below the optimum where every sweep of both knows it,
        # else the bound above the objective (at least the distance below the optimum).
        known = not (math.isnan(a_below[name]) or math.isnan(b_below[name]))
        a_value = a_below[name] if known else a_gap[name]
        b_value = b_below[name] if known else b_gap[name]
        verdict = ""
        if b_value < a_value - args.margin:
            better, verdict = better + 1, "better"
        elif b_value > a_value + args.margin:
            worse, verdict = worse + 1, "worse"
        if verdict or a_missed[name] or b_missed[name]:
            print(f"{name} | {a_value:.4f} % | {a_missed[name]} | {b_value:.4f} % | "
                  f"{b_missed[name]} | {verdict}")
    with_optimum = [n for n in names if not (math.isnan(a_below[n]) or math.isnan(b_below[n]))]
    for label, sweeps, below in (("A", a_sweeps, a_below), ("B", b_sweeps, b_below)):
        misses = [sum(s[n][2] for n in names) for s in sweeps]
        mean = statistics.mean(below[n] for n in with_optimum) if with_optimum else math.nan
        print(f"{label}: misses per sweep {', '.join(map(str, misses))}; mean of the medians "
              f"below the optimum {mean:.4f} % over {len(with_optimum)} instances")
    print(f"B better on {better} instances, worse on {worse} (by more than {args.margin} points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
