"""Writes of the transfer of responsibility between the Dublin Units of two states.

The frontline state's Dublin Unit sends a request (the household moves accepted ->
transfer pending through the case workflow); the requested state's Dublin Unit accepts it or
refuses it with reasons; with no reply when the reply period ends, the daily job records a
tacit acceptance (``record_tacit_acceptances``: a conditional UPDATE claims each one, so a
second run changes nothing). An acceptance starts the transfer deadline (6 months, extended
to 12 for imprisonment or 18 for absconding with a recorded reason). After a refusal the
requesting state may ask for a re-examination within 3 weeks; the reply is due within 2.
Every period comes from ``missions.deadlines``. ``by=None`` is the system (job, demo).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.models import CaseStatus, Household
from relocation import audit
from relocation.access import access_of
from relocation.models import Role, User
from relocation.services import notify

from . import deadlines
from .deadlines import Extension
from .models import TransferFlag, TransferOfResponsibility
from .services import reject_and_return

T = TransferOfResponsibility


def _dublin_of(user, state: str) -> bool:
    return user is None or state in access_of(user).states(Role.DUBLIN_OFFICER)


def _require_dublin_of(user, state: str, what: str) -> None:
    if not _dublin_of(user, state):
        raise PermissionDenied(_("Only the Dublin Unit of %(state)s may %(what)s.") % {"state": state, "what": what})


def _lock(transfer: T) -> T:
    return T.objects.select_for_update().get(pk=transfer.pk)


def _save(transfer: T) -> None:
    transfer.full_clean(validate_constraints=False, validate_unique=False)
    transfer.save()


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


@transaction.atomic
def transfer_request(
    *,
    household: Household,
    by,
    legal_basis: str,
    sent_on: dt.date,
    dublinet_reference: str = "",
) -> T:
    """The frontline state's Dublin Unit asks the destination state to take responsibility."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    _require_dublin_of(by, household.frontline_state_id, _("send a request for this household"))
    if household.status != CaseStatus.ACCEPTED or not household.destination_state_id:
        raise ValidationError(_("Only a household accepted by a pledging state can be the subject of a request."))
    if legal_basis not in deadlines.LegalBasis.values:
        raise ValidationError({"legal_basis": _("Choose a legal basis.")})
    if sent_on > timezone.localdate():
        raise ValidationError({"sent_on": _("The request cannot be sent in the future.")})
    if T.objects.filter(household=household, closed_at__isnull=True).exists():
        raise ValidationError(_("This household already has an open transfer of responsibility."))
    transfer = T(
        household=household,
        requesting_state_id=household.frontline_state_id,
        requested_state_id=household.destination_state_id,
        legal_basis=legal_basis,
        dublinet_reference=(dublinet_reference or "").strip(),
        sent_on=sent_on,
        reply_due=deadlines.reply_due(legal_basis, sent_on),
        created_by=by,
    )
    _save(transfer)
    audit.record(
        actor=by, action="transfer.request", obj=transfer,
        details={"household": household.pk, "legal_basis": legal_basis, "reply_due": transfer.reply_due.isoformat()},
    )
    case_services.case_transition(
        household=household, to=CaseStatus.TRANSFER_PENDING, by=by,
        reason=_("Transfer of responsibility requested (%(ref)s)") % {"ref": transfer.dublinet_reference or transfer.pk},
    )
    _notify_state(
        transfer.requested_state_id, by,
        _("Transfer of responsibility requested: %(case)s, reply due %(due)s")
        % {"case": household.case_number, "due": transfer.reply_due.isoformat()}, transfer,
    )
    return transfer


@transaction.atomic
def transfer_reply(
    *, transfer: T, by, accepted: bool, replied_on: dt.date, refusal_reasons: str = ""
) -> T:
    """The requested state's Dublin Unit replies. A refusal states its reasons."""
    locked = _lock(transfer)
    _require_dublin_of(by, locked.requested_state_id, _("reply to this request"))
    if locked.closed_at or locked.reply:
        raise ValidationError(_("This request has been answered already."))
    if replied_on < locked.sent_on or replied_on > timezone.localdate():
        raise ValidationError({"replied_on": _("The reply date lies between the request and today.")})
    reasons = (refusal_reasons or "").strip()
    if accepted:
        locked.reply = T.Reply.ACCEPTED
        locked.transfer_deadline = deadlines.transfer_deadline(replied_on)
        reasons = ""
    else:
        if not reasons:
            raise ValidationError({"refusal_reasons": _("A refusal must state its reasons.")})
        locked.reply = T.Reply.REFUSED
    locked.refusal_reasons = reasons
    locked.replied_on = replied_on
    _save(locked)
    audit.record(
        actor=by, action="transfer.reply", obj=locked,
        details={"reply": locked.reply, "replied_on": replied_on.isoformat(), "reasons": reasons},
    )
    _notify_state(
        locked.requesting_state_id, by,
        _("Transfer of responsibility %(reply)s: %(case)s")
        % {"reply": locked.get_reply_display().lower(), "case": locked.household.case_number}, locked,
    )
    return locked


