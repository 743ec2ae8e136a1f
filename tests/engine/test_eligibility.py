import dataclasses

import pytest

from matching.engine.eligibility import (
    RULES,
    composition_ok,
    eligible_pledges,
    failed_criteria,
    frontline_state_ok,
    is_eligible,
    language_ok,
    nationality_ok,
    size_ok,
    state_not_excluded,
    vulnerabilities_ok,
)
from matching.engine.instance import parse_instance

from .builders import household, instance, pledge


def pair(h=None, p=None):
    inst = parse_instance(instance([household(**(h or {}))], [pledge(**(p or {}))]))
    return inst.households[0], inst.pledges[0]


def test_rule_1_nationality_listed_or_no_list():
    assert nationality_ok(*pair({"nationality": "SY"}, {"criteria": {"nationalities": ["SY"]}}))
    assert not nationality_ok(*pair({"nationality": "IQ"}, {"criteria": {"nationalities": ["SY"]}}))
    assert nationality_ok(*pair({"nationality": "IQ"}, {"criteria": {"nationalities": []}}))
    assert nationality_ok(*pair({"nationality": "IQ"}, {"criteria": {}}))


def test_rule_2_composition_listed_or_no_list():
    crit = {"criteria": {"compositions": ["couple", "single_woman"]}}
    assert composition_ok(*pair({"composition": "couple", "size": 2}, crit))
    assert not composition_ok(*pair({"composition": "single_man"}, crit))
    assert composition_ok(*pair({"composition": "single_man"}, {"criteria": {"compositions": []}}))


def test_rule_3_household_not_larger_than_maximum():
    crit = {"criteria": {"max_household_size": 4}}
    assert size_ok(*pair({"size": 4}, crit))
    assert not size_ok(*pair({"size": 5}, crit))
    assert size_ok(*pair({"size": 9}, {"criteria": {"max_household_size": None}}))
    assert size_ok(*pair({"size": 9}, {"criteria": {}}))


def test_rule_4_no_excluded_vulnerability():
    crit = {"criteria": {"excluded_vulnerabilities": ["serious_illness"]}}
    assert not vulnerabilities_ok(*pair({"vulnerabilities": ["serious_illness", "minor"]}, crit))
    assert vulnerabilities_ok(*pair({"vulnerabilities": ["minor"]}, crit))
    assert vulnerabilities_ok(*pair({"vulnerabilities": []}, crit))


def test_rule_5_speaks_one_of_the_languages_or_none_asked():
    crit = {"criteria": {"languages": ["en", "fr"]}}
    assert language_ok(*pair({"languages": ["fa", "fr"]}, crit))
    assert not language_ok(*pair({"languages": ["fa"]}, crit))
    assert not language_ok(*pair({"languages": []}, crit))
    assert language_ok(*pair({"languages": []}, {"criteria": {"languages": []}}))


def test_rule_6_pledging_state_not_excluded_by_household():
    assert not state_not_excluded(*pair({"excluded_states": ["DE"]}, {"state": "DE"}))
    assert state_not_excluded(*pair({"excluded_states": ["FR"]}, {"state": "DE"}))


def test_rule_7_quota_for_frontline_state_or_no_quotas():
    assert frontline_state_ok(*pair({"frontline_state": "IT"}, {"quotas": {"IT": 5}}))
    assert not frontline_state_ok(*pair({"frontline_state": "GR"}, {"quotas": {"IT": 5}}))
    assert frontline_state_ok(*pair({"frontline_state": "GR"}, {"quotas": {}}))
    # a quota of zero still names the state: eligible, but no places (a feasibility matter)
    assert frontline_state_ok(*pair({"frontline_state": "GR"}, {"quotas": {"GR": 0}}))


def test_failed_criteria_names_every_failing_rule_in_contract_order():
    h, p = pair(
        {"nationality": "IQ", "size": 6, "excluded_states": ["DE"], "languages": ["ar"]},
        {
            "state": "DE",
            "quotas": {"IT": 3},
            "criteria": {
                "nationalities": ["SY"],
                "max_household_size": 4,
                "languages": ["en"],
            },
        },
    )
    assert failed_criteria(h, p) == [
        "nationality",
        "max_household_size",
        "languages",
        "excluded_states",
        "frontline_state_quota",
    ]
    assert not is_eligible(h, p)


@pytest.mark.parametrize("shape", ["standard", "strict", "large-families"])
def test_eligible_pledges_matches_rule_by_rule_evaluation(shape):
    from matching.engine.generator import generate_instance

    inst = parse_instance(generate_instance(300, seed=3, shape=shape))
    fast = eligible_pledges(inst)
    for h, found in zip(inst.households, fast, strict=True):
        expected = tuple(j for j, p in enumerate(inst.pledges) if is_eligible(h, p))
        assert found == expected


def test_each_rule_reads_only_the_part_it_declares():
    # eligible_pledges evaluates a rule once per distinct value of its declared part: a rule
    # that read anything else would be spread to households it does not hold for.
    from matching.engine.generator import generate_instance

    inst = parse_instance(generate_instance(60, seed=5, shape="strict"))
    households = inst.households
    for _, rule, part in RULES:
        for a, b in zip(households, households[1:] + households[:1], strict=True):
            mixed = dataclasses.replace(b, **{part: getattr(a, part)})
            for p in inst.pledges:
                assert rule(mixed, p) == rule(a, p), (rule.__name__, a.id, b.id, p.id)
