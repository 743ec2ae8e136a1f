import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pledges import selectors, services
from pledges.models import Placement, Pledge, PledgeQuota, PledgeVersion
from relocation.models import AuditEvent


def test_recording_a_pledge_keeps_version_one_and_an_audit_row(people, make_pledge):
    pledge = make_pledge(places=100, quotas={"GR": 60, "IT": 40}, by=people["commission"],
                         nationalities=["AF", "SY"], compositions=["family_with_children"])
    version = pledge.versions.get()
    assert version.number == 1 and version.places == 100
    assert version.snapshot["quotas"] == {"GR": 60, "IT": 40}
    assert version.snapshot["nationalities"] == ["AF", "SY"]
    assert AuditEvent.objects.filter(action="pledge.record", object_id=str(pledge.pk)).count() == 1
    assert pledge.criteria()["compositions"] == ["family_with_children"]


@pytest.mark.parametrize(
    "kind, fields, field",
    [
        ("relocation", {}, "places"),
        ("relocation", {"places": 5, "amount_eur": 10}, "amount_eur"),
        ("financial", {"places": 5}, "amount_eur"),
        ("alternative", {"amount_eur": 1000}, "description"),
        ("relocation", {"places": 5, "valid_from": dt.date(2024, 2, 1), "valid_to": dt.date(2024, 1, 1)}, "valid_to"),
        ("relocation", {"places": 5, "compositions": ["polygamous"]}, "compositions"),
        ("relocation", {"places": 5, "nationalities": ["QQ"]}, "nationalities"),
        ("relocation", {"places": 5, "excluded_vulnerabilities": ["minor"],
                        "prioritised_vulnerabilities": ["minor"]}, "prioritised_vulnerabilities"),
    ],
)
def test_a_malformed_pledge_is_refused_with_a_clear_error_and_nothing_written(cycle, people, kind, fields, field):
    with pytest.raises(ValidationError) as refused:
        services.pledge_record(cycle=cycle, state_code="FR", kind=kind, fields=fields, by=people["commission"])
    assert field in refused.value.message_dict
    assert not Pledge.objects.exists() and not PledgeVersion.objects.exists()


def test_quotas_may_not_exceed_places_nor_name_a_state_that_is_not_frontline(make_pledge):
    with pytest.raises(ValidationError, match="add up to 120 places, more than the pledge's 100"):
        make_pledge(places=100, quotas={"GR": 60, "IT": 60})
    with pytest.raises(ValidationError, match="Not a frontline state: DE"):
        make_pledge(places=100, quotas={"DE": 10})
    assert not Pledge.objects.exists() and not PledgeQuota.objects.exists()


def test_the_database_refuses_what_must_never_happen(cycle):
    bad = [
        {"kind": "relocation", "places": None},
        {"kind": "financial", "places": 3, "amount_eur": 10},
        {"kind": "alternative", "amount_eur": 10, "description": ""},
        {"kind": "relocation", "places": 3, "valid_from": dt.date(2024, 2, 1), "valid_to": dt.date(2024, 1, 1)},
        {"kind": "relocation", "places": 3, "status": "forgotten"},
    ]
    for fields in bad:
        with pytest.raises(IntegrityError), transaction.atomic():
            Pledge.objects.create(cycle=cycle, state_id="DE", **fields)


def test_an_amendment_keeps_the_old_version_and_says_what_changed(people, make_pledge):
    pledge = make_pledge(places=100, quotas={"GR": 60})
    amended = services.pledge_amend(
        pledge=pledge, changes={"places": 150, "quotas": {"GR": 60, "IT": 90}}, by=people["commission"],
        reason="Cabinet decision of 3 May",
    )
    assert amended.version == 2 and amended.places == 150
    v1, v2 = pledge.versions.order_by("number")
    assert v1.places == 100 and v2.places == 150
    assert v2.changes["places"] == {"from": 100, "to": 150}
    assert v2.changes["quotas"]["to"] == {"GR": 60, "IT": 90}
    assert v2.reason == "Cabinet decision of 3 May"
    event = AuditEvent.objects.get(action="pledge.amend")
    assert event.details["version"] == 2 and event.actor == people["commission"]


@pytest.mark.parametrize(
    "changes, reason, message",
    [
        ({"places": 120}, "  ", "Say why"),
        ({"places": 100}, "same", "Nothing changed"),
        ({"kind": "financial"}, "new kind", "cannot be amended"),
        ({"quotas": {"GR": 200}}, "too big", "more than the pledge's 100"),
    ],
)
def test_a_bad_amendment_is_refused_and_leaves_the_pledge_as_it_was(people, make_pledge, changes, reason, message):
    pledge = make_pledge(places=100)
    with pytest.raises(ValidationError, match=message):
        services.pledge_amend(pledge=pledge, changes=changes, by=people["commission"], reason=reason)
    pledge.refresh_from_db()
    assert pledge.version == 1 and pledge.places == 100 and pledge.versions.count() == 1


