import datetime as dt

from django.core.management import call_command

from pledges import selectors
from pledges.figures import Dashboard
from pledges.models import Placement, Pledge, PledgeVersion, SolidarityCycle

PLEDGING_STATES_2022 = {"BE", "BG", "HR", "FR", "DE", "IE", "LT", "LU", "NL", "PT", "RO", "NO", "CH"}


def test_the_demo_world_tells_the_story_of_9_february_2024_and_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    counts = (Pledge.objects.count(), PledgeVersion.objects.count(), Placement.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Pledge.objects.count(), PledgeVersion.objects.count(), Placement.objects.count()) == counts

    vsm = SolidarityCycle.objects.get(code="vsm-2022")
    assert set(vsm.pledges.values_list("state_id", flat=True)) == PLEDGING_STATES_2022
    board = Dashboard(as_of=dt.date(2024, 2, 9))
    board.cycle = Dashboard.default_cycle(board.cycles, board.as_of)
    assert board.cycle == vsm
    assert board.headline["pledged"] > 8000
    assert board.headline["relocated"] > 4000
    assert board.headline["relocated"] * 2 > board.headline["pledged"]
    assert board.headline["states_relocating"] == 12
    assert {"DE", "FR"} == {row["state"] for row in board.pledging_states[:2]}
    assert all(row["households"] for row in board.pipeline if not row["exit"])

    # No pledge or quota is overbooked, and the ledger matches the case files.
    for pledge in selectors.with_capacity(Pledge.objects.filter(kind="relocation")):
        assert pledge.remaining >= 0
    for quotas in selectors.quota_capacity(Pledge.objects.values_list("pk", flat=True)).values():
        assert all(q.remaining >= 0 for q in quotas)
    relocated = Placement.objects.filter(stage="relocated").select_related("household", "pledge")[:50]
    assert all(p.household.status == "relocated" and p.household.destination_state_id == p.pledge.state_id
               for p in relocated)

    pool = SolidarityCycle.objects.get(code="pool-2026")
    assert set(pool.pledges.values_list("kind", flat=True)) == {"relocation", "financial", "alternative"}
    assert pool.target_relocations == 30_000 and pool.target_financial_eur == 600_000_000
    assert len([r for r in selectors.fair_shares(pool).rows if r.in_key]) == 27
