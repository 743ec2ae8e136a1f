"""The engine on varied shapes: tiny pledges, one frontline state, very large families,
extreme weights, strict criteria, places far above or below demand.

Small instances are checked against an exhaustive search, mid-size ones against the naive
model (one binary per pair) solved exactly by HiGHS.
"""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.engine import parse_instance, solve, solve_greedy
from matching.engine import repack as repack_module
from matching.engine.aggregate import build_aggregate, reachable, sumset
from matching.engine.benchmark import run_in_subprocess
from matching.engine.classes import build_classes
from matching.engine.eligibility import is_eligible
from matching.engine.generator import SHAPES, generate_instance
from matching.engine.greedy import greedy, top_up
from matching.engine.instance import MAX_HOUSEHOLD_SIZE
from matching.engine.model import UNPLACED, feasibility_violations, prepare
from matching.engine.naive import solve_naive
from matching.engine.repack import eligible_lists, exchange, repack_all
from matching.engine.result import objective_of
from matching.engine.scoring import value

from .builders import household, instance, pledge

FRONTS = ["GR", "IT", "ES"]
STATES = ["DE", "FR", "PT", "NL"]


@st.composite
def shaped_instances(draw):
    """Each dimension drawn from its extremes as well as from ordinary values."""
    fronts = draw(st.sampled_from([["GR"], FRONTS[:2], FRONTS]))
    capacity = draw(st.sampled_from([(0, 3), (1, 6), (5, 12), (20, 40)]))
    sizes = draw(st.sampled_from([(1, 2), (1, 5), (4, 12)]))
    strict = draw(st.sampled_from([0.0, 0.3, 0.9]))
    quota_share = draw(st.sampled_from([0.0, 0.5, 1.0]))
    n_pledges = draw(st.integers(1, 4))
    pledges = []
    for j in range(n_pledges):
        cap = draw(st.integers(*capacity))
        quotas = {}
        if draw(st.floats(0, 1)) < quota_share:
            named = draw(st.lists(st.sampled_from(fronts), min_size=1, unique=True))
            quotas = {f: draw(st.integers(0, max(1, cap))) for f in named}
        criteria = {}
        if draw(st.floats(0, 1)) < strict:
            criteria["nationalities"] = draw(st.lists(st.sampled_from(["AF", "SY"]), max_size=2))
        if draw(st.floats(0, 1)) < strict:
            criteria["max_household_size"] = draw(st.integers(1, sizes[1]))
        if draw(st.floats(0, 1)) < strict:
            criteria["excluded_vulnerabilities"] = ["serious_illness"]
        if draw(st.floats(0, 1)) < strict:
            criteria["languages"] = draw(st.lists(st.sampled_from(["en", "fr"]), max_size=1))
        pledges.append(
            pledge(
                f"P-{j}",
                state=draw(st.sampled_from(STATES)),
                capacity=cap,
                quotas=quotas,
                criteria=criteria,
            )
        )
    households = []
    for i in range(draw(st.integers(0, 6))):
        size = draw(st.integers(*sizes))
        households.append(
            household(
                f"H-{i}",
                frontline_state=draw(st.sampled_from(fronts)),
                size=size,
                vulnerable_members=draw(st.integers(0, size)),
                nationality=draw(st.sampled_from(["AF", "SY", "IQ"])),
                composition="family_with_children" if size > 2 else "couple",
                vulnerabilities=draw(st.lists(st.sampled_from(["serious_illness"]), max_size=1)),
                languages=draw(st.lists(st.sampled_from(["en", "fr", "fa"]), max_size=2)),
                family_ties=draw(st.lists(st.sampled_from(STATES), max_size=1)),
                cultural_ties=draw(st.lists(st.sampled_from(STATES), max_size=2)),
                waiting_days=draw(st.integers(0, 900)),
                excluded_states=draw(st.lists(st.sampled_from(STATES), max_size=1)),
            )
        )
    extreme = st.sampled_from([0.0, 1e-4, 0.5, 1.0, 7.0, 1e4, -1.0])
    weights = draw(
        st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {
                    k: extreme
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


def exhaustive_optimum(inst) -> float:
    """Depth-first search over every household's choice (out, or a pledge with room)."""
    hs = inst.households
    options = [[p for p in inst.pledges if is_eligible(h, p)] for h in hs]
    cap = {p.id: p.capacity for p in inst.pledges}
    quota = {(p.id, s): q for p in inst.pledges for s, q in p.quotas.items()}
    best = 0.0

    def search(k: int, total: float) -> None:
        nonlocal best
        if k == len(hs):
            best = max(best, total)
            return
        search(k + 1, total)
        h = hs[k]
        for p in options[k]:
            key = (p.id, h.frontline_state)
            if cap[p.id] < h.size or (p.quotas and quota.get(key, 0) < h.size):
                continue
            cap[p.id] -= h.size
            if p.quotas:
                quota[key] -= h.size
            search(k + 1, total + value(h, p, inst.weights))
            cap[p.id] += h.size
            if p.quotas:
                quota[key] += h.size

    search(0, 0.0)
    return best


def indices(inst, result):
    by_id = {p.id: j for j, p in enumerate(inst.pledges)}
    chosen = result.assignment_map()
    return [by_id[chosen[h.id]] if h.id in chosen else UNPLACED for h in inst.households]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shaped_instances())
def test_engine_matches_exhaustive_search_on_varied_shapes(inst):
    result = solve(inst)
    optimum = exhaustive_optimum(inst)
    tolerance = 1e-9 * max(1.0, abs(optimum))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum, rel=1e-9, abs=1e-9)
    assert result.objective >= solve_greedy(inst).objective - tolerance
    assert optimum - tolerance <= result.bound <= optimum + 1e-6 * max(1.0, abs(optimum))
    assert not feasibility_violations(inst, indices(inst, result))
    assert result.objective == objective_of(inst, result.assignments)


