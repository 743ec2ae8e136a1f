import pytest
from django.db import transaction

from relocation.models import Notification
from relocation.services import notify
from tests.conftest import wait_for


@pytest.mark.worker
def test_a_task_enqueued_on_commit_runs_in_a_real_worker(people, celery_worker_process):
    with transaction.atomic():
        [notification] = notify(recipients=[people["officer_de"]], subject="Run finished")
    # The worker, a separate process on Redis, claims and emails the committed row.
    emailed = wait_for(lambda: Notification.objects.filter(pk=notification.pk, emailed_at__isnull=False).exists())
    assert emailed
