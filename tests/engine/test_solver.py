"""The exact method against brute force, the greedy baseline, feasibility and determinism."""

import itertools
import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.engine import parse_instance, solve, solve_greedy
from matching.engine.eligibility import is_eligible
from matching.engine.generator import generate_instance
from matching.engine.greedy import greedy, priority_order, top_up
from matching.engine.instance import DEFAULT_WEIGHTS
from matching.engine.model import UNPLACED, Room, feasibility_violations, household_arrays, prepare
from matching.engine.result import objective_of
from matching.engine.scoring import scaled, usual_scale, value

from .builders import household, instance, pledge

codes = st.sampled_from


@st.composite
def small_instances(draw):
    n_pledges = draw(st.integers(1, 3))
    pledges = []
    for j in range(n_pledges):
        quotas = draw(
            st.one_of(
                st.just({}),
                st.dictionaries(codes(["GR", "IT"]), st.integers(0, 7), min_size=1),
            )
        )
        criteria = {}
        if draw(st.booleans()):
            criteria["nationalities"] = draw(st.lists(codes(["AF", "SY"]), max_size=2))
        if draw(st.booleans()):
            criteria["compositions"] = draw(
                st.lists(codes(["single_man", "couple", "family_with_children"]), max_size=2)
            )
        if draw(st.booleans()):
            criteria["max_household_size"] = draw(st.one_of(st.none(), st.integers(1, 4)))
        if draw(st.booleans()):
            criteria["excluded_vulnerabilities"] = draw(
                st.lists(codes(["serious_illness", "minor"]), max_size=1)
            )
        if draw(st.booleans()):
            criteria["languages"] = draw(st.lists(codes(["en", "fr"]), max_size=1))
        pledges.append(
            pledge(
                f"P-{j}",
                state=draw(codes(["DE", "FR", "PT"])),
                capacity=draw(st.integers(0, 9)),
                quotas=quotas,
                criteria=criteria,
            )
        )
    households = []
    for i in range(draw(st.integers(0, 6))):
        size = draw(st.integers(1, 5))
        households.append(
            household(
                f"H-{i}",
                frontline_state=draw(codes(["GR", "IT"])),
                size=size,
                vulnerable_members=draw(st.integers(0, size)),
                nationality=draw(codes(["AF", "SY", "IQ"])),
                composition=draw(codes(["single_man", "couple", "family_with_children"])),
                vulnerabilities=draw(st.lists(codes(["serious_illness", "minor"]), max_size=2)),
                languages=draw(st.lists(codes(["en", "fr", "fa"]), max_size=2)),
                family_ties=draw(st.lists(codes(["DE", "FR"]), max_size=1)),
                cultural_ties=draw(st.lists(codes(["DE", "FR", "PT"]), max_size=2)),
                waiting_days=draw(st.integers(0, 400)),
                excluded_states=draw(st.lists(codes(["DE", "FR"]), max_size=1)),
            )
        )
    weights = draw(
        st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {
                    k: st.sampled_from([0.0, 0.1, 1.0, 2.0, 3.0, 0.7, -0.5, -2.0])
                    for k in (
                        "person",
                        "vulnerable_member",
                        "family_tie",
                        "cultural_tie",
                        "waiting_month",
                    )
                }
            ),
        )
    )
    return parse_instance(instance(households, pledges, weights))


def brute_force(inst):
    """The optimum by trying every assignment (each household: out, or one eligible pledge)."""
    options = [[None] + [p for p in inst.pledges if is_eligible(h, p)] for h in inst.households]
    best = 0.0
    for choice in itertools.product(*options):
        used, used_quota, total = {}, {}, 0.0
        ok = True
        for h, p in zip(inst.households, choice, strict=True):
            if p is None:
                continue
            used[p.id] = used.get(p.id, 0) + h.size
            key = (p.id, h.frontline_state)
            used_quota[key] = used_quota.get(key, 0) + h.size
            if used[p.id] > p.capacity or (
                p.quotas and used_quota[key] > p.quotas[h.frontline_state]
            ):
                ok = False
                break
            total += value(h, p, inst.weights)
        if ok:
            best = max(best, total)
    return best


