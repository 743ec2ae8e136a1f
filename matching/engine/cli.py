"""``match_instance``: solve an instance file, write a result file. No database involved.

Used by ``python manage.py match_instance`` (which runs :func:`run` without starting Django,
see ``manage.py``) and by ``python -m matching.engine INSTANCE.json --output RESULT.json
[--time-limit S]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import threading
import time
from pathlib import Path

from . import explain, load_instance, solve
from .instance import InstanceError
from .result import Result

EXIT_BAD_INPUT = 2


# Without --time-limit the engine still stops (status "feasible", with its proven bound) after
# this long: hard instances can take far longer to prove optimal than anyone will wait.
DEFAULT_TIME_LIMIT = 600.0
# The solve ends this much sooner per household, so that the command ends within its
# --time-limit: checking the placement and writing the result take 0.07 s at 10,000
# households and 0.2-0.4 s at 40,000 after the solve, most of which its own reserve covers
# (:mod:`.solver`). On 51 instances at 10,000 households with --time-limit 3 the command took
# at most 2.94 s with it, 2.98 s without.
OUTPUT_SECONDS_PER_HOUSEHOLD = 5e-6


class OutputError(Exception):
    """The result could not be written. ``str(error)`` is one readable line."""


def match_instance(
    instance_path: str | Path,
    output_path: str | Path,
    time_limit: float | None = None,
    with_explanations: bool = False,
    started: float | None = None,
) -> Result:
    """Solve ``instance_path`` and write the result document to ``output_path``.

    ``time_limit`` (None: :data:`DEFAULT_TIME_LIMIT`) counts from ``started``, a
    ``time.perf_counter()`` reading (None: now; the command line passes its process's start):
    reading the instance, the solve and writing the result are inside it, so that
    ``--time-limit 3`` ends the command within about 3 s. The explanations (``--explain``) are
    computed after it and come on top (1.3 s at 10,000 households). ``solve_seconds`` in the
    result is the solve's own time.
    Raises InstanceError (malformed input) or OutputError (result not writable).
    """
    if started is None:
        started = time.perf_counter()
    if time_limit is None:
        time_limit = DEFAULT_TIME_LIMIT
    if not math.isfinite(time_limit) or time_limit <= 0:
        raise InstanceError(f"--time-limit must be a positive number of seconds, got {time_limit}")
    instance = load_instance(instance_path)
    # The solve's limit is the one given (what it chooses to do depends on that alone),
    # counted from ``started`` (so reading the instance is inside it) less the writing to come.
    writing = OUTPUT_SECONDS_PER_HOUSEHOLD * len(instance.households)
    result = solve(instance, time_limit=time_limit, started=started - writing)
    document = result.to_dict()
    if with_explanations:
        document["explanations"] = explain(instance, result)
    try:
        Path(output_path).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {output_path}: {exc.strerror or exc}") from None
    return result


def exit_now_if_highs_runs_on(code: int) -> None:
    """End the process at once, with ``code``, if a thread other than this one is still going
    (in the engine: a HiGHS run left going at the deadline, or a search waiting for one); else
    return. For the command line only, once the result is written (or the error said).

    HiGHS sees its time limit and interrupts only at some points of its work: a root cut
    round on the whole program at 10,000 households once ran 17 s past its limit without
    reaching one (realistic 1 of the outside set). The interpreter would wait for that run at
    exit (its thread is not a daemon, so that HiGHS is not unloaded under it): the command
    printed its result after 2.9 s and returned after 21 s.
    """
    if any(t is not threading.main_thread() and not t.daemon for t in threading.enumerate()):
        end_process(code)


def end_process(code: int) -> None:
    """End the process at once with ``code``, its output flushed (nothing else is tidied)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def summary(result: Result) -> str:
    return (
        f"{result.status}: objective {result.objective:.6f}, bound {result.bound:.6f}, "
        f"gap {result.gap:.2e}, {len(result.assignments)} households placed "
        f"in {result.solve_seconds:.2f} s"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments (the same for ``manage.py match_instance`` and ``-m``)."""
    parser.add_argument("instance", help="instance file (relocation-matching/1 JSON)")
    parser.add_argument("--output", required=True, help="where to write the result JSON")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help=(
            "end within about this many seconds, reading and writing included "
            f"(default {DEFAULT_TIME_LIMIT:g})"
        ),
    )
    parser.add_argument(
        "--explain", action="store_true", help="add score parts and reasons for the unplaced"
    )


def main(
    argv: list[str] | None = None,
    prog: str = "python -m matching.engine",
    started: float | None = None,
) -> int:
    """The command line: the exit status (0; 2 for a malformed instance; 1 when the result
    cannot be written). Its time limit counts from ``started`` (see :func:`match_instance`)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        result = match_instance(
            args.instance, args.output, args.time_limit, args.explain, started=started
        )
    except InstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summary(result))
    return 0


def run(argv: list[str], prog: str, started: float | None = None) -> None:
    """:func:`main` as a process started at ``started`` (a ``time.perf_counter()`` reading):
    ends it with main's status at once, the result written: neither waiting for a HiGHS run
    left going past the deadline (see :func:`exit_now_if_highs_runs_on`) nor freeing the
    solve's memory one object at a time (0.06 s at 10,000 households)."""
    end_process(main(argv, prog, started))
