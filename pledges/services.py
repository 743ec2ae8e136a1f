"""Every write to pledges and the capacity ledger.

Pledges change only through ``pledge_record`` and ``pledge_amend``: each keeps a
``PledgeVersion`` (full snapshot, effective date) and an audit row. Places are taken and
given back only through ``placement_reserve`` / ``placement_advance`` / ``placement_release``,
which lock the pledge row (and the quota row) so that concurrent reservations are
serialised and a pledge or quota is never overbooked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from relocation import audit

from .models import Placement, Pledge, PledgeQuota, PledgeVersion, SolidarityCycle

# Fields a pledge is recorded with; all but the first three may be amended.
IDENTITY_FIELDS = ("cycle", "state", "kind")
AMENDABLE_FIELDS = (
    "places",
    "amount_eur",
    "description",
    "status",
    "valid_from",
    "valid_to",
    "nationalities",
    "compositions",
    "max_household_size",
    "excluded_vulnerabilities",
    "prioritised_vulnerabilities",
    "languages",
)


class CapacityExceeded(ValidationError):
    """A reservation that would take more places than a pledge or quota has left."""


def snapshot_of(pledge: Pledge, quotas: Mapping[str, int]) -> dict[str, Any]:
    """The full state of a pledge as JSON (dates as ISO strings)."""
    data: dict[str, Any] = {
        "cycle": pledge.cycle.code,
        "state": pledge.state_id,
        "kind": pledge.kind,
    }
    for field in AMENDABLE_FIELDS:
        value = getattr(pledge, field)
        data[field] = value.isoformat() if isinstance(value, dt.date) else value
    data["quotas"] = {code: int(places) for code, places in sorted(quotas.items())}
    return data


def _quotas_of(pledge: Pledge) -> dict[str, int]:
    return dict(pledge.quotas.values_list("frontline_state_id", "places"))


def _committed(pledge: Pledge) -> tuple[int, dict[str, int]]:
    """Persons held by active placements: in total and per frontline state."""
    rows = (
        Placement.objects.filter(pledge=pledge, released_at__isnull=True)
        .values("frontline_state_id")
        .annotate(persons=Sum("persons"))
    )
    per_state = {row["frontline_state_id"]: row["persons"] for row in rows}
    return sum(per_state.values()), per_state


def _check_quotas(pledge: Pledge, quotas: Mapping[str, int], committed: tuple[int, dict[str, int]] | None) -> None:
    from relocation.models import Country

    if quotas and pledge.kind != Pledge.Kind.RELOCATION:
        raise ValidationError({"quotas": _("Only a relocation pledge has quotas per frontline state.")})
    for code, places in quotas.items():
        if not isinstance(places, int) or isinstance(places, bool) or places < 0:
            raise ValidationError({"quotas": _("Quota places must be whole numbers, zero or more (%(code)s).") % {"code": code}})
    if quotas:
        frontline = set(Country.objects.filter(code__in=list(quotas), is_frontline=True).values_list("code", flat=True))
        unknown = sorted(set(quotas) - frontline)
        if unknown:
            raise ValidationError({"quotas": _("Not a frontline state: %(codes)s.") % {"codes": ", ".join(unknown)}})
        total = sum(quotas.values())
        if total > (pledge.places or 0):
            raise ValidationError(
                {"quotas": _("The quotas add up to %(total)s places, more than the pledge's %(places)s.")
                 % {"total": total, "places": pledge.places or 0}}
            )
    if committed is None:
        return
    used, used_per_state = committed
    if pledge.kind == Pledge.Kind.RELOCATION and (pledge.places or 0) < used:
        raise ValidationError(
            {"places": _("%(used)s places are already taken by proposed, accepted or relocated households; "
                         "the pledge cannot go below that.") % {"used": used}}
        )
    if quotas:
        for code, persons in used_per_state.items():
            if code not in quotas:
                raise ValidationError(
                    {"quotas": _("Households from %(code)s already hold %(used)s places: keep a quota for %(code)s.")
                     % {"code": code, "used": persons}}
                )
            if quotas[code] < persons:
                raise ValidationError(
                    {"quotas": _("The quota for %(code)s cannot go below the %(used)s places already taken.")
                     % {"code": code, "used": persons}}
                )


def _write_quotas(pledge: Pledge, quotas: Mapping[str, int]) -> None:
    existing = {q.frontline_state_id: q for q in pledge.quotas.all()}
    for code, quota in existing.items():
        if code not in quotas:
            quota.delete()
    for code, places in quotas.items():
        if code in existing:
            if existing[code].places != places:
                existing[code].places = places
                existing[code].save(update_fields=["places"])
        else:
            PledgeQuota.objects.create(pledge=pledge, frontline_state_id=code, places=places)


@transaction.atomic
def pledge_record(
    *,
    cycle: SolidarityCycle,
    state_code: str,
    kind: str,
    by,
    fields: Mapping[str, Any] | None = None,
    quotas: Mapping[str, int] | None = None,
    effective_at: dt.datetime | None = None,
    reason: str = "",
) -> Pledge:
    """Record a pledge on behalf of a state (version 1)."""
    fields = dict(fields or {})
    unknown = sorted(set(fields) - set(AMENDABLE_FIELDS))
    if unknown:
        raise ValidationError(_("Unknown pledge fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    quotas = dict(quotas or {})
    now = timezone.now()
    pledge = Pledge(cycle=cycle, state_id=state_code, kind=kind, created_at=now, updated_at=now, version=1, **fields)
    pledge.full_clean()
    _check_quotas(pledge, quotas, committed=None)
    pledge.save()
    _write_quotas(pledge, quotas)
    snapshot = snapshot_of(pledge, quotas)
    PledgeVersion.objects.create(
        pledge=pledge,
        number=1,
        effective_at=effective_at or now,
        by=by if getattr(by, "is_authenticated", False) else None,
        reason=reason or _("Pledge recorded."),
        changes={},
        snapshot=snapshot,
        status=pledge.status,
        places=pledge.places,
        amount_eur=pledge.amount_eur,
    )
    audit.record(actor=by, action="pledge.record", obj=pledge, details=snapshot)
    return pledge


@transaction.atomic
def pledge_amend(
    *,
    pledge: Pledge,
    changes: Mapping[str, Any],
    by,
    reason: str,
    effective_at: dt.datetime | None = None,
) -> Pledge:
    """Change a pledge: keep the new version (snapshot, effective date) and an audit row.

    ``changes`` holds amendable fields and optionally ``quotas`` ({frontline state: places},
    replacing all quotas). A pledge cannot fall below the places already taken.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the pledge changes.")})
    changes = dict(changes)
    new_quotas = changes.pop("quotas", None)
    unknown = sorted(set(changes) - set(AMENDABLE_FIELDS))
    if unknown:
        raise ValidationError(
            _("These fields cannot be amended: %(fields)s (record a new pledge instead).") % {"fields": ", ".join(unknown)}
        )
    locked = Pledge.objects.select_for_update().select_related("cycle", "state").get(pk=pledge.pk)
    old_quotas = _quotas_of(locked)
    before = snapshot_of(locked, old_quotas)
    for field, value in changes.items():
        setattr(locked, field, value)
    if locked.kind != Pledge.Kind.RELOCATION:
        new_quotas = {} if new_quotas is None else new_quotas
    quotas = dict(old_quotas if new_quotas is None else new_quotas)
    locked.full_clean()
    _check_quotas(locked, quotas, committed=_committed(locked))
    after = snapshot_of(locked, quotas)
    diff = {key: {"from": before[key], "to": after[key]} for key in after if before.get(key) != after[key]}
    if not diff:
        raise ValidationError(_("Nothing changed."))
    last = locked.versions.order_by("-number").first()
    now = timezone.now()
    effective_at = effective_at or now
    if last is not None and effective_at < last.effective_at:
        raise ValidationError(
            {"effective_at": _("An amendment cannot take effect before the version it replaces (%(when)s).")
             % {"when": timezone.localtime(last.effective_at).strftime("%Y-%m-%d %H:%M")}}
        )
    locked.version = (last.number if last else 0) + 1
    locked.updated_at = now
    locked.save()
    _write_quotas(locked, quotas)
    PledgeVersion.objects.create(
        pledge=locked,
        number=locked.version,
        effective_at=effective_at,
        by=by if getattr(by, "is_authenticated", False) else None,
        reason=reason.strip(),
        changes=diff,
        snapshot=after,
        status=locked.status,
        places=locked.places,
        amount_eur=locked.amount_eur,
    )
    audit.record(
        actor=by, action="pledge.amend", obj=locked,
        details={"version": locked.version, "reason": reason.strip(), "changes": diff},
    )
    return locked