@pytest.mark.parametrize(
    "shape", ["small-pledges", "strict", "few-big", "one-front", "large-families", "scarce"]
)
def test_mid_size_shapes_equal_the_naive_model_solved_exactly(shape):
    inst = parse_instance(generate_instance(300, seed=7, shape=shape))
    result = solve(inst, time_limit=60)
    prep = prepare(inst)
    assignment, naive_bound, naive_optimal, _ = solve_naive(prep, time_limit=60, mip_rel_gap=1e-9)
    naive_objective = math.fsum(
        prep.value(i, j) for i, j in enumerate(assignment) if j != UNPLACED
    )
    assert naive_optimal
    assert result.status == "optimal"
    assert result.objective == pytest.approx(naive_objective, rel=1e-8)
    assert result.bound >= naive_objective - 1e-6
    assert not feasibility_violations(inst, indices(inst, result))


def test_shape_with_places_above_demand_places_every_eligible_household():
    inst = parse_instance(generate_instance(400, seed=3, shape="plenty", n_pledges=1))
    (p,) = inst.pledges
    eligible = [h for h in inst.households if is_eligible(h, p)]
    assume_room = sum(h.size for h in eligible) <= p.capacity and not p.quotas
    result = solve(inst)
    assert result.status == "optimal"
    if assume_room:
        assert len(result.assignments) == len(eligible)


def test_time_limit_on_small_pledges_is_honest():
    inst = parse_instance(generate_instance(300, seed=7, shape="small-pledges"))
    cut = solve(inst, time_limit=0.05)
    full = solve(inst, time_limit=120)
    assert full.status == "optimal"
    assert not feasibility_violations(inst, indices(inst, cut))
    assert cut.bound >= full.objective - 1e-6
    assert cut.objective <= full.objective + 1e-6


# --- the pieces ----------------------------------------------------------------------------


def test_reachable_and_sumset():
    assert reachable({2: 5}, 7) == 0b1010101  # 0, 2, 4, 6
    assert reachable({3: 1, 5: 1}, 10) == (1 | 1 << 3 | 1 << 5 | 1 << 8)
    assert reachable({4: 3}, 3) == 1
    assert sumset(0b101, 0b11, 10) == 0b1111
    assert sumset(0b111, 0b1111, 4) == 0b11111  # two intervals, capped


def test_places_households_cannot_fill_are_taken_out_of_the_rows():
    # Quota of 3 persons from GR open only to couples; capacity 7 with an IT quota of 5
    # open to families of 4: at most 2 + 4 = 6 persons can ever be placed.
    inst = parse_instance(
        instance(
            [household(f"H-{i}", size=2, composition="couple") for i in range(3)]
            + [
                household(f"H-F{i}", size=4, frontline_state="IT", composition="couple")
                for i in range(2)
            ],
            [pledge("P-1", capacity=7, quotas={"GR": 3, "IT": 5})],
        )
    )
    prep = prepare(inst)
    model = build_aggregate(inst, build_classes(prep))
    n_classes = len(model.classes)
    assert list(model.row_upper[n_classes:]) == [6.0, 2.0, 4.0]  # capacity, GR, IT
    assert solve(inst).objective == pytest.approx(6.0)


