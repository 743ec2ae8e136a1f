"""The last placement polished: households moved between pledges, each pledge's persons kept."""

import itertools
import math
import time
from collections import Counter

import numpy as np
import pytest

from matching.engine import parse_instance
from matching.engine import slots as slots_module
from matching.engine.aggregate import build_aggregate, row_activity
from matching.engine.classes import build_classes
from matching.engine.generator import generate_instance
from matching.engine.greedy import greedy
from matching.engine.model import UNPLACED, feasibility_violations, prepare
from matching.engine.slots import same_slots
from matching.engine.solver import assignment_from_counts, assignment_value, counts_of, full_vector

from .builders import household, instance, pledge


def _program(inst):
    prep = prepare(parse_instance(inst) if isinstance(inst, dict) else inst)
    classes = build_classes(prep)
    return prep, classes, build_aggregate(prep.instance, classes)


def _polished_counts(classes, model, assignment, columns=None):
    y = counts_of(model, classes, assignment, len(assignment))
    if columns is None:
        columns = np.arange(model.n_y)
    counts = same_slots(model, y, columns, math.inf)
    assert counts is not None
    return counts


def _polished(prep, classes, model, assignment, columns=None):
    """The polished counts as households (topped up, as the solver turns them)."""
    return assignment_from_counts(
        prep, model, classes, _polished_counts(classes, model, assignment, columns)
    )


def _slot(prep, j, size, state):
    """Pledge ``j``'s slot for households of ``size``: of one frontline state where the pledge
    has quotas (without, only its capacity counts their persons)."""
    return j, size, state if prep.instance.pledges[j].quotas else None


def _slots(prep, assignment) -> Counter:
    households = prep.instance.households
    return Counter(
        _slot(prep, j, households[i].size, households[i].frontline_state)
        for i, j in enumerate(assignment)
        if j != UNPLACED
    )


def _count_slots(prep, classes, model, counts) -> Counter:
    slots = Counter()
    for k in np.flatnonzero(counts):
        c = classes[model.y_class[k]]
        slots[_slot(prep, int(model.y_pledge[k]), c.size, c.frontline_state)] += int(counts[k])
    return slots


def _within_slots_and_rows(prep, classes, model, counts, start) -> bool:
    """The counts fill no slot beyond the start's, and fit every row of the program."""
    limit = _slots(prep, start)
    activity = row_activity(model, full_vector(model, classes, counts))
    return all(limit[key] >= n for key, n in _count_slots(prep, classes, model, counts).items()) and bool(
        np.all(activity <= model.row_upper + 1e-9) and np.all(activity >= model.row_lower - 1e-9)
    )


def test_households_change_pledges_for_their_ties_and_better_ones_come_in():
    inst = instance(
        households=[
            household("H-1", family_ties=["FR"]),  # placed in DE, tied to FR
            household("H-2", family_ties=["DE"]),  # placed in FR, tied to DE
            household("H-3", waiting_days=300),  # unplaced, worth more than H-4
            household("H-4"),  # placed in DE, no tie
            household("H-5", size=2, waiting_days=900),  # unplaced: no slot of two persons
        ],
        pledges=[pledge("P-DE", state="DE", capacity=2), pledge("P-FR", state="FR", capacity=1)],
    )
    prep, classes, model = _program(inst)
    start = [0, 1, UNPLACED, 0, UNPLACED]
    polished = _polished(prep, classes, model, start)
    assert polished == [1, 0, 0, UNPLACED, UNPLACED]
    # 2 persons x family tie weight 3, and H-3's wait instead of H-4's none.
    gained = assignment_value(prep, polished) - assignment_value(prep, start)
    assert gained == pytest.approx(2 * 3 + 300 / 30 * prep.instance.weights.waiting_month)
    assert _slots(prep, polished) == _slots(prep, start)