@transaction.atomic
def placement_reserve(*, pledge: Pledge, household, by, at: dt.datetime | None = None) -> Placement:
    """Take places of a relocation pledge for a whole household (stage "proposed").

    The pledge row and the quota row are locked first, so concurrent reservations are
    serialised: the check "places left >= household size" and the insert happen as one.
    """
    locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if locked.kind != Pledge.Kind.RELOCATION:
        raise ValidationError(_("Only a relocation pledge has places to reserve."))
    if locked.status != Pledge.Status.OPEN:
        raise ValidationError(
            _("The pledge is %(status)s: no places can be reserved.") % {"status": locked.get_status_display().lower()}
        )
    at = at or timezone.now()
    today = timezone.localdate(at)
    if (locked.valid_from and today < locked.valid_from) or (locked.valid_to and today > locked.valid_to):
        raise ValidationError(_("The pledge is not valid on %(day)s.") % {"day": today.isoformat()})
    persons = int(household.size)
    frontline = household.frontline_state_id
    if persons < 1:
        raise ValidationError(_("The household has no members."))
    quota = PledgeQuota.objects.select_for_update().filter(pledge=locked).filter(frontline_state_id=frontline).first()
    if quota is None and PledgeQuota.objects.filter(pledge=locked).exists():
        raise CapacityExceeded(
            _("The pledge takes no households from %(state)s (it has quotas for other frontline states only).")
            % {"state": frontline}
        )
    used, used_per_state = _committed(locked)
    left = (locked.places or 0) - used
    if persons > left:
        raise CapacityExceeded(
            _("The pledge has %(left)s places left; this household needs %(persons)s.") % {"left": left, "persons": persons}
        )
    if quota is not None:
        quota_left = quota.places - used_per_state.get(frontline, 0)
        if persons > quota_left:
            raise CapacityExceeded(
                _("The quota for %(state)s has %(left)s places left; this household needs %(persons)s.")
                % {"state": frontline, "left": quota_left, "persons": persons}
            )
    placement = Placement(
        pledge=locked, frontline_state_id=frontline, household=household, persons=persons,
        stage=Placement.Stage.PROPOSED, proposed_at=at,
    )
    placement.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            placement.save()
    except IntegrityError:
        raise ValidationError(_("The household already holds places of a pledge; release them first.")) from None
    audit.record(
        actor=by, action="placement.reserve", obj=placement,
        details={"pledge": locked.pk, "household": household.pk, "persons": persons, "frontline_state": frontline},
    )
    return placement


