"""Thin helpers around ``highspy`` (HiGHS), kept in one place."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import threading

import highspy
import numpy as np

_banner_shown = False
# HiGHS's ``simplex_strategy`` values: its default, the dual simplex, and the primal one, which
# re-solves in a few iterations where columns were added to an optimal basis (it stays primal
# feasible), where the dual one re-solves with thousands (figures: ``lp.PRIMAL_FROM_COUNTS``).
DUAL_SIMPLEX = 1
PRIMAL_SIMPLEX = 4


def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None).malloc_trim
    except (OSError, AttributeError):
        return None


_trim = _malloc_trim()


def release_freed_memory() -> None:
    """Give the memory HiGHS has freed back to the system. glibc keeps freed pages for reuse,
    and each thread that runs HiGHS allocates from an arena of its own, so the memory of
    programs already solved stayed counted in the process: at 40,000 households with 150
    pledges the peak was 1.98 GB with it kept and 1.23 GB with it given back (trimmed every
    half second)."""
    if _trim is not None:
        _trim(0)


def new_highs(time_limit: float | None = None, **options) -> highspy.Highs:
    """A silent HiGHS instance (HiGHS prints a banner the first time one is created)."""
    global _banner_shown
    if _banner_shown:
        h = highspy.Highs()
    else:
        with _stdout_silenced():
            h = highspy.Highs()
        _banner_shown = True
    h.setOptionValue("output_flag", False)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    for key, value in options.items():
        # HiGHS returns an error for a name or value it does not know, and goes on without it.
        checked(h.setOptionValue(key, value), f"the option {key}={value!r}")
    return h


def set_time_left(h: highspy.Highs, seconds: float) -> None:
    """Let ``h``'s next run take at most about ``seconds``. HiGHS's time limit counts all the
    runs of one instance (its clock is paused between runs, never reset), so a re-solve of the
    same instance (the dive, column generation's master) gets the time it has used added."""
    h.setOptionValue("time_limit", h.getRunTime() + max(0.01, seconds))


@contextlib.contextmanager
def _stdout_silenced():
    try:
        fd = os.dup(1)
    except OSError:  # no real stdout (embedded interpreter): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(fd, 1)
        os.close(fd)


def make_lp(
    *,
    cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    starts: np.ndarray,
    index: np.ndarray,
    values: np.ndarray,
    integrality: np.ndarray | None = None,
) -> highspy.HighsLp:
    """A maximisation model in column-wise (CSC) form."""
    lp = highspy.HighsLp()
    lp.num_col_ = len(cost)
    lp.num_row_ = len(row_lower)
    lp.col_cost_ = cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = values
    lp.sense_ = highspy.ObjSense.kMaximize
    if integrality is not None:
        kinds = {0: highspy.HighsVarType.kContinuous, 1: highspy.HighsVarType.kInteger}
        lp.integrality_ = [kinds[int(v)] for v in integrality]
    return lp


def checked(status: highspy.HighsStatus, what: str) -> None:
    """Raise if HiGHS refused ``what`` (a bug, never bad input: a model it was not given would
    otherwise be solved as an empty one)."""
    if status == highspy.HighsStatus.kError:
        raise RuntimeError(f"HiGHS refused {what}")


def status_name(h: highspy.Highs) -> str:
    return h.modelStatusToString(h.getModelStatus())


def is_optimal(h: highspy.Highs) -> bool:
    return h.getModelStatus() == highspy.HighsModelStatus.kOptimal


def is_infeasible(h: highspy.Highs) -> bool:
    return h.getModelStatus() == highspy.HighsModelStatus.kInfeasible


def set_start(h: highspy.Highs, x: np.ndarray) -> None:
    solution = highspy.HighsSolution()
    solution.col_value = list(map(float, x))
    solution.value_valid = True
    h.setSolution(solution)


def run_within(h: highspy.Highs, seconds: float | None) -> bool:
    """``h.run()``, waiting for it at most ``seconds`` (None: until it ends); whether it ended.

    HiGHS checks its own time limit only between the phases of a MIP; one round of root cuts
    can take a second and more, so a program started near its limit can end well past it.
    The run goes to a worker thread (HiGHS releases the GIL); one still running after
    ``seconds`` is left to end on its own, shortly after (at its own time limit), and its
    result is not read. The thread is not a daemon: the interpreter waits for it at exit
    rather than unloading HiGHS under it. A fresh thread also gets HiGHS's thread pool anew,
    sized by the instance's ``threads`` option (a thread that has run HiGHS keeps its pool's
    size, and HiGHS refuses to run with another).
    """
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(h.run()), name="highs-run")
    worker.start()
    worker.join(None if seconds is None else max(0.0, seconds))
    if worker.is_alive():
        return False
    if outcome and outcome[0] == highspy.HighsStatus.kError:  # a bug, never bad input
        raise RuntimeError(f"HiGHS refused to run: {h.modelStatusToString(h.getModelStatus())}")
    return True
