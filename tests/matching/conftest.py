import pytest

from matching import services
from matching.models import MatchingRun
from tests.matching import builders


@pytest.fixture
def small_world(db):
    """Two pledges (DE with a quota for Greece, FR without), six households in Greece, one in Italy."""
    de = builders.pledge("DE", places=8, quotas={"GR": 8})
    fr = builders.pledge("FR", places=4)
    households = [
        builders.household(adults=2, children=1, family_ties=("DE",)),
        builders.household(adults=1, children=2, vulnerabilities=("single_parent",)),
        builders.household(adults=2),
        builders.household(adults=1, registered_days_ago=400),
        builders.household(adults=2, children=3),
        builders.household(adults=1, nationality="SY"),
        builders.household(frontline="IT", adults=2),
    ]
    return {"de": de, "fr": fr, "households": households}


@pytest.fixture
def finished_run(small_world, people):
    """A succeeded run for Greece, solved in-process (no worker)."""
    run = services.run_start(by=people["coordinator"], frontline_states=["GR"], time_limit_seconds=10)
    assert services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED
    return run