def test_at_a_pledge_without_quotas_a_household_of_another_state_may_take_a_slot():
    inst = instance(
        households=[
            household("H-1", frontline_state="GR"),
            household("H-2", frontline_state="IT", family_ties=["DE"]),  # unplaced, tied to DE
        ],
        pledges=[pledge("P-DE", state="DE", capacity=1)],
    )
    prep, classes, model = _program(inst)
    assert _polished(prep, classes, model, [0, UNPLACED]) == [UNPLACED, 0]
    # With quotas each state's persons are held apart: no Italian household in a Greek slot.
    inst["pledges"][0]["quotas"] = {"GR": 1, "IT": 1}
    prep, classes, model = _program(inst)
    assert _polished(prep, classes, model, [0, UNPLACED]) == [0, UNPLACED]


def test_counts_outside_the_columns_given_stay_where_they_are():
    inst = instance(
        households=[household("H-1", family_ties=["FR"]), household("H-2", family_ties=["DE"])],
        pledges=[pledge("P-DE", state="DE", capacity=1), pledge("P-FR", state="FR", capacity=1)],
    )
    prep, classes, model = _program(inst)
    start = [0, 1]
    y = counts_of(model, classes, start, 2)
    held = np.flatnonzero(y > 0)  # only the counts the placement uses: nothing can move
    assert list(_polished(prep, classes, model, start, columns=held)) == start
    assert _polished(prep, classes, model, start) == [1, 0]


def test_no_time_left_gives_nothing():
    prep, classes, model = _program(generate_instance(60, seed=1))
    y = counts_of(model, classes, greedy(prep), len(prep.instance.households))
    assert same_slots(model, y, np.arange(model.n_y), time.perf_counter() - 1.0) is None


def test_a_polish_cut_short_keeps_the_household_sizes_it_finished(monkeypatch):
    # Two swaps between ties, one between single persons and one between couples: the program
    # falls apart by household size, and the clock ending after the first size's program keeps
    # that swap and leaves the couples where they were. Only couples may go to P-IT, so theirs
    # is the larger program, solved second.
    inst = instance(
        households=[
            household("H-1", family_ties=["FR"]),
            household("H-2", family_ties=["DE"]),
            household("H-3", size=2, composition="couple", family_ties=["FR"]),
            household("H-4", size=2, composition="couple", family_ties=["DE"]),
        ],
        pledges=[
            pledge("P-DE", state="DE", capacity=3),
            pledge("P-FR", state="FR", capacity=3),
            pledge("P-IT", state="IT", capacity=2, criteria={"compositions": ["couple"]}),
        ],
    )
    prep, classes, model = _program(inst)
    start = [0, 1, 0, 1]
    assert _polished(prep, classes, model, start) == [1, 0, 1, 0]  # with time: both swaps

    solved = []

    def one_program_in_time(*args):
        if solved:  # the clock has run out
            return None
        solved.append(args[2])
        return best_counts(*args)

    best_counts = slots_module._best_counts
    monkeypatch.setattr(slots_module, "_best_counts", one_program_in_time)
    y = counts_of(model, classes, start, len(start))
    counts = same_slots(model, y, np.arange(model.n_y), math.inf)
    couples = np.array([classes[c].size == 2 for c in model.y_class])
    assert np.array_equal(counts[couples], y[couples])  # the couples' counts as they were
    polished = assignment_from_counts(prep, model, classes, counts)
    assert polished == [1, 0, 0, 1]  # the single persons swapped, the couples not
    assert not feasibility_violations(prep.instance, polished)
    # Nothing solved at all: nothing to give.
    solved.append("the clock ran out before the first")
    assert same_slots(model, y, np.arange(model.n_y), math.inf) is None