@transaction.atomic
def placement_resize(*, placement: Placement, persons: int, by) -> Placement:
    """Change the persons an active placement holds (e.g. part of the household was split off
    while the pledging state decides). Shrinking always fits; growing must fit the pledge's
    places left and its quota for the frontline state. Locks as ``placement_reserve`` does:
    the pledge row, then the quota row, then the placement."""
    locked_pledge = Pledge.objects.select_for_update().get(pk=placement.pledge_id)
    quota = (
        PledgeQuota.objects.select_for_update()
        .filter(pledge=locked_pledge, frontline_state_id=placement.frontline_state_id)
        .first()
    )
    locked = Placement.objects.select_for_update().get(pk=placement.pk)
    if locked.released_at is not None:
        raise ValidationError(_("This placement was released already."))
    if locked.stage == Placement.Stage.RELOCATED:
        raise ValidationError(_("The household was relocated: its places cannot change."))
    persons = int(persons)
    if persons < 1:
        raise ValidationError({"persons": _("A placement holds at least one person; release it instead.")})
    previous = locked.persons
    growth = persons - previous
    if growth > 0:
        used, used_per_state = _committed(locked_pledge)
        left = (locked_pledge.places or 0) - used
        if growth > left:
            raise CapacityExceeded(
                _("The pledge has %(left)s places left; %(n)s more are needed.") % {"left": left, "n": growth}
            )
        if quota is not None:
            quota_left = quota.places - used_per_state.get(locked.frontline_state_id, 0)
            if growth > quota_left:
                raise CapacityExceeded(
                    _("The quota for %(state)s has %(left)s places left; %(n)s more are needed.")
                    % {"state": locked.frontline_state_id, "left": quota_left, "n": growth}
                )
    if growth:
        locked.persons = persons
        locked.save(update_fields=["persons"])
        audit.record(
            actor=by, action="placement.resize", obj=locked,
            details={"pledge": locked_pledge.pk, "household": locked.household_id, "from": previous, "to": persons},
        )
    return locked