def test_an_amendment_cannot_take_effect_before_the_version_it_replaces(people, make_pledge):
    pledge = make_pledge(places=100)
    with pytest.raises(ValidationError, match="cannot take effect before"):
        services.pledge_amend(pledge=pledge, changes={"places": 90}, by=people["commission"], reason="backdated",
                              effective_at=timezone.now() - dt.timedelta(days=30))


def test_a_pledge_cannot_fall_below_the_places_already_taken(people, make_pledge, make_household):
    pledge = make_pledge(places=10, quotas={"GR": 10})
    services.placement_reserve(pledge=pledge, household=make_household(size=6), by=None)
    with pytest.raises(ValidationError, match="6 places are already taken"):
        services.pledge_amend(pledge=pledge, changes={"places": 5, "quotas": {"GR": 5}}, by=None, reason="cut")
    with pytest.raises(ValidationError, match="quota for GR cannot go below the 6"):
        services.pledge_amend(pledge=pledge, changes={"quotas": {"GR": 4, "IT": 6}}, by=None, reason="cut")
    with pytest.raises(ValidationError, match="keep a quota for GR"):
        services.pledge_amend(pledge=pledge, changes={"quotas": {"IT": 6}}, by=None, reason="cut")


def test_reserving_takes_places_and_refuses_beyond_them(people, make_pledge, make_household):
    pledge = make_pledge(places=5)
    services.placement_reserve(pledge=pledge, household=make_household(size=4), by=people["coordinator"])
    with pytest.raises(services.CapacityExceeded, match="1 places left; this household needs 2"):
        services.placement_reserve(pledge=pledge, household=make_household(size=2), by=None)
    assert Placement.objects.count() == 1
    assert AuditEvent.objects.filter(action="placement.reserve").count() == 1


def test_quotas_are_enforced_per_frontline_state(make_pledge, make_household):
    pledge = make_pledge(places=10, quotas={"GR": 3, "IT": 5})
    services.placement_reserve(pledge=pledge, household=make_household(size=3, frontline="GR"), by=None)
    with pytest.raises(services.CapacityExceeded, match="quota for GR has 0 places left"):
        services.placement_reserve(pledge=pledge, household=make_household(size=1, frontline="GR"), by=None)
    with pytest.raises(services.CapacityExceeded, match="takes no households from CY"):
        services.placement_reserve(pledge=pledge, household=make_household(size=1, frontline="CY"), by=None)
    services.placement_reserve(pledge=pledge, household=make_household(size=5, frontline="IT"), by=None)


def test_only_an_open_valid_relocation_pledge_takes_households(cycle, make_pledge, make_household):
    closed = make_pledge(places=5, status="closed")
    with pytest.raises(ValidationError, match="closed"):
        services.placement_reserve(pledge=closed, household=make_household(), by=None)
    expired = make_pledge(places=5, valid_to=dt.date(2023, 1, 1))
    with pytest.raises(ValidationError, match="not valid on"):
        services.placement_reserve(pledge=expired, household=make_household(), by=None)
    money = services.pledge_record(cycle=cycle, state_code="AT", kind="financial", fields={"amount_eur": 1}, by=None)
    with pytest.raises(ValidationError, match="Only a relocation pledge"):
        services.placement_reserve(pledge=money, household=make_household(), by=None)