def _best_with_the_same_slots(prep, start) -> float:
    """Brute force: the best placement whose slots are within the start's."""
    n, limit = len(start), _slots(prep, start)
    best = -math.inf
    options = [(UNPLACED, *prep.eligible[i]) for i in range(n)]
    for assignment in itertools.product(*options):
        used = _slots(prep, assignment)
        if all(used[key] <= limit[key] for key in used):
            best = max(best, assignment_value(prep, list(assignment)))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_the_polish_is_the_best_placement_with_the_same_slots(seed):
    rng = np.random.default_rng(seed)
    states = ["DE", "FR", "NL"]
    households = [
        household(
            f"H-{k}",
            size=int(rng.integers(1, 3)),
            frontline_state=str(rng.choice(["GR", "IT"])),
            family_ties=[str(rng.choice(states))] if rng.random() < 0.4 else [],
            cultural_ties=[str(rng.choice(states))] if rng.random() < 0.3 else [],
            waiting_days=int(rng.integers(0, 400)),
        )
        for k in range(7)
    ]
    pledges = [
        pledge(
            f"P-{s}", state=s, capacity=int(rng.integers(2, 5)),
            quotas={"GR": 2, "IT": 3} if s == "NL" else {},
        )
        for s in states
    ]
    prep, classes, model = _program(instance(households=households, pledges=pledges))
    start = greedy(prep)
    counts = _polished_counts(classes, model, start)
    assert _within_slots_and_rows(prep, classes, model, counts, start)
    value = float(model.cost @ full_vector(model, classes, counts))
    assert value == pytest.approx(_best_with_the_same_slots(prep, start))
    # As households (topped up where a slot was left empty): feasible, and no worse.
    polished = assignment_from_counts(prep, model, classes, counts)
    assert not feasibility_violations(prep.instance, polished)
    assert assignment_value(prep, polished) >= value - 1e-9


@pytest.mark.parametrize("shape", ["standard", "small-pledges", "large-families", "scarce"])
def test_the_polish_of_a_greedy_placement_keeps_its_slots_and_gains(shape):
    prep, classes, model = _program(parse_instance(generate_instance(600, seed=2, shape=shape)))
    start = greedy(prep)
    counts = _polished_counts(classes, model, start)
    assert _within_slots_and_rows(prep, classes, model, counts, start)
    polished = assignment_from_counts(prep, model, classes, counts)
    assert not feasibility_violations(prep.instance, polished)
    # Greedy sends each household to its best pledge with room in priority order, not the
    # households to the pledges of their ties: the polish finds better on every shape.
    assert assignment_value(prep, polished) > assignment_value(prep, start) + 1.0


def test_a_solve_the_clock_ended_polishes_its_last_placement(monkeypatch):
    # Every margin program reports the clock ran out at once: the solve ends timed out, with
    # the time kept for the polish still ahead.
    from matching.engine import solver as solver_module

    real = solver_module._run_program

    def margin_cut_short(*args, max_nodes=None, **options):  # the neighbourhoods are real
        if max_nodes is not None:
            return real(*args, max_nodes=max_nodes, **options)
        return solver_module.ProgramRun("Time limit reached", 0, True, False, False, False, math.inf)

    monkeypatch.setattr(solver_module, "_run_program", margin_cut_short)
    monkeypatch.setattr(solver_module, "CUTS_WAITED_FOR", math.inf)  # the short-limit path
    monkeypatch.setattr(solver_module, "pledge_blocks", lambda *args: [])  # nothing beside to wait for
    inst = parse_instance(generate_instance(2000, seed=3, shape="standard"))
    prep = prepare(inst)
    outcome = solver_module.solve_exact(prep, time_limit=10)
    steps = [entry["step"] for entry in outcome.log]
    assert outcome.timed_out and steps[-1] == "slots"
    polish = outcome.log[-1]
    before = max(e["value"] for e in outcome.log[:-1] if "value" in e)
    assert polish["solved"] and polish["value"] > before + 0.01  # 8,643.247 to 8,643.337
    assert assignment_value(prep, outcome.assignment) == pytest.approx(polish["value"])
    assert not feasibility_violations(inst, outcome.assignment)


def test_a_proven_solve_is_not_polished():
    prep = prepare(parse_instance(generate_instance(300, seed=1, shape="standard")))
    from matching.engine.solver import solve_exact

    outcome = solve_exact(prep, time_limit=60)
    assert not outcome.timed_out
    assert "slots" not in [entry["step"] for entry in outcome.log]