def assignment_indices(inst, result):
    by_id = {p.id: j for j, p in enumerate(inst.pledges)}
    chosen = result.assignment_map()
    return [by_id[chosen[h.id]] if h.id in chosen else -1 for h in inst.households]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_engine_is_optimal_feasible_and_never_below_greedy(inst):
    result = solve(inst)
    greedy = solve_greedy(inst)
    optimum = brute_force(inst)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum, rel=1e-9, abs=1e-9)
    assert result.objective >= greedy.objective - 1e-9
    assert result.bound >= result.objective
    assert result.bound <= optimum + 1e-6 * max(1.0, abs(optimum))
    assert not feasibility_violations(inst, assignment_indices(inst, result))
    assert not feasibility_violations(inst, assignment_indices(inst, greedy))
    assert result.objective == objective_of(inst, result.assignments)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(), st.sampled_from([1e-9, 1e-6, 1e-3, 1e3, 1e6, 1e9]))
def test_engine_is_optimal_whatever_the_scale_of_the_weights(inst, factor):
    # Solved at the usual scale where the weights times the factor lie outside it (most draws):
    # the placement, its objective counted with the weights given and the bound divided back
    # all match brute force.
    inst = scaled(inst, factor)
    result = solve(inst)
    optimum = brute_force(inst)
    tiny = 1e-9 * factor
    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum, rel=1e-9, abs=tiny)
    assert optimum - tiny <= result.bound <= optimum + 1e-6 * abs(optimum) + tiny
    assert not feasibility_violations(inst, assignment_indices(inst, result))


def _room_after(prep, assignment):
    """The places left once ``assignment``'s households are placed."""
    room = Room(prep.instance)
    for i, j in enumerate(assignment):
        if j != UNPLACED:
            room.take(i, j)
    return room


def _filled_by_hand(prep, assignment, room, order):
    """The greedy filling written plainly: each unplaced household of ``order`` to the eligible
    pledge with room where it is worth most, then with most places left, then the first."""
    for i in order:
        if assignment[i] != UNPLACED:
            continue
        choices = [
            (prep.base[i] + bonus, room.capacity[j], -j)
            for j, bonus in zip(prep.eligible[i], prep.bonus[i], strict=True)
            if prep.base[i] + bonus > 0 and room.fits(i, j)
        ]
        if choices:
            j = -max(choices)[2]
            assignment[i] = j
            room.take(i, j)
    return assignment


@pytest.mark.parametrize("shape, seed", [("standard", 1), ("small-pledges", 3), ("large-families", 2)])
def test_filling_places_every_household_as_the_plain_greedy_does(shape, seed):
    # It looks only at the pledges that fit each household when filling starts (places only
    # get fewer), from the household arrays: the same placements as the plain loop, from an
    # empty room (the greedy baseline) and topping up a placement with holes.
    prep = prepare(parse_instance(generate_instance(600, seed=seed, shape=shape)))
    first = greedy(prep)
    n = len(first)
    assert first == _filled_by_hand(prep, [UNPLACED] * n, Room(prep.instance), priority_order(prep))
    holes = [j if i % 3 else UNPLACED for i, j in enumerate(first)]
    topped = list(holes)
    top_up(prep, topped, _room_after(prep, holes))
    order = sorted(
        (i for i in range(n) if holes[i] == UNPLACED),
        key=lambda i: (-prep.base[i] - max(prep.bonus[i], default=0.0), prep.instance.households[i].id),
    )
    assert topped == _filled_by_hand(prep, list(holes), _room_after(prep, holes), order)
    assert topped != holes  # the holes were filled, at least in part


