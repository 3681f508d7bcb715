"""Writes for triage. Each takes ``actor=``, checks the actor may act (a record keeper of the
organisation the referral was made to), writes in a transaction with its audit events, and
locks the referral or triage row so two people triaging at once cannot both win (REL-01).

The steps, in order:

1. ``match_referral_to_person``: a referral that arrived without a record (a self-referral,
   say) is matched to an existing record the duplicate check offered, or a new record is made
   from what the resident told us. Matching an existing record the organisation could not see
   records the consent the resident gave on the form (identity and contact only); a referral
   from data matching carries no consent, so it is matched only to a record the organisation
   already has its own basis for, or a new record is made.
2. ``record_triage_assessment``: the first holistic assessment, which rates complexity and
   identifies the needs; the referral is accepted if it was still waiting.
3. ``complete_triage``: the outcome. Open a case (hand the person to a key worker), signpost
   to a directory service (optionally sending that service a referral), or no further action
   with a reason. The referral is closed with what happened, so the referrer knows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from joinedup.accounts.models import User
from joinedup.accounts.roles import Role
from joinedup.assessments.models import AreaScore, Assessment, AssessmentScale
from joinedup.assessments.rag import DEFAULT_RULES, is_complex
from joinedup.assessments.services import AreaAnswer, active_rule_set, record_assessment
from joinedup.audit.services import record_event
from joinedup.directory.models import Service
from joinedup.directory.needs import NeedArea
from joinedup.people.identifiers import normalise_postcode
from joinedup.people.models import Person, PersonName
from joinedup.people.names import normalise_name
from joinedup.people.services import record_involvement, register_person
from joinedup.referrals.models import Referral
from joinedup.referrals.services import (
    ReferralDestination,
    accept_referral,
    close_referral,
    refer_person,
)
from joinedup.sharing.categories import IDENTITY
from joinedup.sharing.models import Consent
from joinedup.sharing.policy import RECORD_KEEPING_ROLES, access_to_person, works_with_people
from joinedup.sharing.services import record_consent_given_with_referral

from .models import Triage

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

TEXT_MAX = 2000
#: Referrals that may still be triaged: waiting, or accepted and not yet closed.
TRIAGEABLE = (*Referral.OPEN_STATUSES, Referral.Status.ACCEPTED)


class TriageAlreadyCompletedError(ValidationError):
    """Someone else completed the triage first (REL-01)."""


def require_triager(actor: Actor, referral: Referral) -> None:
    """A record keeper of the organisation the referral was made to; anyone else who works with
    people is refused, and another organisation's referral is a 404 (rule 5)."""
    if not works_with_people(actor) or not actor.user.has_any_role(RECORD_KEEPING_ROLES):
        raise PermissionDenied("Your role does not triage referrals.")
    if actor.organisation_id != referral.to_organisation_id:
        raise Http404("No such referral.")


def _lock_triageable(referral: Referral) -> Referral:
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status not in TRIAGEABLE:
        raise ValidationError(
            f"This referral has been {locked.get_status_display().lower()}, so it cannot be "
            "triaged."
        )
    return locked


# ----------------------------------------------------------------------------- 1. who is it

CANNOT_MATCH_UNSEEN = (
    "You cannot see that record, and the referral does not match it closely enough: the date "
    "of birth and last name must be the same, and the postcode, phone number or email address. "
    "Add a new record, or ask the organisation that holds it for access"
)

CANNOT_MATCH_WITHOUT_CONSENT = (
    "This referral came from data matching, not from the person, so there is no consent to "
    "record: you can match it only to a record your organisation can already see. Add a new "
    "record, or ask the organisation that holds it for access"
)


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def strong_match(referral: Referral, person: Person) -> bool:
    """Whether a referral matches a record closely enough to be matched without seeing it: the
    same date of birth, the same last name (or one the person used before), and the same
    postcode, phone number or email address. A name alone never is: anyone can type a name,
    and matching records the resident's consent that lets the organisation see the record."""
    if referral.date_of_birth is None or referral.date_of_birth != person.date_of_birth:
        return False
    family = normalise_name(referral.family_name)
    families = {person.family_name_key} | set(
        PersonName.objects.filter(person=person).values_list("family_name_key", flat=True)
    )
    if not family or family not in families:
        return False
    postcode = normalise_postcode(referral.postcode) if referral.postcode else None
    phone = _digits(referral.phone)
    email = referral.email.strip().lower()
    return bool(
        (postcode and postcode == person.postcode)
        or (len(phone) >= 10 and phone == _digits(person.phone))
        or (email and email == person.email.strip().lower())
    )


