"""Celery tasks of matching. They take ids and call the services; the services hold the rules."""

from celery import shared_task

from .models import MAX_TIME_LIMIT


# The hard limit leaves the solver's own limit (at most MAX_TIME_LIMIT), building the input
# and storing the result room to finish; the soft limit lets the task mark its run failed.
@shared_task(
    name="matching.solve_run",
    soft_time_limit=MAX_TIME_LIMIT + 240,
    time_limit=MAX_TIME_LIMIT + 300,
    acks_late=True,
)
def solve_run(run_id: int) -> bool:
    """Run one matching run. A second delivery of the same run does nothing."""
    from .services import run_execute

    return run_execute(run_id=run_id)


@shared_task(name="matching.fail_stale_runs", soft_time_limit=60, time_limit=90)
def fail_stale_runs() -> int:
    """Beat job: fail running runs whose worker stopped beating (killed mid-run)."""
    from .services import fail_stale_runs as reap

    return reap()
