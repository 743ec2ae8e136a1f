"""Every write of matching: start, execute, cancel and reap runs; confirm and discard proposals.

The worker's task (``matching.solve_run``) calls :func:`run_execute`. It claims the run with a
conditional UPDATE (queued -> running), so a second delivery of the task does nothing; it
keeps a heartbeat on the row while it works; and it writes the result, the proposals and the
unplaced households in ONE transaction at the end, after checking that the run is still
running (not cancelled, not reaped). A worker killed mid-run therefore leaves no proposal;
:func:`fail_stale_runs` (a beat job) marks such a run failed once its heartbeat is old.

Confirming a proposal moves the household to "proposed" through the case workflow (which
sets the destination state, so the pledging state's officers see exactly that file) and
reserves the pledge's places through the capacity ledger (row-locked: never beyond
capacity). A proposal whose household or pledge changed since the run's snapshot is refused
and marked stale, with the reason.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import CaseStatus, Household
from pledges.models import Pledge
from relocation import audit
from relocation.models import Country, Role, User

from . import inputs
from .models import DEFAULT_WEIGHTS, MAX_TIME_LIMIT, MatchingRun, Proposal, UnplacedHousehold

log = logging.getLogger(__name__)

# A running run whose heartbeat is older than this (plus its time limit) is failed by the reaper.
STALE_AFTER_SECONDS = int(getattr(settings, "MATCHING_STALE_AFTER_SECONDS", 120))
HEARTBEAT_SECONDS = float(getattr(settings, "MATCHING_HEARTBEAT_SECONDS", 5))
# Test hook: seconds the task waits after building the input (a stand-in for a very large
# instance), so tests can kill the worker mid-run. Never set in deployment.
PAUSE_ENV = "MATCHING_TEST_PAUSE_SECONDS"


# Confirming takes some 20-40 ms per proposal (workflow rules, row locks, ledger, audit): a
# page or API request confirms at most this many, the best-scored first.
MAX_CONFIRM_PER_REQUEST = 500


class ProposalStale(Exception):
    """The proposal no longer holds: its household or pledge changed since the run."""


# -- starting and cancelling ----------------------------------------------------------------------


def _clean_weights(weights: dict | None) -> dict[str, float]:
    result = dict(DEFAULT_WEIGHTS)
    for key, value in (weights or {}).items():
        if key not in DEFAULT_WEIGHTS:
            raise ValidationError({"weights": _("Unknown weight: %(key)s.") % {"key": key}})
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError({"weights": _("The weight %(key)s must be a number.") % {"key": key}}) from None
        if not math.isfinite(number) or number < 0 or number > 1000:
            raise ValidationError({"weights": _("The weight %(key)s must be between 0 and 1000.") % {"key": key}})
        result[key] = number
    return result


@transaction.atomic
def run_start(
    *,
    by: User,
    frontline_states: Iterable[str],
    pledge_ids: Iterable[int] = (),
    weights: dict | None = None,
    time_limit_seconds: int = 30,
    note: str = "",
) -> MatchingRun:
    """Queue a matching run; the worker starts it once this transaction commits."""
    states = sorted(set(frontline_states))
    if not states:
        raise ValidationError({"frontline_states": _("Choose at least one frontline state.")})
    known = set(Country.objects.filter(code__in=states, is_frontline=True).values_list("code", flat=True))
    unknown = sorted(set(states) - known)
    if unknown:
        raise ValidationError(
            {"frontline_states": _("Not a frontline state: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    pledges = sorted({int(p) for p in pledge_ids})
    if pledges:
        open_ids = set(inputs.open_pledges(timezone.localdate(), pledges).values_list("pk", flat=True))
        closed = sorted(set(pledges) - open_ids)
        if closed:
            raise ValidationError(
                {"pledge_ids": _("Not an open relocation pledge valid today: %(ids)s.")
                 % {"ids": ", ".join(map(str, closed))}}
            )
    if not isinstance(time_limit_seconds, int) or not 1 <= time_limit_seconds <= MAX_TIME_LIMIT:
        raise ValidationError(
            {"time_limit_seconds": _("The time limit is between 1 and %(max)s seconds.") % {"max": MAX_TIME_LIMIT}}
        )
    run = MatchingRun(
        started_by=by,
        frontline_states=states,
        pledge_ids=pledges,
        weights=_clean_weights(weights),
        time_limit_seconds=time_limit_seconds,
        note=(note or "").strip()[:200],
        progress_text=_("Queued: waiting for a worker."),
    )
    run.full_clean()
    run.save()
    audit.record(
        actor=by, action="matching.run.start", obj=run,
        details={"frontline_states": states, "pledges": pledges, "weights": run.weights,
                 "time_limit_seconds": time_limit_seconds},
    )
    from .tasks import solve_run

    solve_run.delay_on_commit(run.pk)
    return run


@transaction.atomic
def run_cancel(*, run: MatchingRun, by: User) -> MatchingRun:
    """Cancel a queued or running run. A running task notices before it stores anything."""
    now = timezone.now()
    changed = MatchingRun.objects.filter(pk=run.pk, status__in=MatchingRun.ACTIVE).update(
        status=MatchingRun.Status.CANCELLED,
        finished_at=now,
        cancelled_by=by,
        progress_text=_("Cancelled by %(user)s.") % {"user": by.get_username()},
    )
    if not changed:
        raise ValidationError(_("Only a queued or running run can be cancelled."))
    run.refresh_from_db()
    audit.record(actor=by, action="matching.run.cancel", obj=run)
    return run


# -- executing (the worker) ------------------------------------------------------------------------


class _Heartbeat:
    """Bumps ``heartbeat_at`` from a side thread while the run works, so a run whose worker
    died is recognisable by its old heartbeat."""

    def __init__(self, run_id: int, every: float = HEARTBEAT_SECONDS):
        self.run_id = run_id
        self.every = every
        # Set while the engine solves: the bar then moves with the time spent against the limit.
        self.solving_since: float | None = None
        self.time_limit: float = 1.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"matching-heartbeat-{run_id}", daemon=True)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.every):
                fields: dict = {"heartbeat_at": timezone.now()}
                if self.solving_since is not None:
                    elapsed = time.monotonic() - self.solving_since
                    fields["progress_percent"] = min(85, 30 + int(55 * elapsed / self.time_limit))
                try:
                    MatchingRun.objects.filter(pk=self.run_id, status=MatchingRun.Status.RUNNING).update(**fields)
                except Exception:  # e.g. SQLite busy while the result is stored: beat again later
                    log.warning("matching heartbeat missed for run %s", self.run_id, exc_info=True)
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


def _progress(run_id: int, text: str, percent: int, **fields) -> bool:
    """Record progress while the run is still running; False if it was cancelled or reaped."""
    return bool(
        MatchingRun.objects.filter(pk=run_id, status=MatchingRun.Status.RUNNING).update(
            progress_text=text[:200], progress_percent=percent, heartbeat_at=timezone.now(), **fields
        )
    )


def _fail(run_id: int, message: str) -> None:
    MatchingRun.objects.filter(pk=run_id, status=MatchingRun.Status.RUNNING).update(
        status=MatchingRun.Status.FAILED,
        finished_at=timezone.now(),
        error=message[:2000],
        progress_text=_("Failed."),
    )


def _pause_for_tests(run_id: int) -> bool:
    seconds = float(os.environ.get(PAUSE_ENV) or 0)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if not MatchingRun.objects.filter(pk=run_id, status=MatchingRun.Status.RUNNING).exists():
            return False
    return True


def run_execute(*, run_id: int, heartbeat: bool = True) -> bool:
    """Claim, build, solve and store one run. Returns False when there was nothing to do.

    ``heartbeat=False`` for in-process runs inside a larger transaction (demo, benchmark),
    where a side connection could not see the run anyway."""
    from celery.exceptions import SoftTimeLimitExceeded

    from .engine import InstanceError, explain, parse_instance, solve, solve_greedy

    now = timezone.now()
    claimed = MatchingRun.objects.filter(pk=run_id, status=MatchingRun.Status.QUEUED).update(
        status=MatchingRun.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        progress_text=_("Building the input from the case files and pledges."),
        progress_percent=5,
    )
    if not claimed:
        return False
    run = MatchingRun.objects.get(pk=run_id)
    try:
        with _Heartbeat(run_id) if heartbeat else contextlib.nullcontext() as beat:
            t0 = time.perf_counter()
            built = inputs.build_instance(
                frontline_states=run.frontline_states, pledge_ids=run.pledge_ids, weights=run.weights
            )
            digest = built.sha256
            build_seconds = time.perf_counter() - t0
            n_households, n_pledges = len(built.instance["households"]), len(built.instance["pledges"])
            if not _progress(
                run_id,
                _("Solving: %(h)s households, %(p)s pledges.") % {"h": n_households, "p": n_pledges},
                30,
                input_snapshot=built.instance,
                input_sha256=digest,
                input_versions=built.versions,
            ):
                return False
            if not _pause_for_tests(run_id):
                return False
            t1 = time.perf_counter()
            if beat is not None:
                beat.time_limit, beat.solving_since = float(run.time_limit_seconds), time.monotonic()
            instance = parse_instance(built.instance)
            result = solve(instance, time_limit=run.time_limit_seconds)
            t_exact = time.perf_counter()
            greedy = solve_greedy(instance)
            t_greedy = time.perf_counter()
            why = explain(instance, result)
            solve_seconds = time.perf_counter() - t1
            if beat is not None:
                beat.solving_since = None
            if not _progress(run_id, _("Storing the proposals."), 90):
                return False
            t2 = time.perf_counter()
            stored = _store(
                run_id=run_id,
                instance=built.instance,
                result=result,
                greedy_objective=greedy.objective,
                explanation=why,
                timings={"build_seconds": round(build_seconds, 3), "solve_seconds": round(solve_seconds, 3),
                         # within solve_seconds: the exact solve, the greedy baseline, the explanations
                         "solve_parts": {"exact": round(t_exact - t1, 3), "greedy": round(t_greedy - t_exact, 3),
                                         "explain": round(time.perf_counter() - t_greedy, 3)}},
                store_started=t2,
            )
            return stored
    except SoftTimeLimitExceeded:
        _fail(run_id, _("The run exceeded the worker's time limit."))
        return False
    except InstanceError as exc:  # a bug in building the input: say so plainly
        _fail(run_id, _("The engine refused the input: %(error)s") % {"error": exc})
        return False
    except Exception as exc:
        _fail(run_id, f"{type(exc).__name__}: {exc}")
        raise


def criteria_met(household: dict, pledge: dict) -> list[dict]:
    """Which of the pledge's criteria the household meets, as rule codes with the figures that
    show it (worded, in the reader's language, by ``models.describe_criterion``)."""
    c = pledge.get("criteria") or {}
    quotas = pledge.get("quotas") or {}
    return [
        {"rule": "nationality", "value": household["nationality"], "accepted": c.get("nationalities") or []},
        {"rule": "composition", "value": household["composition"], "accepted": c.get("compositions") or []},
        {"rule": "max_household_size", "value": household["size"], "limit": c.get("max_household_size")},
        {"rule": "excluded_vulnerabilities", "excluded": c.get("excluded_vulnerabilities") or []},
        {"rule": "languages", "asked": c.get("languages") or [],
         "spoken": sorted(set(c.get("languages") or []) & set(household["languages"]))},
        {"rule": "excluded_states", "state": pledge["state"]},
        {"rule": "frontline_state_quota", "state": household["frontline_state"],
         "left": quotas.get(household["frontline_state"]) if quotas else None},
    ]


@transaction.atomic
def _store(*, run_id: int, instance: dict, result, greedy_objective: float, explanation: dict, timings: dict,
           store_started: float) -> bool:
    """Write the outcome in one transaction, if the run is still ours to finish."""
    # The snapshot (megabytes of JSON) is neither read back nor written again here.
    run = MatchingRun.objects.select_for_update().defer("input_snapshot", "input_versions").get(pk=run_id)
    if run.status != MatchingRun.Status.RUNNING:
        return False  # cancelled or reaped meanwhile: store nothing
    households = {h["id"]: h for h in instance["households"]}
    pledges = {p["id"]: p for p in instance["pledges"]}
    parts = {a["household"]: a for a in explanation["assignments"]}
    proposals: list[dict] = []
    per_pledge: dict[str, dict] = {
        pid: {"pledge": inputs.key_pk(pid), "state": p["state"], "capacity": p["capacity"], "households": 0,
              "persons": 0, "quotas": {code: {"quota": left, "persons": 0} for code, left in p["quotas"].items()}}
        for pid, p in pledges.items()
    }
    for hid, pid in result.assignments:
        h, p = households[hid], pledges[pid]
        figures = per_pledge[pid]
        figures["households"] += 1
        figures["persons"] += h["size"]
        quota_state = h["frontline_state"] if p["quotas"] else None
        if quota_state:
            figures["quotas"][quota_state]["persons"] += h["size"]
        proposals.append(
            {
                "run_id": run.pk,
                "household_id": inputs.key_pk(hid),
                "pledge_id": inputs.key_pk(pid),
                "pledge_state_id": p["state"],
                "frontline_state_id": h["frontline_state"],
                "quota_state_id": quota_state,
                "persons": h["size"],
                "vulnerable_members": h["vulnerable_members"],
                "composition": h["composition"],
                "vulnerabilities": h["vulnerabilities"],
                "family_tie": p["state"] in h["family_ties"],
                "cultural_tie": p["state"] in h["cultural_ties"],
                "waiting_days": int(h["waiting_days"]),
                "value": parts[hid]["value"],
                "score_parts": parts[hid]["parts"],
                "explanation": criteria_met(h, p),
                "status": Proposal.Status.PENDING.value,
                "stale_reason": "",
            }
        )
    _insert_rows(Proposal, proposals, json_fields=("vulnerabilities", "score_parts", "explanation"))
    unplaced = [
        {
            "run_id": run.pk,
            "household_id": inputs.key_pk(u["household"]),
            "frontline_state_id": households[u["household"]]["frontline_state"],
            "persons": households[u["household"]]["size"],
            "composition": households[u["household"]]["composition"],
            "reason": u["reason"],
            "detail": u.get("detail", "")[:2000],
        }
        for u in explanation["unplaced"]
    ]
    _insert_rows(UnplacedHousehold, unplaced)
    for figures in per_pledge.values():
        figures["fill_rate"] = round(figures["persons"] / figures["capacity"], 4) if figures["capacity"] else None
    reasons = Counter(u["reason"] for u in unplaced)
    run.counts = {
        "households": len(households),
        "persons": sum(h["size"] for h in households.values()),
        "pledges": len(pledges),
        "capacity": sum(p["capacity"] for p in pledges.values()),
        "placed_households": len(proposals),
        "placed_persons": sum(p["persons"] for p in proposals),
        "unplaced": dict(reasons),
        "per_pledge": sorted(per_pledge.values(), key=lambda f: (f["state"], f["pledge"])),
    }
    run.solve_status = result.status
    run.objective = result.objective
    run.bound = result.bound
    run.gap = result.gap
    run.greedy_objective = greedy_objective
    run.status = MatchingRun.Status.SUCCEEDED
    run.progress_text = _("Finished: %(n)s proposals waiting for review.") % {"n": len(proposals)}
    run.progress_percent = 100
    now = timezone.now()
    run.finished_at = now
    run.heartbeat_at = now
    run.timings = {**timings, "store_seconds": round(time.perf_counter() - store_started, 3)}
    run.save(update_fields=["counts", "solve_status", "objective", "bound", "gap", "greedy_objective", "status",
                            "progress_text", "progress_percent", "finished_at", "heartbeat_at", "timings"])
    audit.record(
        actor=None, action="matching.run.succeed", obj=run,
        details={"objective": run.objective, "bound": run.bound, "proposals": len(proposals),
                 "input_sha256": run.input_sha256},
    )
    return True


def _insert_rows(model, rows: list[dict], json_fields: tuple[str, ...] = ()) -> None:
    """Insert many rows at once. On PostgreSQL with one multi-row INSERT per thousand rows and
    no model instances (Django's per-field preparation of 6,000 proposals costs seconds);
    elsewhere through ``bulk_create``. Rows are dicts of column names, already valid."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)
        return
    import json

    from psycopg2.extras import execute_values

    columns = list(rows[0])
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    values = [
        tuple(json.dumps(row[c]) if c in json_fields else row[c] for c in columns) for row in rows
    ]
    with connection.cursor() as cursor:
        execute_values(cursor.cursor, f"INSERT INTO {table} ({names}) VALUES %s", values, page_size=1000)


def fail_stale_runs(*, stale_after_seconds: float | None = None) -> int:
    """Fail running runs whose worker stopped beating (killed, lost). Returns how many."""
    stale_after = STALE_AFTER_SECONDS if stale_after_seconds is None else stale_after_seconds
    now = timezone.now()
    failed = 0
    candidates = MatchingRun.objects.filter(
        status=MatchingRun.Status.RUNNING, heartbeat_at__lt=now - timezone.timedelta(seconds=stale_after)
    ).values_list("pk", "heartbeat_at")
    for pk, beat in candidates:
        # Conditional on the heartbeat we saw: a worker that just beat again keeps its run.
        failed += MatchingRun.objects.filter(pk=pk, status=MatchingRun.Status.RUNNING, heartbeat_at=beat).update(
            status=MatchingRun.Status.FAILED,
            finished_at=now,
            error=_("The worker stopped responding (no heartbeat since %(when)s); nothing was stored.")
            % {"when": timezone.localtime(beat).strftime("%Y-%m-%d %H:%M:%S")},
            progress_text=_("Failed: the worker stopped responding."),
        )
    if failed:
        log.warning("matching: failed %s stale run(s)", failed)
    return failed


# -- reviewing ---------------------------------------------------------------------------------------


@dataclass
class Decision:
    confirmed: list[Proposal] = field(default_factory=list)
    stale: list[tuple[Proposal, str]] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def _check_still_valid(proposal: Proposal, household: Household, pledge: Pledge, versions: dict) -> None:
    if household.status != CaseStatus.AVAILABLE:
        raise ProposalStale(
            _("Household %(case)s is no longer available for matching (now: %(status)s).")
            % {"case": household.case_number, "status": household.get_status_display()}
        )
    seen = versions.get("households", {}).get(str(household.pk))
    if seen is not None and seen != household.version:
        raise ProposalStale(
            _("Household %(case)s changed since the run (its file was edited); run the matching again.")
            % {"case": household.case_number}
        )
    if pledge.status != Pledge.Status.OPEN:
        raise ProposalStale(
            _("The pledge of %(state)s is %(status)s now.") % {"state": pledge.state_id,
                                                               "status": pledge.get_status_display().lower()}
        )
    today = timezone.localdate()
    if (pledge.valid_from and today < pledge.valid_from) or (pledge.valid_to and today > pledge.valid_to):
        raise ProposalStale(_("The pledge of %(state)s is not valid today.") % {"state": pledge.state_id})
    seen = versions.get("pledges", {}).get(str(pledge.pk))
    if seen is not None and seen != pledge.version:
        raise ProposalStale(
            _("The pledge of %(state)s was amended since the run (version %(a)s, now %(b)s).")
            % {"state": pledge.state_id, "a": seen, "b": pledge.version}
        )


def _versions_of(run_id: int) -> dict:
    return MatchingRun.objects.filter(pk=run_id).values_list("input_versions", flat=True).first() or {}


@transaction.atomic
def proposal_confirm(*, proposal_id: int, by: User, versions: dict | None = None) -> Proposal:
    """Confirm one proposal: propose the household through the workflow and reserve places.

    ``versions`` is the run's ``input_versions`` when the caller already read it (bulk).
    Raises ``ProposalStale`` (nothing written) when it no longer holds, ``ValidationError``
    when it was decided already."""
    from cases.services import case_transition
    from cases.workflow import TransitionError
    from pledges.services import placement_reserve

    # Lock the proposal row only (not its run: other proposals of the run stay confirmable),
    # and leave the run's large JSON columns unread.
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("run")
        .defer("run__input_snapshot", "run__input_versions")
        .get(pk=proposal_id)
    )
    if proposal.status != Proposal.Status.PENDING:
        raise ValidationError(
            _("This proposal was %(status)s already.") % {"status": proposal.get_status_display().lower()}
        )
    if proposal.run.status != MatchingRun.Status.SUCCEEDED:
        raise ValidationError(_("Only proposals of a succeeded run can be confirmed."))
    household = Household.objects.select_for_update().get(pk=proposal.household_id)
    pledge = Pledge.objects.get(pk=proposal.pledge_id)
    _check_still_valid(proposal, household, pledge, versions if versions is not None else _versions_of(proposal.run_id))
    reason = _("Matching run #%(run)s: proposal confirmed for pledge %(pledge)s.") % {
        "run": proposal.run_id, "pledge": pledge.pk,
    }
    try:
        case_transition(
            household=household, to=CaseStatus.PROPOSED, by=by, reason=reason, destination_state=pledge.state_id
        )
    except TransitionError as exc:
        raise ProposalStale(" ".join(exc.messages)) from None
    try:
        placement = placement_reserve(pledge=pledge, household=household, by=by)
    except ValidationError as exc:  # CapacityExceeded included: the places are gone
        raise ProposalStale(" ".join(exc.messages)) from None
    proposal.status = Proposal.Status.CONFIRMED
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.placement = placement
    proposal.save(update_fields=["status", "decided_by", "decided_at", "placement"])
    audit.record(
        actor=by, action="matching.proposal.confirm", obj=proposal,
        details={"run": proposal.run_id, "household": household.pk, "pledge": pledge.pk,
                 "destination_state": pledge.state_id, "persons": proposal.persons},
    )
    return proposal


@transaction.atomic
def _mark_stale(*, proposal_id: int, reason: str, by: User) -> Proposal | None:
    changed = Proposal.objects.filter(pk=proposal_id, status=Proposal.Status.PENDING).update(
        status=Proposal.Status.STALE, stale_reason=reason[:2000] or "-", decided_by=by, decided_at=timezone.now()
    )
    if not changed:
        return None
    proposal = Proposal.objects.get(pk=proposal_id)
    audit.record(actor=by, action="matching.proposal.stale", obj=proposal, details={"reason": reason})
    return proposal


def proposals_confirm(*, run: MatchingRun, proposal_ids: Iterable[int], by: User) -> Decision:
    """Confirm several proposals of a run, each in its own transaction (so that two
    coordinators at once are serialised per household and per pledge, never deadlocked),
    then tell each pledging state's officers once."""
    decision = Decision()
    ids = list(run.proposals.filter(pk__in=list(proposal_ids)).order_by("-value", "pk").values_list("pk", flat=True))
    versions = _versions_of(run.pk)
    for pk in ids:
        try:
            decision.confirmed.append(proposal_confirm(proposal_id=pk, by=by, versions=versions))
        except ProposalStale as exc:
            stale = _mark_stale(proposal_id=pk, reason=str(exc), by=by)
            if stale is not None:
                decision.stale.append((stale, str(exc)))
        except ValidationError as exc:
            decision.refused.append((pk, " ".join(exc.messages)))
    if decision.confirmed:
        _notify_states(run=run, confirmed=decision.confirmed, by=by)
    return decision


@transaction.atomic
def _notify_states(*, run: MatchingRun, confirmed: list[Proposal], by: User) -> None:
    from relocation.services import notify

    per_state: dict[str, list[Proposal]] = defaultdict(list)
    for proposal in confirmed:
        per_state[proposal.pledge_state_id].append(proposal)
    for state, proposals in sorted(per_state.items()):
        officers = User.objects.filter(
            is_active=True, role_assignments__role=Role.OFFICER, role_assignments__country_id=state
        ).distinct()
        persons = sum(p.persons for p in proposals)
        notify(
            recipients=list(officers),
            subject=_("%(n)s households (%(persons)s persons) proposed to %(state)s")
            % {"n": len(proposals), "persons": persons, "state": state},
            body=_("The EUAA matching coordinator proposed %(n)s households for your relocation pledge. "
                   "Their files are now in your queue.") % {"n": len(proposals)},
            link=officer_queue_link(),
            by=by,
        )


def officer_queue_link() -> str:
    """The officer's landing page (their queue of proposed candidates, registered by a higher
    floor): this floor links to "home" rather than naming a page above it."""
    from django.urls import reverse

    return reverse("home")


@transaction.atomic
def proposals_discard(*, run: MatchingRun, proposal_ids: Iterable[int], by: User) -> int:
    proposals = list(
        run.proposals.select_for_update().filter(pk__in=list(proposal_ids), status=Proposal.Status.PENDING)
    )
    now = timezone.now()
    for proposal in proposals:
        proposal.status = Proposal.Status.DISCARDED
        proposal.decided_by = by
        proposal.decided_at = now
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(actor=by, action="matching.proposal.discard", obj=proposal,
                     details={"run": run.pk, "household": proposal.household_id, "pledge": proposal.pledge_id})
    return len(proposals)
