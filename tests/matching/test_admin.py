from django.urls import reverse


def test_admin_pages_show_runs_proposals_and_unplaced_households(finished_run, admin_client):
    proposal = finished_run.proposals.first()
    for url in [
        reverse("admin:matching_matchingrun_changelist"),
        reverse("admin:matching_matchingrun_change", args=[finished_run.pk]),
        reverse("admin:matching_proposal_changelist"),
        reverse("admin:matching_proposal_change", args=[proposal.pk]),
        reverse("admin:matching_unplacedhousehold_changelist"),
    ]:
        assert admin_client.get(url).status_code == 200, url
    # Runs are created by the services, never typed into the admin.
    assert admin_client.get(reverse("admin:matching_matchingrun_add")).status_code == 403