@pytest.mark.parametrize("largest", [4, MAX_HOUSEHOLD_SIZE])
def test_rows_are_lowered_alike_whether_persons_are_counted_densely_or_by_sorting(largest):
    """The rows' persons are counted per (row, household size): by an array over every
    possible pair where sizes are small, by sorting where the largest household makes that
    array long against the columns (aggregate._totals_by_key). Both lower the rows alike."""
    households = [
        household("H-0", size=largest),
        household("H-1", size=3),
        household("H-2", size=2, frontline_state="IT"),
    ]
    quotas = {"GR": 4, "IT": 2}
    inst = parse_instance(instance(households, [pledge("P-1", capacity=6, quotas=quotas)]))
    model = build_aggregate(inst, build_classes(prepare(inst)))
    n_classes = len(model.classes)
    # The GR quota of 4 takes the household of 4, or of 3 where the largest does not fit; the
    # IT quota its 2; the capacity of 6 what those sum to.
    rows = list(model.row_upper[n_classes:])  # capacity, GR, IT
    assert rows == ([6.0, 4.0, 2.0] if largest == 4 else [5.0, 3.0, 2.0])


def test_places_beyond_all_the_persons_change_nothing():
    """A capacity or quota above all the households' persons ("unlimited" written as 10**20,
    which fits no array) is solved as the persons there are (model.within_persons)."""
    households = [household(f"H-{i}", size=1 + i % 4) for i in range(12)]
    persons = sum(h["size"] for h in households)

    def solved(capacity, quota):
        pledges = [pledge("P-1", capacity=capacity, quotas={"GR": quota}), pledge("P-2", capacity=5)]
        return solve(parse_instance(instance(households, pledges)), time_limit=20)

    unlimited, as_many = solved(10**20, 10**30), solved(persons, persons)
    assert unlimited.status == "optimal" and unlimited.objective == as_many.objective
    assert unlimited.assignment_map() == as_many.assignment_map()
    assert len(unlimited.assignments) == 12  # every household placed


def test_repack_fills_the_holes_rounding_leaves():
    # A family of 4 in a pledge of 7 leaves 3 places; repacking finds the best fill.
    inst = parse_instance(
        instance(
            [
                household("H-1", size=4, composition="family_with_children"),
                household("H-2", size=3, composition="family_with_children"),
                household("H-3", size=2, composition="couple"),
                household("H-4", size=2, composition="couple", vulnerable_members=1),
                household("H-5", size=1),
            ],
            [pledge("P-1", capacity=7)],
        )
    )
    prep = prepare(inst)
    assignment = [0, UNPLACED, UNPLACED, UNPLACED, UNPLACED]
    assert repack_all(prep, assignment, eligible_lists(prep))
    assert not feasibility_violations(inst, assignment)
    placed = sum(prep.value(i, j) for i, j in enumerate(assignment) if j != UNPLACED)
    assert placed == pytest.approx(solve(inst).objective)
    assert placed == pytest.approx(9.0)  # 7 persons, one vulnerable member (weight 2)


def test_a_large_pledge_is_repacked_over_its_least_valuable_households():
    # 301 places, quotas GR 200 and IT 101. GR is full of couples; IT holds 50 couples (one
    # place left). Unplaced: a vulnerable IT family of 3 and a single IT man. The window
    # releases IT couples, so the family (worth 7) takes a couple's places and the hole (the
    # man does not fit beside it); the GR households, outside the window, stay.
    couples = [
        household(f"H-GR-{k:03d}", size=2, composition="couple", waiting_days=k) for k in range(100)
    ] + [
        household(f"H-IT-{k:03d}", size=2, composition="couple", frontline_state="IT")
        for k in range(50)
    ]
    extra = [
        household("H-FAM", size=3, composition="family_with_children", frontline_state="IT",
                  vulnerable_members=2),
        household("H-ONE", size=1, frontline_state="IT"),
    ]
    inst = parse_instance(
        instance(couples + extra, [pledge("P-1", capacity=301, quotas={"GR": 200, "IT": 101})])
    )
    prep = prepare(inst)
    assignment = [0] * len(couples) + [UNPLACED, UNPLACED]
    before = sum(prep.value(i, 0) for i in range(len(couples)))
    assert repack_all(prep, assignment, eligible_lists(prep))
    assert not feasibility_violations(inst, assignment)
    assert assignment[:100] == [0] * 100
    assert assignment[-2:] == [0, UNPLACED]
    after = sum(prep.value(i, j) for i, j in enumerate(assignment) if j != UNPLACED)
    assert after == pytest.approx(before + 7 - 2)
    assert after == pytest.approx(solve(inst).objective)