_STAGE_FIELD = {
    Placement.Stage.ACCEPTED: "accepted_at",
    Placement.Stage.IN_TRANSFER: "in_transfer_at",
    Placement.Stage.RELOCATED: "relocated_at",
}


@transaction.atomic
def placement_advance(*, placement: Placement, stage: str, by, at: dt.datetime | None = None) -> Placement:
    """Move a placement forward (proposed -> accepted -> in transfer -> relocated).

    Skipped stages get the same timestamp, so the figures as of any date stay consistent."""
    locked = Placement.objects.select_for_update().get(pk=placement.pk)
    if locked.released_at is not None:
        raise ValidationError(_("This placement was released; reserve again instead."))
    if stage not in Placement.Stage.values:
        raise ValidationError(_("Unknown stage: %(stage)s.") % {"stage": stage})
    order = [s.value for s in Placement.ORDER]
    current, target = order.index(locked.stage), order.index(stage)
    if target <= current:
        raise ValidationError(
            _("A placement only moves forward: it is %(current)s already.") % {"current": locked.get_stage_display().lower()}
        )
    at = at or timezone.now()
    for step in order[current + 1 : target + 1]:
        setattr(locked, _STAGE_FIELD[step], at)
    previous = locked.stage
    locked.stage = stage
    locked.save()
    audit.record(actor=by, action="placement.advance", obj=locked, details={"from": previous, "to": stage})
    return locked


