import pytest

from matching.engine import explain, parse_instance, solve
from matching.engine.explain import NO_ELIGIBLE_PLEDGE, PLACES_EXHAUSTED
from matching.engine.generator import generate_instance

from .builders import household, instance, pledge


def test_explanations_give_score_parts_and_reasons():
    inst = parse_instance(
        instance(
            [
                household(
                    "H-1",
                    size=2,
                    composition="couple",
                    vulnerable_members=1,
                    family_ties=["DE"],
                    waiting_days=60,
                ),
                household("H-2", size=2, composition="couple"),
                household("H-3", nationality="IQ", excluded_states=["DE"]),
            ],
            [pledge("P-1", capacity=2, criteria={"nationalities": ["AF"]})],
        )
    )
    result = solve(inst)
    why = explain(inst, result)
    (placed,) = why["assignments"]
    assert placed["household"] == "H-1"
    assert placed["parts"] == pytest.approx(
        {
            "persons": 2.0,
            "vulnerable_members": 2.0,
            "family_tie": 6.0,
            "cultural_tie": 0.0,
            "waiting_time": 0.4,
        }
    )
    assert placed["value"] == pytest.approx(10.4)
    reasons = {u["household"]: u for u in why["unplaced"]}
    assert reasons["H-2"]["reason"] == PLACES_EXHAUSTED
    assert reasons["H-2"]["eligible_pledges"] == [{"pledge": "P-1", "places_left": 0}]
    assert reasons["H-3"]["reason"] == NO_ELIGIBLE_PLEDGE
    assert reasons["H-3"]["failed_criteria"] == {"P-1": ["nationality", "excluded_states"]}
    assert "P-1 (nationality, excluded_states)" in reasons["H-3"]["detail"]


def test_generator_is_seedable_and_valid():
    a = generate_instance(500, seed=4)
    assert a == generate_instance(500, seed=4)
    assert a != generate_instance(500, seed=5)
    inst = parse_instance(a)
    persons = sum(h.size for h in inst.households)
    places = sum(p.capacity for p in inst.pledges)
    assert 0.4 < places / persons < 0.6
    assert {h.frontline_state for h in inst.households} == {"CY", "GR", "IT", "MT", "ES"}
    assert any(p.quotas for p in inst.pledges) and any(not p.quotas for p in inst.pledges)