def test_exchange_moves_a_household_to_a_small_pledge_and_refills_its_place():
    # H-A sits in the big French pledge; the small German one (Afghans only) has a place that
    # only H-A can use, and H-B (Syrian) can take H-A's place in France.
    inst = parse_instance(
        instance(
            [
                household("H-A", size=4, composition="family_with_children", family_ties=["DE"]),
                household("H-B", size=4, composition="family_with_children", nationality="SY"),
            ],
            [
                pledge("P-FR", state="FR", capacity=4),
                pledge("P-DE", state="DE", capacity=4, criteria={"nationalities": ["AF"]}),
            ],
        )
    )
    prep = prepare(inst)
    start = [0, UNPLACED]
    repack_all(prep, start, eligible_lists(prep))
    assert start == [0, UNPLACED]  # repacking alone cannot see it
    moved = exchange(prep, start, eligible_lists(prep), lambda i, q: 1.0 * 4)
    assert moved == [1, 0]
    assert not feasibility_violations(inst, moved)
    value = sum(prep.value(i, j) for i, j in enumerate(moved) if j != UNPLACED)
    assert value == pytest.approx(solve(inst).objective) == pytest.approx(20.0)


def test_a_large_pledge_with_places_left_takes_a_household_placed_elsewhere():
    # The Irish pledge (301 places) holds 149 Greek couples (its Greek quota has one place
    # left, which no couple fits); its Maltese quota of 2 is empty.
    # Only H-TIE (Maltese, family in Ireland) could fill it, and it sits in the small French
    # pledge, which H-OTHER (Syrian, not eligible in Ireland) can take over. Repacking from
    # the unplaced households cannot see it; the exchange lets the large pledge, which has
    # places left, take H-TIE over its window, and the French pledge takes H-OTHER.
    greek = [household(f"H-GR-{k:03d}", size=2, composition="couple") for k in range(149)]
    maltese = [
        household("H-TIE", size=2, composition="couple", frontline_state="MT", family_ties=["IE"]),
        household("H-OTHER", size=2, composition="couple", frontline_state="MT", nationality="SY"),
    ]
    inst = parse_instance(
        instance(
            greek + maltese,
            [
                pledge("P-IE", state="IE", capacity=301, quotas={"GR": 299, "MT": 2},
                       criteria={"nationalities": ["AF"]}),
                pledge("P-FR", state="FR", capacity=2, quotas={"MT": 2}),
            ],
        )
    )
    prep = prepare(inst)
    start = [0] * len(greek) + [1, UNPLACED]
    repack_all(prep, start, eligible_lists(prep))
    assert start[-2:] == [1, UNPLACED]  # repacking alone cannot see it
    moved = exchange(prep, start, eligible_lists(prep), lambda i, q: 2.0)  # 1 per person
    assert moved == [0] * len(greek) + [0, 1]
    assert not feasibility_violations(inst, moved)
    value = sum(prep.value(i, j) for i, j in enumerate(moved) if j != UNPLACED)
    assert value == pytest.approx(solve(inst).objective) == pytest.approx(298 + 8 + 2)


def _repack_everything(prep, assignment, eligible_for, passes=3):
    """Repacking as it was before pledges were marked stale: every pledge with room, every
    pass, until a pass changes nothing."""
    state = repack_module._Placement(prep, assignment)
    for _ in range(passes):
        changed = False
        for j in range(len(prep.instance.pledges)):
            if state.has_room(j, eligible_for[j]):
                changed |= repack_module.repack(state, j, eligible_for[j])
        if not changed:
            break
    assignment[:] = state.pledge.tolist()