@transaction.atomic
def transfer_extend_deadline(*, transfer: T, by, extension: str, reason: str) -> T:
    """Art. 29(2): 12 months when the person is imprisoned, 18 when they abscond."""
    locked = _lock(transfer)
    _require_dublin_of(by, locked.requesting_state_id, _("extend the transfer deadline"))
    if not locked.responsibility_accepted or locked.closed_at:
        raise ValidationError(_("Only the deadline of an accepted, open transfer can be extended."))
    if extension not in (Extension.IMPRISONMENT, Extension.ABSCONDING):
        raise ValidationError({"extension": _("Choose imprisonment or absconding.")})
    if not (reason or "").strip():
        raise ValidationError({"extension_reason": _("Record the reason for the extension.")})
    accepted_on = locked.reexamination_replied_on if locked.reply == T.Reply.REFUSED else locked.replied_on
    previous = locked.transfer_deadline
    locked.extension = extension
    locked.extension_reason = reason.strip()
    locked.transfer_deadline = deadlines.transfer_deadline(accepted_on, extension)
    _save(locked)
    audit.record(
        actor=by, action="transfer.extend_deadline", obj=locked,
        details={"extension": extension, "reason": locked.extension_reason, "from": previous.isoformat(),
                 "to": locked.transfer_deadline.isoformat()},
    )
    return locked


@transaction.atomic
def transfer_request_reexamination(*, transfer: T, by, requested_on: dt.date) -> T:
    """After a refusal the requesting state may ask once for a re-examination, within 3 weeks."""
    locked = _lock(transfer)
    _require_dublin_of(by, locked.requesting_state_id, _("request a re-examination"))
    if locked.reply != T.Reply.REFUSED or locked.closed_at:
        raise ValidationError(_("A re-examination may be requested only after a refusal."))
    if locked.reexamination_requested_on:
        raise ValidationError(_("A re-examination was requested already."))
    last_day = deadlines.reexamination_request_due(locked.replied_on)
    if requested_on < locked.replied_on or requested_on > timezone.localdate():
        raise ValidationError({"requested_on": _("The request date lies between the refusal and today.")})
    if requested_on > last_day:
        raise ValidationError(
            _("The period for a re-examination request ended on %(day)s.") % {"day": last_day.isoformat()}
        )
    locked.reexamination_requested_on = requested_on
    locked.reexamination_reply_due = deadlines.reexamination_reply_due(requested_on)
    _save(locked)
    audit.record(
        actor=by, action="transfer.request_reexamination", obj=locked,
        details={"requested_on": requested_on.isoformat(), "reply_due": locked.reexamination_reply_due.isoformat()},
    )
    _notify_state(
        locked.requested_state_id, by,
        _("Re-examination requested: %(case)s") % {"case": locked.household.case_number}, locked,
    )
    return locked


@transaction.atomic
def transfer_reexamination_reply(*, transfer: T, by, accepted: bool, replied_on: dt.date) -> T:
    locked = _lock(transfer)
    _require_dublin_of(by, locked.requested_state_id, _("reply to the re-examination"))
    if not locked.reexamination_requested_on or locked.reexamination_reply or locked.closed_at:
        raise ValidationError(_("There is no open re-examination request."))
    if replied_on < locked.reexamination_requested_on or replied_on > timezone.localdate():
        raise ValidationError({"replied_on": _("The reply date lies between the request and today.")})
    locked.reexamination_reply = T.ReexaminationReply.ACCEPTED if accepted else T.ReexaminationReply.REFUSED
    locked.reexamination_replied_on = replied_on
    if accepted:
        locked.transfer_deadline = deadlines.transfer_deadline(replied_on)
    _save(locked)
    audit.record(actor=by, action="transfer.reexamination_reply", obj=locked, details={"accepted": accepted})
    if not accepted:
        _refused_for_good(locked, by=by, why=_("Transfer of responsibility refused by %(s)s on re-examination")
                          % {"s": locked.requested_state_id})
    return locked


def _refused_for_good(transfer: T, *, by, why: str) -> None:
    """Close a refused transfer and send the household back: rejected by the requested state,
    its places released, back in the pool when still ready for matching."""
    transfer.closed_at = timezone.now()
    transfer.save(update_fields=["closed_at"])
    house = Household.objects.select_for_update().get(pk=transfer.household_id)
    returned = None
    if house.status == CaseStatus.TRANSFER_PENDING:
        returned = reject_and_return(
            house, by=by, state=transfer.requested_state_id, why=why, release=why, transfer_refused=True
        )
    audit.record(
        actor=by, action="transfer.refused_for_good", obj=transfer,
        details={"household": house.pk, "reason": why, "returned_to_pool": returned},
    )


def transfer_close(*, household: Household, by) -> None:
    """Close the household's open transfer (called once its arrival is confirmed)."""
    transfer = T.objects.select_for_update().filter(household=household, closed_at__isnull=True).first()
    if transfer is not None:
        transfer.closed_at = timezone.now()
        transfer.save(update_fields=["closed_at"])
        audit.record(actor=by, action="transfer.close", obj=transfer, details={"household": household.pk})