def test_the_household_arrays_hold_each_household_s_eligible_pledges_and_values():
    # Built once per distinct set of eligible pledges, the tie bonuses added for tied
    # households only: every row as the household's own tuples say.
    prep = prepare(parse_instance(generate_instance(600, seed=2, shape="small-pledges")))
    arrays = household_arrays(prep)
    assert any(h.family_ties or h.cultural_ties for h in prep.instance.households)
    for i, (pledges, bonus) in enumerate(zip(prep.eligible, prep.bonus, strict=True)):
        assert np.flatnonzero(arrays.eligible[i]).tolist() == list(pledges)
        assert arrays.value[i, list(pledges)].tolist() == [prep.base[i] + b for b in bonus]
        assert not arrays.value[i, ~arrays.eligible[i]].any()

def test_whole_households_capacity_and_quota_respected():
    inst = parse_instance(
        instance(
            [
                household("H-1", size=4, composition="family_with_children"),
                household("H-2", size=3, composition="family_with_children"),
                household("H-3", frontline_state="IT"),
                household("H-4", frontline_state="IT"),
            ],
            [pledge("P-1", capacity=5, quotas={"GR": 4, "IT": 1})],
        )
    )
    result = solve(inst)
    assert result.assignments == (("H-1", "P-1"), ("H-3", "P-1"))
    assert result.objective == pytest.approx(5.0)


def test_priorities_follow_the_weights():
    # One place: the vulnerable household, then family tie, then the longest wait wins.
    base = {"size": 1, "composition": "single_man"}
    inst = parse_instance(
        instance(
            [
                household("H-1", **base, waiting_days=600),
                household("H-2", **base, vulnerable_members=1),
                household("H-3", **base, family_ties=["DE"]),
            ],
            [pledge("P-1", capacity=1)],
        )
    )
    assert solve(inst).assignments == (("H-3", "P-1"),)  # tie 3.0 > vulnerable 2.0 > wait 2.0