def match_referral_to_person(
    *,
    actor: Actor,
    referral: Referral,
    person_id: uuid.UUID | None,
    shown: Iterable[uuid.UUID],
    identity_checked: bool = False,
) -> Person:
    """Give a referral that came without a record its person.

    ``shown`` are the records the duplicate check offered. ``person_id`` is one of them (the
    practitioner must have checked with the resident that it is theirs: ``identity_checked``),
    or None to add a new record from the details on the referral (recorded with the records
    that were shown, F2). Raises ``ValidationError`` naming the form field."""
    require_triager(actor, referral)
    shown = list(shown)
    with transaction.atomic():
        locked = _lock_triageable(referral)
        if locked.person_id is not None:
            raise ValidationError({"person": "This referral has already been matched to a record"})
        if person_id is None:
            person = register_person(
                actor=actor,
                values={
                    "given_name": locked.given_name,
                    "family_name": locked.family_name,
                    "date_of_birth": locked.date_of_birth,
                    "postcode": locked.postcode,
                    "phone": locked.phone,
                    "email": locked.email,
                },
                possible_duplicates=shown,
            )
            matched = "new record"
        else:
            if person_id not in shown:
                raise ValidationError({"person": "Select one of the records shown"})
            if not identity_checked:
                raise ValidationError(
                    {
                        "identity_checked": "Confirm you have checked with the person that this "
                        "is their record"
                    }
                )
            try:
                person = Person.objects.get(pk=person_id, archived_on__isnull=True)
            except Person.DoesNotExist as exc:
                raise ValidationError({"person": "That record is no longer available"}) from exc
            if not access_to_person(actor=actor, person=person).allows(IDENTITY):
                if locked.source == Referral.Source.DATA_MATCHING:
                    # No one asked: there is no consent to record, so no way in to a record
                    # the organisation has no basis of its own for.
                    raise ValidationError({"person": CANNOT_MATCH_WITHOUT_CONSENT})
                if not strong_match(locked, person):
                    raise ValidationError({"person": CANNOT_MATCH_UNSEEN})
                record_consent_given_with_referral(
                    actor=actor,
                    person=person,
                    organisation=locked.to_organisation,
                    referral_reference=locked.reference,
                    given_on=timezone.localdate(locked.received_on),
                    how_given=Consent.HowGiven.DIGITAL,
                    basis="consent",
                )
            record_involvement(actor=actor, person=person)
            matched = "existing record"
        locked.person = person
        locked.stamp(actor)
        locked.save(update_fields=["person", "modified_by", "modified_on"])
        record_event(
            actor=actor,
            action="update",
            person_id=person.pk,
            categories=[IDENTITY],
            basis=access_to_person(actor=actor, person=person).audit_basis([IDENTITY])[0],
            detail={
                "referral": locked.reference,
                "matched": matched,
                "possible_duplicates_shown": [str(pk) for pk in shown],
            },
        )
    referral.person = person
    return person


# ----------------------------------------------------------------------------- 2. the assessment


def identified_needs(assessment: Assessment, asked_for: Iterable[str]) -> list[str]:
    """The need areas of the assessment's complex issues (by the active rules), then those the
    person asked for help with, each once, in the order of the need area list."""
    rule_set = active_rule_set()
    rules = rule_set.values() if rule_set is not None else DEFAULT_RULES
    found = set(asked_for)
    for score in AreaScore.objects.filter(assessment=assessment).select_related("area"):
        if is_complex(score.score, score.complex_issue, rules) and score.area.need_area:
            found.add(score.area.need_area)
    return [need for need in NeedArea.values if need in found]


