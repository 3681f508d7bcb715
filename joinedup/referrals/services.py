"""Writes for referrals. Each takes ``actor=``, checks the actor may act, writes in a
transaction with the audit event, and for state changes locks the row so exactly one of two
people answering at once wins (REL-01)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from joinedup.accounts.models import Organisation, Team
from joinedup.audit.services import record_event
from joinedup.core.working_days import add_working_days
from joinedup.directory.needs import NeedArea
from joinedup.people.identifiers import normalise_postcode
from joinedup.sharing.categories import IDENTITY
from joinedup.sharing.models import Consent
from joinedup.sharing.policy import RECORD_KEEPING_ROLES, access_to_person, works_with_people
from joinedup.sharing.services import (
    record_consent_given_with_referral,
    withdraw_referral_consents,
)

from .models import Referral, ReferralNeed, ResponseTarget
from .selectors import triage_progress

if TYPE_CHECKING:
    from joinedup.core.actor import Actor
    from joinedup.directory.models import Service
    from joinedup.people.models import Person

#: Crockford's base32 without look-alikes: references are read out over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


class ReferralAlreadyAnsweredError(ValidationError):
    """Someone else answered the referral first (REL-01)."""


def new_reference() -> str:
    return "R" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))


def respond_by(*, organisation_id: Any, team_id: Any, received: date, urgency: str) -> date:
    """The date a referral must be answered by: today for urgent, 2 working days for soon,
    otherwise the team's or organisation's target (default REFERRAL_RESPONSE_DAYS, 5)."""
    if urgency == Referral.Urgency.URGENT:
        return received
    if urgency == Referral.Urgency.SOON:
        return add_working_days(received, 2)
    targets: dict[Any, int] = dict(
        ResponseTarget.objects.filter(organisation_id=organisation_id).values_list(
            "team_id", "working_days"
        )
    )
    days = targets.get(team_id) if team_id else None
    if days is None:
        days = targets.get(None, settings.JOINEDUP_REFERRAL_RESPONSE_DAYS)
    return add_working_days(received, int(days))


def _clean_needs(needs: Iterable[str]) -> list[str]:
    chosen = sorted(set(needs))
    unknown = [n for n in chosen if n not in NeedArea.values]
    if unknown:
        raise ValidationError({"needs": "Select need areas from the list"})
    return chosen


def _save(referral: Referral, needs: list[str]) -> Referral:
    for _ in range(5):
        referral.reference = new_reference()
        try:
            with transaction.atomic():
                referral.save()
        except IntegrityError:
            continue
        ReferralNeed.objects.bulk_create(ReferralNeed(referral=referral, need=n) for n in needs)
        return referral
    raise IntegrityError("Could not find a free referral reference.")


@dataclass(frozen=True)
class ReferralDestination:
    organisation: Organisation
    team: Team | None = None
    service: Service | None = None


def refer_person(
    *,
    actor: Actor,
    person: Person,
    destination: ReferralDestination,
    reason: str,
    needs: Iterable[str],
    urgency: str,
    consent_to_share: bool,
) -> Referral:
    """A member of staff refers a person they may see to a partner, team or service."""
    if not works_with_people(actor) or not actor.user.has_any_role(RECORD_KEEPING_ROLES):
        raise PermissionDenied("Your role does not make referrals.")
    access = access_to_person(actor=actor, person=person)
    if not access.allows(IDENTITY):
        raise PermissionDenied("You have no basis to see this person's record.")
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "Enter why you are referring them"
    if not consent_to_share:
        errors["consent_to_share"] = "Confirm the person agreed to this referral"
    if (
        destination.team is not None
        and destination.team.organisation_id != destination.organisation.pk
    ):
        errors["to_team"] = "The team must belong to the organisation you refer to"
    if (
        destination.service is not None
        and destination.service.organisation_id != destination.organisation.pk
    ):
        errors["to_service"] = "The service must belong to the organisation you refer to"
    if errors:
        raise ValidationError(errors)
    chosen = _clean_needs(needs)
    now = timezone.now()
    with transaction.atomic():
        referral = Referral(
            person=person,
            source=Referral.Source.STAFF,
            referred_by_organisation_id=actor.org,
            referred_by=actor.user,
            to_organisation=destination.organisation,
            to_team=destination.team,
            to_service=destination.service,
            reason=reason.strip(),
            urgency=urgency,
            consent_to_share=True,
            received_on=now,
            respond_by=respond_by(
                organisation_id=destination.organisation.pk,
                team_id=destination.team.pk if destination.team else None,
                received=timezone.localdate(now),
                urgency=urgency,
            ),
        ).stamp(actor)
        referral.full_clean(exclude=["reference", "to_organisation", "person"])
        _save(referral, chosen)
        if destination.organisation.pk != actor.org:
            # The consent captured with the referral, in the person's consent ledger: the
            # organisation referred to may see who they are and how to contact them.
            record_consent_given_with_referral(
                actor=actor,
                person=person,
                organisation=destination.organisation,
                referral_reference=referral.reference,
                given_on=timezone.localdate(now),
                how_given=Consent.HowGiven.VERBAL,
                basis=access.audit_basis([IDENTITY])[0],
            )
        record_event(
            actor=actor,
            action="create",
            person_id=person.pk,
            categories=[IDENTITY],
            basis=access.audit_basis([IDENTITY])[0],
            detail={"referral": referral.reference, "to": destination.organisation.name},
        )
    return referral


@dataclass(frozen=True)
class SelfReferralAnswers:
    given_name: str
    family_name: str
    date_of_birth: date | None
    postcode: str
    phone: str
    email: str
    contact_preference: str
    needs: tuple[str, ...]
    reason: str
    consent_to_share: bool


def self_referral_organisation() -> Organisation:
    """Where residents' own referrals go: SELF_REFERRAL_ORGANISATION by name, else the first
    co-located statutory partner (the hub)."""
    name = settings.JOINEDUP_SELF_REFERRAL_ORGANISATION
    organisations = Organisation.objects.active()
    found = organisations.filter(name=name).first() if name else None
    found = (
        found
        or organisations.filter(organisation_type="statutory", co_located=True)
        .order_by("created_on")
        .first()
    )
    if found is None:
        raise PermissionDenied("No organisation takes self-referrals yet.")
    return found


def receive_self_referral(*, actor: Actor, answers: SelfReferralAnswers) -> Referral:
    """A resident asks for help on the public form. The details wait on the referral until
    triage finds or creates their record through the duplicate check."""
    if not answers.consent_to_share:
        raise ValidationError({"consent_to_share": "Confirm you agree to us sharing your details"})
    chosen = _clean_needs(answers.needs)
    organisation = self_referral_organisation()
    now = timezone.now()
    with transaction.atomic():
        referral = Referral(
            source=Referral.Source.SELF,
            to_organisation=organisation,
            reason=answers.reason.strip(),
            urgency=Referral.Urgency.ROUTINE,
            consent_to_share=True,
            received_on=now,
            respond_by=respond_by(
                organisation_id=organisation.pk,
                team_id=None,
                received=timezone.localdate(now),
                urgency="routine",
            ),
            given_name=answers.given_name.strip(),
            family_name=answers.family_name.strip(),
            date_of_birth=answers.date_of_birth,
            postcode=normalise_postcode(answers.postcode) or "" if answers.postcode else "",
            phone=answers.phone.strip(),
            email=answers.email.strip(),
            contact_preference=answers.contact_preference,
        )
        referral.full_clean(exclude=["reference", "to_organisation", "person"])
        _save(referral, chosen)
        record_event(
            actor=actor,
            action="create",
            person_id=None,
            categories=[IDENTITY],
            basis="",
            detail={"referral": referral.reference, "source": "self-referral"},
        )
    return referral


def _receiving_staff(actor: Actor, referral: Referral) -> None:
    if not works_with_people(actor) or actor.organisation_id != referral.to_organisation_id:
        raise PermissionDenied("Only the organisation the referral was made to can answer it.")


def _answer(
    *, actor: Actor, referral: Referral, status: str, reason: str = "", outcome: str = ""
) -> Referral:
    _receiving_staff(actor, referral)
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        allowed_from = (
            Referral.OPEN_STATUSES
            if status != Referral.Status.CLOSED
            else (*Referral.OPEN_STATUSES, Referral.Status.ACCEPTED)
        )
        if locked.status not in allowed_from:
            raise ReferralAlreadyAnsweredError(
                f"This referral has already been {locked.get_status_display().lower()}."
            )
        locked.status = status
        if status in (Referral.Status.ACCEPTED, Referral.Status.DECLINED):
            locked.responded_on = timezone.now()
            locked.responded_by = actor.user
        locked.decline_reason = reason.strip() or locked.decline_reason
        locked.outcome = outcome.strip() or locked.outcome
        locked.stamp(actor)
        locked.save()
        record_event(
            actor=actor,
            action="update",
            person_id=locked.person_id,
            categories=[IDENTITY],
            basis="own_organisation",
            detail={"referral": locked.reference, "status": status},
        )
    return locked


def accept_referral(*, actor: Actor, referral: Referral) -> Referral:
    return _answer(actor=actor, referral=referral, status=Referral.Status.ACCEPTED)


def decline_referral(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    """Decline with a reason the referrer sees. The consent captured with the referral for the
    declining organisation is withdrawn: it no longer needs to see the person."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter why you are declining the referral"})
    with transaction.atomic():
        declined = _answer(
            actor=actor, referral=referral, status=Referral.Status.DECLINED, reason=reason
        )
        if declined.person_id is not None:
            withdraw_referral_consents(
                actor=actor,
                person_id=declined.person_id,
                referral_reference=declined.reference,
                organisation_id=declined.to_organisation_id,
            )
    return declined


def close_referral(
    *, actor: Actor, referral: Referral, outcome: str, by_triage: bool = False
) -> Referral:
    """Close with what happened, for the referrer. A referral whose triage has started is
    closed by completing the triage (``by_triage``), so the triage is never left half done."""
    if not outcome.strip():
        raise ValidationError({"outcome": "Enter what happened, so the referrer knows"})
    if not by_triage and triage_progress(referral=referral) == "started":
        raise ValidationError(
            {"outcome": "This referral is being triaged. Complete the triage to close it"}
        )
    return _answer(actor=actor, referral=referral, status=Referral.Status.CLOSED, outcome=outcome)
