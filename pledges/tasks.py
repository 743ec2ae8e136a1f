from celery import shared_task

from . import services


@shared_task(name="pledges.sync_stage_stays", soft_time_limit=600, time_limit=660)
def sync_stage_stays() -> int:
    """Keep the dashboard's read model of the status history current between visits, so a
    dashboard request only catches up what changed in the last minutes (the sync is
    incremental and locked, so running it twice changes nothing)."""
    return services.stage_stays_sync()