def record_triage_assessment(
    *,
    actor: Actor,
    referral: Referral,
    scale: AssessmentScale,
    assessed_on: date | None,
    scores: Mapping[str, AreaAnswer | tuple[int | None, bool, str]],
    motivators: str = "",
    motivator_tags: Iterable[str] = (),
    barriers: str = "",
    safeguarding_concern: bool = False,
    safeguarding_note: str = "",
    wellbeing: Mapping[str, int | None] | None = None,
    kind: str = Assessment.Kind.TRIAGE,
) -> Triage:
    """Record the triage assessment for a referral matched to a person, rate complexity from
    it, and start (or, if the assessment is redone before the outcome, update) the triage.
    Accepts the referral if it was still waiting. ``kind`` is accepted so the assessment form's
    arguments pass straight through; a triage assessment is always of kind triage."""
    require_triager(actor, referral)
    if referral.person_id is None:
        raise ValidationError({"person": "Find or add the person's record before the assessment"})
    with transaction.atomic():
        existing = Triage.objects.select_for_update().filter(referral_id=referral.pk).first()
        if existing is not None and existing.is_complete:
            raise TriageAlreadyCompletedError("This referral has already been triaged.")
        locked = _lock_triageable(referral)
        if existing is None and Triage.objects.filter(referral_id=referral.pk).exists():
            # Someone started this triage while we waited for the referral.
            raise TriageAlreadyCompletedError(
                "Someone else has just recorded the triage assessment. Open the referral again "
                "to see it."
            )
        person = Person.objects.get(pk=referral.person_id)
        assessment = record_assessment(
            actor=actor,
            person=person,
            scale=scale,
            kind=Assessment.Kind.TRIAGE,
            assessed_on=assessed_on,
            scores=scores,
            motivators=motivators,
            motivator_tags=motivator_tags,
            barriers=barriers,
            safeguarding_concern=safeguarding_concern,
            safeguarding_note=safeguarding_note,
            wellbeing=wellbeing,
        )
        if locked.is_open:
            locked = accept_referral(actor=actor, referral=locked)
        needs = identified_needs(assessment, locked.needs.values_list("need", flat=True))
        triage = existing or Triage(
            referral=locked,
            person=person,
            organisation_id=actor.org,
            triaged_by=actor.user,
        )
        triage.assessment = assessment
        triage.identified_needs = needs
        triage.stamp(actor).save()
        record_event(
            actor=actor,
            action="update" if existing else "create",
            person_id=person.pk,
            categories=[IDENTITY],
            basis=access_to_person(actor=actor, person=person).audit_basis([IDENTITY])[0],
            detail={
                "triage": str(triage.pk),
                "referral": locked.reference,
                "assessment": str(assessment.pk),
                "needs": needs,
            },
        )
    return triage


# ----------------------------------------------------------------------------- 3. the outcome


def key_worker_choices(*, organisation_id: Any) -> list[User]:
    """Active key workers of the organisation, by name: who a case may be handed to."""
    return list(
        User.objects.filter(
            organisation_id=organisation_id,
            is_active=True,
            memberships__role=Role.KEY_WORKER,
        )
        .distinct()
        .order_by("full_name")
    )


def outcome_for_referrer(
    *, organisation_name: str, outcome: str, service: Service | None, day: date
) -> str:
    """What the referrer is told (the closed loop): the outcome, never the reason for no
    further action, which may be sensitive."""
    when = f"Triaged on {day:%-d %B %Y} by {organisation_name}."
    if outcome == Triage.Outcome.OPEN_CASE:
        return f"{when} A case is being opened with a key worker."
    if outcome == Triage.Outcome.SIGNPOST and service is not None:
        return f"{when} Signposted to {service.name} ({service.organisation.name})."
    return f"{when} No further action. Contact {organisation_name} for details."


