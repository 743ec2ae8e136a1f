"""Property: whatever sequence of reserve / advance / release / amend the services accept or
refuse, no pledge or quota is ever overbooked and the capacity figures always add up."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledges import selectors, services
from pledges.models import Placement, Pledge

from .conftest import build_household

FRONTLINE = ["GR", "IT", "CY"]

operation = st.one_of(
    st.tuples(st.just("reserve"), st.integers(0, 1), st.integers(1, 5), st.sampled_from(FRONTLINE)),
    st.tuples(st.just("advance"), st.integers(0, 30), st.sampled_from(["accepted", "in_transfer", "relocated"])),
    st.tuples(st.just("release"), st.integers(0, 30)),
    st.tuples(st.just("amend"), st.integers(0, 1), st.integers(0, 15),
              st.dictionaries(st.sampled_from(FRONTLINE), st.integers(0, 8), max_size=3)),
)


class Rollback(Exception):
    pass


def check_invariants(pledges):
    pledges = Pledge.objects.filter(pk__in=[p.pk for p in pledges]).prefetch_related("quotas")
    active = Placement.objects.filter(released_at__isnull=True)
    per_pledge = defaultdict(lambda: defaultdict(int))
    per_quota = defaultdict(int)
    for placement in active:
        per_pledge[placement.pledge_id][placement.stage] += placement.persons
        per_quota[placement.pledge_id, placement.frontline_state_id] += placement.persons
    figures = {row.pk: row for row in selectors.with_capacity(Pledge.objects.filter(pk__in=[p.pk for p in pledges]))}
    quota_figures = selectors.quota_capacity([p.pk for p in pledges])
    for pledge in pledges:
        taken = sum(per_pledge[pledge.pk].values())
        assert taken <= pledge.places
        quotas = {q.frontline_state_id: q.places for q in pledge.quotas.all()}
        assert sum(quotas.values()) <= pledge.places
        for (pledge_id, frontline), persons in per_quota.items():
            if pledge_id == pledge.pk and quotas:
                assert frontline in quotas and persons <= quotas[frontline]
        row = figures[pledge.pk]
        assert row.remaining >= 0
        assert row.proposed + row.accepted + row.in_transfer + row.relocated + row.remaining == row.pledged
        for stage in ("proposed", "accepted", "in_transfer", "relocated"):
            assert getattr(row, stage) == per_pledge[pledge.pk][stage]
        for quota in quota_figures.get(pledge.pk, []):
            assert quota.remaining >= 0
            assert quota.taken == per_quota[pledge.pk, quota.frontline_state]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, max_size=25), places=st.integers(0, 12))
def test_capacity_invariants_hold_for_any_sequence_of_operations(db, cycle, operations, places):
    try:
        with transaction.atomic():
            pledges = [
                services.pledge_record(cycle=cycle, state_code="DE", kind="relocation", by=None,
                                       fields={"places": places}),
                services.pledge_record(cycle=cycle, state_code="FR", kind="relocation", by=None,
                                       fields={"places": 10}, quotas={"GR": 4, "IT": 6}),
            ]
            placements = []
            for op in operations:
                try:
                    if op[0] == "reserve":
                        household = build_household(size=op[2], frontline=op[3])
                        placements.append(services.placement_reserve(pledge=pledges[op[1]], household=household, by=None))
                    elif op[0] == "advance" and placements:
                        services.placement_advance(placement=placements[op[1] % len(placements)], stage=op[2], by=None)
                    elif op[0] == "release" and placements:
                        services.placement_release(placement=placements[op[1] % len(placements)], by=None, reason="r")
                    elif op[0] == "amend":
                        services.pledge_amend(pledge=pledges[op[1]], changes={"places": op[2], "quotas": op[3]},
                                              by=None, reason="property test")
                except ValidationError:
                    pass
                check_invariants(pledges)
            raise Rollback
    except Rollback:
        pass