# -- the daily deadlines job -------------------------------------------------------------------


def record_tacit_acceptances(*, today: dt.date | None = None) -> list[int]:
    """Art. 22(7): no reply by the end of the reply period is an acceptance. Each row is
    claimed by a conditional UPDATE (still unanswered, period ended), so running this twice,
    or in two workers at once, records each acceptance once."""
    today = _today(today)
    recorded: list[int] = []
    due_ids = list(
        T.objects.filter(reply="", closed_at__isnull=True, reply_due__lt=today).values_list("pk", "reply_due")
    )
    for pk, reply_due in due_ids:
        accepted_on = reply_due + dt.timedelta(days=1)
        with transaction.atomic():
            claimed = T.objects.filter(pk=pk, reply="", closed_at__isnull=True, reply_due__lt=today).update(
                reply=T.Reply.TACIT, replied_on=accepted_on,
                transfer_deadline=deadlines.transfer_deadline(accepted_on),
            )
            if not claimed:
                continue
            transfer = T.objects.select_related("household").get(pk=pk)
            audit.record(
                actor=None, action="transfer.tacit_acceptance", obj=transfer,
                details={"reply_due": reply_due.isoformat(), "accepted_on": accepted_on.isoformat()},
            )
            _notify_both(
                transfer, _("Tacit acceptance recorded: %(case)s (no reply by %(due)s)")
                % {"case": transfer.household.case_number, "due": reply_due.isoformat()},
            )
        recorded.append(pk)
    return recorded


def close_unused_refusals(*, today: dt.date | None = None) -> list[int]:
    """A refusal whose re-examination window ended without a request is final: the transfer is
    closed and the household sent back (see :func:`_refused_for_good`). Each transfer is locked
    and checked again before it is closed, so running this twice closes it once."""
    today = _today(today)
    closed: list[int] = []
    refused = T.objects.filter(reply=T.Reply.REFUSED, reexamination_requested_on__isnull=True, closed_at__isnull=True)
    for pk, replied_on in refused.values_list("pk", "replied_on"):
        last_day = deadlines.reexamination_request_due(replied_on)
        if last_day >= today:
            continue
        with transaction.atomic():
            transfer = refused.select_for_update(of=("self",)).filter(pk=pk).select_related("household").first()
            if transfer is None:
                continue
            _refused_for_good(
                transfer, by=None,
                why=_("Transfer of responsibility refused by %(s)s; no re-examination requested by %(day)s")
                % {"s": transfer.requested_state_id, "day": last_day.isoformat()},
            )
            _notify_both(
                transfer, _("Transfer closed after the refusal: %(case)s (no re-examination requested by %(day)s)")
                % {"case": transfer.household.case_number, "day": last_day.isoformat()},
            )
        closed.append(pk)
    return closed


def _flags_due(today: dt.date) -> list[tuple[T, str, dt.date]]:
    horizon = today + dt.timedelta(days=deadlines.warning_days())
    open_ = T.objects.filter(closed_at__isnull=True).select_related("household")
    rows = open_.filter(
        Q(reply="", reply_due__lte=horizon)
        | Q(transfer_deadline__lte=horizon)
        | Q(reexamination_reply="", reexamination_reply_due__lte=horizon)
    )
    found = []
    for transfer in rows:
        what_due = transfer.next_due()
        if what_due is None:
            continue
        what, due = what_due
        state = deadlines.at_risk(due, today)
        if state:
            found.append((transfer, f"{what}_{state}", due))
    return found


def flag_deadlines(*, today: dt.date | None = None) -> list[int]:
    """Flag reply, re-examination and transfer deadlines within the warning days or passed, and
    tell the Dublin Units of both states, once per flag (the flag's unique key claims it)."""
    today = _today(today)
    created: list[int] = []
    for transfer, kind, due in _flags_due(today):
        try:
            with transaction.atomic():
                flag = TransferFlag.objects.create(transfer=transfer, kind=kind, due=due, flagged_on=today)
                label = TransferFlag.Kind(kind).label
                _notify_both(
                    transfer, _("%(flag)s: %(case)s, due %(due)s")
                    % {"flag": label, "case": transfer.household.case_number, "due": due.isoformat()},
                )
        except IntegrityError:
            continue
        created.append(flag.pk)
    return created


def _dublin_officers(*states: str) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, role_assignments__role=Role.DUBLIN_OFFICER, role_assignments__country_id__in=states
        ).distinct().order_by("pk")
    )


def _link(transfer: T) -> str:
    return reverse("missions:transfer_detail", args=[transfer.pk])


def _notify_state(state: str, by, subject: str, transfer: T) -> None:
    recipients = [u for u in _dublin_officers(state) if by is None or u.pk != by.pk]
    if recipients:
        notify(recipients=recipients, subject=subject, link=_link(transfer), by=by)


def _notify_both(transfer: T, subject: str) -> None:
    recipients = _dublin_officers(transfer.requesting_state_id, transfer.requested_state_id)
    if recipients:
        notify(recipients=recipients, subject=subject, link=_link(transfer))
