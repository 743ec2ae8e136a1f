from matching import demo
from matching.models import MatchingRun
from relocation.demo import DemoWorld


def test_demo_builds_a_confirmed_run_and_a_run_waiting_for_review_once(small_world, people):
    world = DemoWorld(users={"coordinator": people["coordinator"]})
    demo.seed(world)
    demo.seed(world)
    first, second = MatchingRun.objects.order_by("pk")
    assert first.note == demo.NOTE_CONFIRMED and second.note == demo.NOTE_PENDING
    assert first.status == second.status == "succeeded"
    assert first.proposals.filter(status="confirmed").exists()
    assert second.proposals.exists() and set(second.proposals.values_list("status", flat=True)) == {"pending"}
    assert MatchingRun.objects.count() == 2