@pytest.mark.parametrize(
    ("households", "seed", "shape"),
    [(600, 3, "small-pledges"), (1500, 1, "small-pledges"), (1500, 1, "standard")],
)
def test_repacking_only_stale_pledges_makes_the_same_choices(households, seed, shape):
    # Greedy placement with every seventh household taken out leaves holes in most pledges;
    # repacking only the pledges marked stale must choose exactly what repacking every pledge
    # does, and so must the exchange that starts from it. (On the first instance, a household
    # released by one pledge's repack is taken by a pledge repacked earlier in the pass.)
    # (On the standard shape four pledges have more than 200 places, and those with places
    # left take households from others over their window.)
    inst = generate_instance(households, seed=seed, shape=shape)
    prep = prepare(parse_instance(inst))
    eligible_for = eligible_lists(prep)
    start = [UNPLACED if i % 7 == 0 else j for i, j in enumerate(greedy(prep))]
    stale_only, everything = list(start), list(start)
    assert repack_all(prep, stale_only, eligible_for)
    _repack_everything(prep, everything, eligible_for)
    assert stale_only == everything

    def place_price(i, q):
        return 1.5 * prep.instance.households[i].size

    exchanged = exchange(prep, stale_only, eligible_for, place_price)
    state = repack_module._Placement(prep, everything, place_price)
    large_with_places = 0
    for j, p in enumerate(prep.instance.pledges):
        large_with_places += p.capacity > 200 and state.places_left(j)
        if p.capacity <= 200 or state.places_left(j):
            repack_module.repack(state, j, eligible_for[j], from_others=True)
    if shape == "standard":
        assert large_with_places  # the large pledges' branch is tried
    reference = state.pledge.tolist()
    _repack_everything(prep, reference, eligible_for)
    top_up(prep, reference, repack_module._room_of(prep.instance, reference))
    assert exchanged == reference
    assert exchanged != stale_only  # the exchange did move households
    assert not feasibility_violations(prep.instance, exchanged)


def test_an_exchange_past_its_deadline_exchanges_nothing_and_stays_feasible():
    # On a slow machine the deadline can pass inside the exchange: it then only fills what it
    # has (here nothing was exchanged: the input, topped up).
    inst = generate_instance(600, seed=3, shape="small-pledges")
    prep = prepare(parse_instance(inst))
    eligible_for = eligible_lists(prep)
    start = [UNPLACED if i % 7 == 0 else j for i, j in enumerate(greedy(prep))]
    repack_all(prep, start, eligible_for)

    def place_price(i, q):
        return 1.5 * prep.instance.households[i].size

    late = exchange(prep, start, eligible_for, place_price, deadline=0.0)
    expected = list(start)
    top_up(prep, expected, repack_module._room_of(prep.instance, expected))
    assert late == expected
    assert exchange(prep, start, eligible_for, place_price) != late  # in time, it moves some
    assert not feasibility_violations(prep.instance, late)


def test_named_shapes_are_valid_and_look_like_their_names():
    for name in SHAPES:
        parse_instance(generate_instance(300, seed=1, shape=name))
    small = parse_instance(generate_instance(300, seed=1, shape="small-pledges"))
    assert len(small.pledges) == 40
    assert sum(1 for p in small.pledges if p.capacity <= 50 and p.quotas) >= 12
    one = parse_instance(generate_instance(300, seed=1, shape="one-front"))
    assert {h.frontline_state for h in one.households} == {"GR"}
    assert all(set(p.quotas) <= {"GR"} for p in one.pledges)
    big = parse_instance(generate_instance(300, seed=1, shape="large-families"))
    base = parse_instance(generate_instance(300, seed=1))
    assert max(h.size for h in big.households) > max(h.size for h in base.households)
    few = parse_instance(generate_instance(300, seed=1, shape="few-big"))
    assert len(few.pledges) == 3 and not any(p.quotas for p in few.pledges)
    for name, ratio in (("scarce", 0.15), ("plenty", 1.5)):
        inst = parse_instance(generate_instance(3000, seed=1, shape=name))
        persons = sum(h.size for h in inst.households)
        assert sum(p.capacity for p in inst.pledges) / persons == pytest.approx(ratio, rel=0.1)


def test_benchmark_kills_a_child_that_overruns_its_limit():
    row = run_in_subprocess("naive", 2000, 1, 0.01, "standard", kill_margin=0.05)
    assert row["error"].startswith("no result within")