@transaction.atomic
def placement_release(*, placement: Placement, by, reason: str, at: dt.datetime | None = None) -> Placement:
    """Give the places back (rejection, withdrawal, no-show ...). Relocated people stay counted."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the places are released.")})
    locked = Placement.objects.select_for_update().get(pk=placement.pk)
    if locked.released_at is not None:
        raise ValidationError(_("This placement was released already."))
    if locked.stage == Placement.Stage.RELOCATED:
        raise ValidationError(_("The household was relocated: its places cannot be released."))
    locked.released_at = at or timezone.now()
    locked.release_reason = reason.strip()
    locked.save(update_fields=["released_at", "release_reason"])
    audit.record(
        actor=by, action="placement.release", obj=locked,
        details={"stage": locked.stage, "persons": locked.persons, "reason": locked.release_reason},
    )
    return locked


# -- the dashboard's read model of the case files' status history -----------------------

# Status changes committed out of id order (concurrent transactions) are caught by looking
# this far back below the newest change already read.
STAY_SYNC_LOOKBACK = 1000
_STAY_LOCK = 0x5E1ED_57A7  # an arbitrary key for PostgreSQL's advisory lock


def _unread_households() -> set[int] | None:
    """Households with a status change not yet in ``StageStay`` (None: the read model is empty)."""
    from django.db.models import Max

    from cases.models import StatusChange

    from .models import StageStay

    newest = StageStay.objects.aggregate(newest=Max("status_change_id"))["newest"]
    if newest is None:
        return None if StatusChange.objects.exists() else set()
    # Two index range scans and a set difference: cheaper than an anti-join over the whole table.
    floor = newest - STAY_SYNC_LOOKBACK
    recent = set(StatusChange.objects.filter(pk__gt=floor).values_list("pk", flat=True))
    recent -= set(StageStay.objects.filter(status_change_id__gt=floor).values_list("status_change_id", flat=True))
    if not recent:
        return set()
    return set(StatusChange.objects.filter(pk__in=recent).values_list("household_id", flat=True))


def stay_month(left_at: dt.datetime) -> dt.date:
    """The month (in the current time zone) a stay that ended at ``left_at`` counts in."""
    return timezone.localtime(left_at).date().replace(day=1)


def _month_counts(rows) -> dict[tuple[str, dt.date, int], int]:
    """(status, left_at, hours) of closed stays -> {(status, month, whole days): stays}."""
    counts: dict[tuple[str, dt.date, int], int] = {}
    for status, left_at, hours in rows:
        key = (status, stay_month(left_at), hours // 24)
        counts[key] = counts.get(key, 0) + 1
    return counts


def _apply_month_counts(delta: dict[tuple[str, dt.date, int], int]) -> None:
    from .models import StageStayMonth

    delta = {key: n for key, n in delta.items() if n}
    if not delta:
        return
    months = {month for _status, month, _days in delta}
    existing = {
        (row.status, row.month, row.days): row
        for row in StageStayMonth.objects.filter(month__in=months)
    }
    created, updated, emptied = [], [], []
    for key, n in delta.items():
        row = existing.get(key)
        if row is None:
            if n < 0:
                raise ValueError(f"stays per month out of step at {key}")
            created.append(StageStayMonth(status=key[0], month=key[1], days=key[2], stays=n))
        elif row.stays + n > 0:
            row.stays += n
            updated.append(row)
        else:
            emptied.append(row.pk)
    StageStayMonth.objects.filter(pk__in=emptied).delete()
    StageStayMonth.objects.bulk_update(updated, ["stays"], batch_size=2000)
    StageStayMonth.objects.bulk_create(created, batch_size=5000)


def stage_stays_sync() -> int:
    """Bring ``StageStay`` (and ``StageStayMonth``) up to date with ``cases.StatusChange``;
    returns the households rebuilt.

    A derived projection, not a user's write (no audit row). Households with a status change
    not yet read get their stays rebuilt from their whole history, so a change that arrives
    late or out of order still lands in the right place. Three indexed queries when nothing
    changed; the rebuild itself runs under a lock so two requests never do it twice."""
    from django.db import connection

    from cases.models import StatusChange

    from .models import StageStay

    if _unread_households() == set():
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_STAY_LOCK])
        households = _unread_households()
        if households == set():
            return 0
        delta: dict[tuple[str, dt.date, int], int] = {}
        if households is not None:
            old = StageStay.objects.filter(household_id__in=households, left_at__isnull=False)
            for key, n in _month_counts(old.values_list("status", "left_at", "hours")).items():
                delta[key] = delta.get(key, 0) - n
            StageStay.objects.filter(household_id__in=households).delete()
        changes = StatusChange.objects.order_by("household_id", "at", "id")
        if households is not None:
            changes = changes.filter(household_id__in=households)
        stays: list[StageStay] = []
        previous: StageStay | None = None
        rebuilt = 0
        for change_id, household_id, status, at in changes.values_list("id", "household_id", "to_status", "at").iterator(
            chunk_size=20000
        ):
            if previous is not None and previous.household_id == household_id:
                previous.left_at = at
                previous.hours = int((at - previous.entered_at).total_seconds() // 3600)
            else:
                rebuilt += 1
            previous = StageStay(status_change_id=change_id, household_id=household_id, status=status, entered_at=at)
            stays.append(previous)
            if len(stays) >= 20000:
                # Keep the last stay back: the household's next change may still close it.
                _write_stays(stays[:-1], delta)
                stays = stays[-1:]
        _write_stays(stays, delta)
        _apply_month_counts(delta)
    return rebuilt


def _write_stays(stays, delta: dict) -> None:
    from .models import StageStay

    StageStay.objects.bulk_create(stays, batch_size=5000)
    closed = ((s.status, s.left_at, s.hours) for s in stays if s.left_at is not None)
    for key, n in _month_counts(closed).items():
        delta[key] = delta.get(key, 0) + n
