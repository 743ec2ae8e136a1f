from celery import shared_task

from . import transfers


@shared_task(name="missions.transfer_deadlines", soft_time_limit=300, time_limit=360)
def transfer_deadlines() -> dict:
    """The daily deadlines job: tacit acceptances, refusals made final by an unused
    re-examination window, then flags (each claimed once, so a rerun or a duplicated delivery
    changes nothing)."""
    tacit = transfers.record_tacit_acceptances()
    closed = transfers.close_unused_refusals()
    flags = transfers.flag_deadlines()
    return {"tacit_acceptances": len(tacit), "refusals_closed": len(closed), "flags": len(flags)}