def test_empty_instance_is_optimal_with_nothing_placed():
    inst = parse_instance(instance([], []))
    result = solve(inst)
    assert (result.status, result.objective, result.bound, result.assignments) == (
        "optimal",
        0.0,
        0.0,
        (),
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_instance_optimal_and_deterministic(seed):
    inst = parse_instance(generate_instance(1500, seed=seed))
    first = solve(inst)
    second = solve(inst)
    assert first.status == "optimal"
    assert first.assignments == second.assignments
    assert first.objective == second.objective
    assert not feasibility_violations(inst, assignment_indices(inst, first))
    greedy = solve_greedy(inst)
    assert greedy.objective < first.objective
    assert math.isclose(first.objective, objective_of(inst, first.assignments))


@pytest.mark.parametrize("factor", [1e-9, 1e-6, 1e6])
@pytest.mark.parametrize("seed", range(3))
def test_weights_of_any_scale_give_the_same_optimum_and_a_true_bound(seed, factor):
    # Small pledges with quotas and few places. With the default weights times 1e-6, seed 0's
    # bound was 0.005 % below its optimum (under a 10 s limit; without one it ran past 10 minutes):
    # its values were under the engine's absolute tolerances.
    shape = {"n_pledges": 10, "small_pledges": 0.5, "quota_share": 0.9, "coverage": 0.25}
    inst = parse_instance(generate_instance(300, seed=seed, shape=shape))
    usual = solve(inst)
    other = solve(scaled(inst, factor), time_limit=10)
    assert usual.status == other.status == "optimal"
    assert other.objective == pytest.approx(usual.objective * factor, rel=1e-7)
    assert other.bound >= usual.objective * factor * (1 - 1e-9)
    assert other.bound <= other.objective * (1 + 1e-6)


def test_values_are_scaled_exactly_and_only_outside_the_usual_range():
    inst = parse_instance(generate_instance(200, seed=4))
    assert usual_scale(inst) == 1.0  # the default weights: every value as given
    for factor in (1e-300, 1e-6, 1e-2, 1e3, 1e6, 1e300):
        other = scaled(inst, factor)
        scale = usual_scale(other)
        assert scale != 1.0 and math.frexp(scale)[0] == 0.5  # a power of two
        rescaled = scaled(other, scale)
        assert usual_scale(rescaled) == 1.0  # now inside the usual range
        for h in rescaled.households:
            for p in rescaled.pledges:
                assert value(h, p, rescaled.weights) == value(h, p, other.weights) * scale
    zero = parse_instance(instance(weights={k: 0.0 for k in DEFAULT_WEIGHTS}))
    assert usual_scale(zero) == 1.0  # nothing to scale
    assert usual_scale(parse_instance(instance([], []))) == 1.0


def test_no_weight_is_scaled_out_of_the_doubles_range():
    # No household waits, so the waiting weight counts for nothing in the average: scaled with
    # the others it would be infinite, and the bound NaN (0 * inf). Nothing is scaled.
    households = [household(f"H-{k}", size=k + 1, waiting_days=0) for k in range(3)]
    inst = parse_instance(instance(households, weights={"person": 1e-6, "waiting_month": 1e305}))
    assert usual_scale(inst) == 1.0
    result = solve(inst)
    assert result.status == "optimal" and math.isfinite(result.bound)
    assert result.bound == pytest.approx(result.objective) == pytest.approx(6e-6)


def test_time_limit_gives_feasible_result_with_honest_bound():
    inst = parse_instance(generate_instance(3000, seed=9))
    cut = solve(inst, time_limit=0.05)
    full = solve(inst)
    assert not feasibility_violations(inst, assignment_indices(inst, cut))
    assert cut.bound >= full.objective - 1e-6
    assert cut.status in ("feasible", "optimal")


@pytest.mark.parametrize("long_limit", [True, False])
def test_highs_restarts_its_programs_only_under_a_long_limit(monkeypatch, long_limit):
    # Under a short limit a restart's second root takes the time the search needs (see
    # solver.RESTARTS_FROM), and HiGHS keeps a small cut pool (SHORT_LIMIT_POOL_ROWS); with a
    # long limit, or none, restarts pay and the pool is HiGHS's own. Either way the programs
    # end solved: a solve not cut short is proven optimal.
    from matching.engine import solver as solver_module
    from matching.engine.model import prepare

    monkeypatch.setattr(solver_module, "CUTS_WAITED_FOR", math.inf)  # the short-limit path
    monkeypatch.setattr(solver_module, "RESTARTS_FROM", 0.0 if long_limit else math.inf)
    monkeypatch.setattr(solver_module, "START_TAU_REL", 1e-12)  # margin programs, not the LP alone
    seen = []
    real = solver_module.new_highs

    def spy(time_limit=None, **options):
        h = real(time_limit, **options)
        if "mip_allow_restart" in options:  # the programs, as HiGHS holds their options
            _, restarts = h.getOptionValue("mip_allow_restart")
            _, pool = h.getOptionValue("mip_pool_soft_limit")
            seen.append((restarts, pool))
        return h

    monkeypatch.setattr(solver_module, "new_highs", spy)
    inst = parse_instance(generate_instance(400, seed=3, shape="small-pledges", n_pledges=8))
    outcome = solver_module.solve_exact(prepare(inst), time_limit=30)
    assert not outcome.timed_out
    _, highs_pool = real().getOptionValue("mip_pool_soft_limit")  # HiGHS's own
    pool = highs_pool if long_limit else solver_module.SHORT_LIMIT_POOL_ROWS
    assert seen and set(seen) == {(long_limit, pool)}


def test_an_option_highs_does_not_know_is_refused_not_ignored():
    from matching.engine.highs import new_highs

    with pytest.raises(RuntimeError, match="mip_pool_soft_limitt"):
        new_highs(mip_pool_soft_limitt=100)


@pytest.mark.parametrize("lp_ends_at, after_dive", [(None, None), (0.8, None), (0.68, 0.8)])
def test_the_dive_stops_at_a_share_of_the_time_left_or_in_time_for_what_follows_it(
    monkeypatch, lp_ends_at, after_dive
):
    # Its counts must still be turned into households, repacked and exchanged once after it
    # (a dive that ran to the deadline took a solve past its limit; where pledges are small the
    # first exchange gains far more than the dive): a reserve, or longer where the eligible
    # pairs are many. Where the LP ended late the repacking and the exchange gain more from the
    # time than the dive (many-pledges 30 of the outside generator). The knapsack bound before
    # the dive stops in time for the same.
    import time as clock

    from matching.engine import solver as solver_module
    from matching.engine.model import prepare

    limit = 4.0
    reserve = 0.4  # a tenth of the limit, at most 3 s
    # No time kept for the last placement's polish: the deadline is the limit less the reserve.
    monkeypatch.setattr(solver_module, "POLISH_SHARE", 0.0)
    inst = parse_instance(generate_instance(300, seed=2, shape="small-pledges"))
    prep = prepare(inst)
    if after_dive is not None:  # so many pairs that what follows the dive takes this long
        pairs = sum(map(len, prep.eligible))
        monkeypatch.setattr(solver_module, "EXCHANGE_SECONDS_PER_PAIR", after_dive / pairs)
        monkeypatch.setattr(solver_module, "FIRST_INCUMBENT_SECONDS_PER_HOUSEHOLD", 1.0)
    after = reserve if after_dive is None else after_dive
    started = clock.perf_counter()
    deadline = started + limit - reserve
    real_lp, real_dive = solver_module.solve_lp, solver_module.dive_near_lp
    real_bound = solver_module.knapsack_bound
    given, bound_given = [], []

    def late_lp(model, seconds):
        if lp_ends_at is not None:  # the LP ends only then, as on a slow machine
            clock.sleep(max(0.0, started + lp_ends_at * limit - clock.perf_counter()))
        return real_lp(model, None if seconds is None else deadline - clock.perf_counter())

    def spy(model, lp, reduced, dive_deadline, evaluate):
        given.append((clock.perf_counter(), dive_deadline))
        return real_dive(model, lp, reduced, dive_deadline, evaluate)

    def bound_spy(model, pledges, prices, bound_deadline):
        bound_given.append(bound_deadline)
        return real_bound(model, pledges, prices, bound_deadline)

    monkeypatch.setattr(solver_module, "solve_lp", late_lp)
    monkeypatch.setattr(solver_module, "dive_near_lp", spy)
    monkeypatch.setattr(solver_module, "knapsack_bound", bound_spy)
    solver_module.solve_exact(prep, time_limit=limit, started=started)
    [(called, dive_deadline)] = given
    share_left = called + solver_module.DIVE_SHARE * (deadline - called)
    assert dive_deadline == pytest.approx(min(deadline - after, share_left), abs=0.01)
    assert bound_given == [pytest.approx(deadline - after, abs=1e-9)]
    if lp_ends_at is None:  # the LP ends at once: a quarter of the time left is the sooner
        assert dive_deadline < deadline - reserve - 0.1
    elif after_dive is None:  # at 3.2 s of 3.6: a quarter of the time left is past 3.6 - 0.4 s
        assert dive_deadline == pytest.approx(deadline - reserve, abs=1e-9)
    else:  # at 2.72 s of 3.6: a quarter of the time left (2.94 s) is past 3.6 - 0.8 s
        assert dive_deadline == pytest.approx(deadline - after_dive, abs=1e-9)


def test_the_first_incumbents_time_is_counted_per_pair_and_held_per_household(monkeypatch):
    # Per eligible pair at 10,000 households (many small pledges: many pairs, a slow
    # exchange); per pair it overshoots where pairs are millions, so it is held per household.
    from matching.engine import solver as solver_module
    from matching.engine.model import prepare

    prep = prepare(parse_instance(generate_instance(300, seed=2, shape="small-pledges")))
    pairs, households = sum(map(len, prep.eligible)), len(prep.instance.households)
    assert pairs > 2 * households  # several pledges per household
    monkeypatch.setattr(solver_module, "EXCHANGE_SECONDS_PER_PAIR", 1e-3)
    monkeypatch.setattr(solver_module, "FIRST_INCUMBENT_SECONDS_PER_HOUSEHOLD", 1.0)
    assert solver_module.first_incumbent_seconds(pairs, households, 0.0) == pytest.approx(1e-3 * pairs)
    monkeypatch.setattr(solver_module, "FIRST_INCUMBENT_SECONDS_PER_HOUSEHOLD", 2e-3)
    assert solver_module.first_incumbent_seconds(pairs, households, 0.0) == pytest.approx(2e-3 * households)
    assert solver_module.first_incumbent_seconds(pairs, households, 10.0) == 10.0  # the reserve, if longer


@pytest.mark.parametrize(
    "shape, seed, limit, knapsack_pledges",
    [("small-pledges", 3, 6.0, True), ("standard", 1, 4.0, False)],
)
def test_pledge_blocks_beside_a_margin_program_cut_short_are_read(
    monkeypatch, shape, seed, limit, knapsack_pledges
):
    # Under a short limit the other core searches pledge blocks: where pledges are priced as
    # knapsacks, once column generation has ended; where none is and the program is too wide
    # for the cut search, at once. When the margin program in the main thread is cut short by
    # the clock (here: it only waits for the deadline), their placements count.
    import threading
    import time as clock

    from matching.engine import solver as solver_module
    from matching.engine.model import prepare

    real = solver_module._run_program
    deadline = []

    def margin_cut_short(*args, max_nodes=None, **options):  # the neighbourhoods are real
        if max_nodes is not None or threading.current_thread() is not threading.main_thread():
            return real(*args, max_nodes=max_nodes, **options)
        clock.sleep(max(0.0, deadline[0] - clock.perf_counter()))
        return solver_module.ProgramRun("Time limit reached", 0, True, False, False, False, math.inf)

    monkeypatch.setattr(solver_module, "_run_program", margin_cut_short)
    monkeypatch.setattr(solver_module, "CUTS_WAITED_FOR", math.inf)  # the short-limit path
    monkeypatch.setattr(solver_module, "CUT_SEARCH_COLUMNS", 0)  # every program too wide for it
    monkeypatch.setattr(solver_module, "POLISH_SHARE", 0.0)  # no time kept for the polish
    inst = parse_instance(generate_instance(2000, seed=seed, shape=shape))
    prep = prepare(inst)
    started = clock.perf_counter()
    deadline.append(started + 0.9 * limit)  # the solver's own: the limit less its reserve
    outcome = solver_module.solve_exact(prep, time_limit=limit, started=started)
    steps = [entry["step"] for entry in outcome.log]
    assert ("column-generation" in steps) == knapsack_pledges
    assert "pledge-block-beside" in steps
    found = max(e["value"] for e in outcome.log if e["step"] == "pledge-block-beside")
    placed = sum(prep.value(i, j) for i, j in enumerate(outcome.assignment) if j >= 0)
    assert outcome.timed_out and not feasibility_violations(inst, outcome.assignment)
    assert placed >= found - 1e-6


def test_the_main_search_and_the_blocks_beside_search_each_block_once(monkeypatch):
    # No margin program fits the time left, so the main search searches pledge blocks while the
    # blocks beside it do too, from the same incumbent: each block is searched once, by one.
    import threading

    from matching.engine import solver as solver_module
    from matching.engine.model import prepare

    real = solver_module._run_program
    searched = []

    def recording(model, classes, prep, lower, upper, row_lower, best_y, *args, **options):
        blocks = options.get("master") is None and options.get("max_nodes") is None
        if blocks:  # no margin program fits (below), so the blocks, searched in both threads
            searched.append((lower.tobytes(), upper.tobytes(), np.asarray(best_y).tobytes()))
        return real(model, classes, prep, lower, upper, row_lower, best_y, *args, **options)

    # The search beside starts at once and could take every block while the main search is
    # still in its small programs (it did under load): it waits until the main one has its
    # blocks too, so that both search them, taking turns.
    real_blocks = solver_module.pledge_blocks
    main_has_blocks = threading.Event()

    def both_search_blocks(*args):
        if threading.current_thread() is threading.main_thread():
            main_has_blocks.set()
        else:
            main_has_blocks.wait(timeout=3.0)  # the solve's limit
        return real_blocks(*args)

    monkeypatch.setattr(solver_module, "_run_program", recording)
    monkeypatch.setattr(solver_module, "pledge_blocks", both_search_blocks)
    monkeypatch.setattr(solver_module, "CUTS_WAITED_FOR", math.inf)  # the short-limit path
    monkeypatch.setattr(solver_module, "CUT_SEARCH_COLUMNS", 0)  # the blocks beside at once
    monkeypatch.setattr(solver_module.Margins, "bounds_that_fit", lambda self, fits: None)
    inst = parse_instance(generate_instance(2000, seed=1, shape="standard"))
    outcome = solver_module.solve_exact(prepare(inst), time_limit=3.0)
    steps = [entry["step"] for entry in outcome.log]
    assert "pledge-block" in steps and "pledge-block-beside" in steps
    assert searched and len(searched) == len(set(searched))
    assert not feasibility_violations(inst, outcome.assignment)


def test_an_lp_that_ends_past_the_deadline_still_gives_a_feasible_placement(monkeypatch):
    # A slow machine: the LP ends after the deadline. The engine then skips what it has no
    # time for (the knapsack bound, the dive's rounds, the searches beside) and returns a
    # placement from the LP's counts.
    import time as clock

    from matching.engine import solver as solver_module
    from matching.engine.model import prepare

    real = solver_module.solve_lp

    def slow_lp(model, seconds):
        found = real(model, seconds)
        clock.sleep(1.0)
        return found

    monkeypatch.setattr(solver_module, "solve_lp", slow_lp)
    inst = parse_instance(generate_instance(300, seed=2, shape="small-pledges"))
    prep = prepare(inst)
    outcome = solver_module.solve_exact(prep, time_limit=0.5)
    placed = sum(prep.value(i, j) for i, j in enumerate(outcome.assignment) if j >= 0)
    assert outcome.log[0]["knapsack_bound"] == math.inf
    assert not feasibility_violations(inst, outcome.assignment)
    assert outcome.bound >= placed > 0


@pytest.mark.parametrize("seconds_per_pair", [0.0, 1e-2])
def test_the_lp_leaves_time_to_turn_its_counts_into_households(monkeypatch, seconds_per_pair):
    # Beyond the reserve, the LP gets less time where many eligible (household, pledge) pairs
    # make the turning of counts into households long (600 pledges: the solve ran past the
    # limit); where they are few it gets all the time left.
    import time as clock

    from matching.engine import solver as solver_module
    from matching.engine.model import prepare

    monkeypatch.setattr(solver_module, "CONVERSION_SECONDS_PER_PAIR", seconds_per_pair)
    real, given = solver_module.solve_lp, []

    def spy(model, seconds):
        given.append((clock.perf_counter(), seconds))
        return real(model, seconds)

    monkeypatch.setattr(solver_module, "solve_lp", spy)
    inst = parse_instance(generate_instance(300, seed=2, shape="small-pledges"))
    prep = prepare(inst)
    pairs = sum(map(len, prep.eligible))
    limit, started = 20.0, clock.perf_counter()
    outcome = solver_module.solve_exact(prep, time_limit=limit, started=started)
    [(called, seconds)] = given
    left = started + limit - 2.0 - called  # the reserve: a tenth of the limit
    charged = max(0.0, seconds_per_pair * pairs - 2.0)
    assert seconds == pytest.approx(left - charged, abs=0.05)
    if seconds_per_pair:  # thousands of pairs at 10 ms: the LP is to stop at once
        assert charged > limit and seconds < 0
    assert not feasibility_violations(inst, outcome.assignment)


@pytest.mark.parametrize("sifted", [False, True])
def test_the_disagreement_program_follows_the_rounding_cuts_where_they_started_after_the_lp(
    monkeypatch, sifted
):
    # Not sifted, the rounding cuts start right after the LP and are ready after the rounding
    # neighbourhood: the disagreement program then starts from what their own neighbourhood
    # found. Sifted, they start only after the first incumbent, and the main search does not
    # wait for them before the disagreement program.
    from matching.engine import lp as lp_module
    from matching.engine import solver as solver_module
    from matching.engine.model import prepare

    monkeypatch.setattr(solver_module, "CUTS_WAITED_FOR", math.inf)  # the short-limit path
    monkeypatch.setattr(solver_module, "CUT_SEARCH_COLUMNS", 0)  # the rounding cuts beside
    if sifted:
        monkeypatch.setattr(lp_module, "SIFTED_FROM_COUNTS_PER_CLASS", 0)
    inst = parse_instance(generate_instance(600, seed=4, shape="small-pledges", n_pledges=12))
    outcome = solver_module.solve_exact(prepare(inst), time_limit=30)
    steps = [entry["step"] for entry in outcome.log]
    assert (outcome.log[0]["lp_rounds"] > 0) is sifted
    assert "rounding-cuts" in steps and "disagreement" in steps
    cuts_first = steps.index("rounding-cuts") < steps.index("disagreement")
    assert cuts_first is not sifted


@pytest.mark.parametrize("sifted", [False, True])
def test_column_generation_waits_for_the_rounding_cuts_where_the_lp_was_sifted(monkeypatch, sifted):
    # Sifted, both start after the first incumbent, on the other core, and column generation
    # waits for the cuts (the main search waits for them); not sifted, the cuts started right
    # after the LP and generation does not wait for what is left of them.
    from matching.engine import lp as lp_module
    from matching.engine import solver as solver_module
    from matching.engine.model import prepare

    monkeypatch.setattr(solver_module, "CUTS_WAITED_FOR", math.inf)  # the short-limit path
    monkeypatch.setattr(solver_module, "CUT_SEARCH_COLUMNS", 0)  # the rounding cuts beside
    if sifted:
        monkeypatch.setattr(lp_module, "SIFTED_FROM_COUNTS_PER_CLASS", 0)
    events = []
    real_cuts, real_prices = solver_module.lp_with_cuts, solver_module.improve_prices

    def cuts(*args, **options):
        found = real_cuts(*args, **options)
        time.sleep(1.0)  # still going when the first incumbent is there, even not sifted
        events.append("cuts ended")
        return found

    def prices(*args, **options):
        events.append("generation started")
        return real_prices(*args, **options)

    monkeypatch.setattr(solver_module, "lp_with_cuts", cuts)
    monkeypatch.setattr(solver_module, "improve_prices", prices)
    inst = parse_instance(generate_instance(600, seed=4, shape="small-pledges", n_pledges=12))
    outcome = solver_module.solve_exact(prepare(inst), time_limit=30)
    assert (outcome.log[0]["lp_rounds"] > 0) is sifted
    assert sorted(events) == ["cuts ended", "generation started"]
    assert (events[0] == "cuts ended") is sifted
    assert not feasibility_violations(inst, outcome.assignment)