def complete_triage(
    *,
    actor: Actor,
    triage: Triage,
    outcome: str,
    key_worker: User | None = None,
    handoff_note: str = "",
    service: Service | None = None,
    send_referral: bool = False,
    person_agreed: bool = False,
    reason: str = "",
) -> Triage:
    """End the triage in one outcome and close the referral with what happened.

    - ``open_case``: ``key_worker`` (an active key worker of the actor's organisation) and an
      optional ``handoff_note``; case management opens the case.
    - ``signpost``: ``service``, a running directory service; with ``send_referral`` (and
      ``person_agreed``) the service is sent a referral for the identified needs it helps with.
    - ``no_further_action``: ``reason``, kept with the triage (the referrer is told only that
      there was no further action).
    """
    require_triager(actor, triage.referral)
    errors: dict[str, str] = {}
    handoff_note, reason = handoff_note.strip(), reason.strip()
    if outcome not in Triage.Outcome.values:
        errors["outcome"] = "Select the outcome of the triage"
    elif outcome == Triage.Outcome.OPEN_CASE:
        allowed = {u.pk for u in key_worker_choices(organisation_id=actor.org)}
        if key_worker is None:
            errors["key_worker"] = "Select the key worker"
        elif key_worker.pk not in allowed:
            errors["key_worker"] = "Select an active key worker in your organisation"
        if len(handoff_note) > TEXT_MAX:
            errors["handoff_note"] = f"The note must be {TEXT_MAX} characters or fewer"
    elif outcome == Triage.Outcome.SIGNPOST:
        if service is None:
            errors["service"] = "Select the service"
        elif service.archived_on is not None or service.status != Service.Status.ACTIVE:
            errors["service"] = "That service is not running. Select another"
        elif send_referral and not service.accepting_referrals:
            errors["send_referral"] = (
                "That service is not taking referrals at the moment. Signpost without a "
                "referral, or choose another service"
            )
        if send_referral and not person_agreed:
            errors["person_agreed"] = "Confirm the person agreed to the referral"
        if len(handoff_note) > TEXT_MAX:
            errors["handoff_note"] = f"The note must be {TEXT_MAX} characters or fewer"
    else:
        if len(handoff_note) > TEXT_MAX:
            errors["handoff_note"] = f"The note must be {TEXT_MAX} characters or fewer"
        if not reason:
            errors["reason"] = "Enter why there is no further action"
        elif len(reason) > TEXT_MAX:
            errors["reason"] = f"The reason must be {TEXT_MAX} characters or fewer"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = (
            Triage.objects.select_for_update()
            .select_related("referral", "organisation", "person")
            .get(pk=triage.pk)
        )
        if locked.is_complete:
            raise TriageAlreadyCompletedError(
                f"This triage was completed: {locked.get_outcome_display().lower()}."
            )
        locked.outcome = outcome
        locked.completed_on = timezone.now()
        if outcome == Triage.Outcome.OPEN_CASE:
            locked.key_worker = key_worker
            locked.handoff_note = handoff_note
        elif outcome == Triage.Outcome.SIGNPOST:
            assert service is not None  # for mypy: checked above
            locked.signposted_service = service
            locked.handoff_note = handoff_note
            if send_referral:
                offered = set(service.needs.values_list("need", flat=True))
                needs = [n for n in locked.identified_needs if n in offered]
                locked.onward_referral = refer_person(
                    actor=actor,
                    person=locked.person,
                    destination=ReferralDestination(
                        organisation=service.organisation, service=service
                    ),
                    reason=handoff_note
                    or f"Signposted after triage of referral {locked.referral.reference}.",
                    needs=needs,
                    urgency=Referral.Urgency.ROUTINE,
                    consent_to_share=person_agreed,
                )
        else:
            locked.no_further_action_reason = reason
            locked.handoff_note = handoff_note
        locked.stamp(actor).save()
        close_referral(
            actor=actor,
            by_triage=True,
            referral=locked.referral,
            outcome=outcome_for_referrer(
                organisation_name=locked.organisation.name,
                outcome=outcome,
                service=service,
                day=timezone.localdate(),
            ),
        )
        record_event(
            actor=actor,
            action="update",
            person_id=locked.person_id,
            categories=[IDENTITY],
            basis=access_to_person(actor=actor, person=locked.person).audit_basis([IDENTITY])[0],
            detail={
                "triage": str(locked.pk),
                "referral": locked.referral.reference,
                "outcome": outcome,
                "key_worker": str(key_worker.pk) if key_worker else "",
                "service": str(service.pk) if service else "",
                "onward_referral": locked.onward_referral.reference
                if locked.onward_referral
                else "",
            },
        )
    return locked