def test_a_household_holds_one_active_placement_at_a_time(make_pledge, make_household):
    first, second = make_pledge(places=5), make_pledge(state="FR", places=5)
    household = make_household(size=2)
    placement = services.placement_reserve(pledge=first, household=household, by=None)
    with pytest.raises(ValidationError, match="already holds places"):
        services.placement_reserve(pledge=second, household=household, by=None)
    services.placement_release(placement=placement, by=None, reason="Rejected at interview")
    services.placement_reserve(pledge=second, household=household, by=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.create(pledge=first, frontline_state_id="GR", household=household, persons=2)


def test_a_placement_moves_forward_only_and_relocated_people_stay_counted(make_pledge, make_household):
    pledge = make_pledge(places=5)
    placement = services.placement_reserve(pledge=pledge, household=make_household(size=2), by=None)
    placement = services.placement_advance(placement=placement, stage="in_transfer", by=None)
    assert placement.accepted_at == placement.in_transfer_at is not None
    with pytest.raises(ValidationError, match="only moves forward"):
        services.placement_advance(placement=placement, stage="accepted", by=None)
    placement = services.placement_advance(placement=placement, stage="relocated", by=None)
    with pytest.raises(ValidationError, match="cannot be released"):
        services.placement_release(placement=placement, by=None, reason="oops")
    with pytest.raises(ValidationError, match="Say why"):
        services.placement_release(placement=placement, by=None, reason="")


def test_capacity_is_counted_per_stage_and_per_quota(make_pledge, make_household):
    pledge = make_pledge(places=20, quotas={"GR": 10, "IT": 10})
    stages = [("GR", 1, "proposed"), ("GR", 2, "accepted"), ("IT", 3, "in_transfer"), ("IT", 4, "relocated")]
    for frontline, size, stage in stages:
        placement = services.placement_reserve(pledge=pledge, household=make_household(size=size, frontline=frontline),
                                               by=None)
        if stage != "proposed":
            services.placement_advance(placement=placement, stage=stage, by=None)
    released = services.placement_reserve(pledge=pledge, household=make_household(size=5, frontline="GR"), by=None)
    services.placement_release(placement=released, by=None, reason="Consent withdrawn")
    row = selectors.with_capacity(Pledge.objects.filter(pk=pledge.pk)).get()
    assert (row.pledged, row.proposed, row.accepted, row.in_transfer, row.relocated, row.remaining) == (20, 1, 2, 3, 4, 10)
    gr, it = selectors.quota_capacity([pledge.pk])[pledge.pk]
    assert (gr.frontline_state, gr.proposed, gr.accepted, gr.remaining) == ("GR", 1, 2, 7)
    assert (it.frontline_state, it.in_transfer, it.relocated, it.remaining) == ("IT", 3, 4, 3)


def test_a_placement_shrinks_freely_and_grows_only_within_the_places_and_the_quota(people, make_pledge, make_household):
    pledge = make_pledge(places=10, quotas={"GR": 5, "IT": 5})
    placement = services.placement_reserve(pledge=pledge, household=make_household(size=4), by=None)
    services.placement_reserve(pledge=pledge, household=make_household(size=4, frontline="IT"), by=None)
    placement = services.placement_resize(placement=placement, persons=3, by=people["coordinator"])
    assert Placement.objects.get(pk=placement.pk).persons == 3
    event = AuditEvent.objects.get(action="placement.resize", object_id=str(placement.pk))
    assert (event.details["from"], event.details["to"], event.actor) == (4, 3, people["coordinator"])
    row = selectors.with_capacity(Pledge.objects.filter(pk=pledge.pk)).get()
    assert (row.proposed, row.remaining) == (7, 3)
    gr = selectors.quota_capacity([pledge.pk])[pledge.pk][0]
    assert (gr.frontline_state, gr.proposed, gr.remaining) == ("GR", 3, 2)
    # Growing: the pledge has 3 places left, the GR quota only 2.
    with pytest.raises(services.CapacityExceeded, match="quota for GR has 2 places left; 3 more"):
        services.placement_resize(placement=placement, persons=6, by=None)
    services.placement_resize(placement=placement, persons=5, by=None)
    assert Placement.objects.get(pk=placement.pk).persons == 5
    with pytest.raises(ValidationError, match="at least one person"):
        services.placement_resize(placement=placement, persons=0, by=None)
    services.placement_resize(placement=placement, persons=5, by=None)  # no change, no audit row
    assert AuditEvent.objects.filter(action="placement.resize").count() == 2


def test_a_released_or_relocated_placement_cannot_be_resized(make_pledge, make_household):
    pledge = make_pledge(places=5)
    released = services.placement_reserve(pledge=pledge, household=make_household(size=2), by=None)
    services.placement_release(placement=released, by=None, reason="Rejected")
    with pytest.raises(ValidationError, match="released already"):
        services.placement_resize(placement=released, persons=1, by=None)
    gone = services.placement_reserve(pledge=pledge, household=make_household(size=2), by=None)
    services.placement_advance(placement=gone, stage="relocated", by=None)
    with pytest.raises(ValidationError, match="relocated"):
        services.placement_resize(placement=gone, persons=1, by=None)
    assert set(Placement.objects.values_list("persons", flat=True)) == {2}


def test_growing_a_placement_is_refused_beyond_the_pledge_places(make_pledge, make_household):
    pledge = make_pledge(places=5)
    placement = services.placement_reserve(pledge=pledge, household=make_household(size=4), by=None)
    with pytest.raises(services.CapacityExceeded, match="1 places left; 2 more"):
        services.placement_resize(placement=placement, persons=6, by=None)
    services.placement_resize(placement=placement, persons=5, by=None)
