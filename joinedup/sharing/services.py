"""Writes for sharing: consent, lawful bases, break-glass, access requests, agreements and
categories. Each takes ``actor=``, checks the actor may act, and audits what it did."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from joinedup.accounts.models import Organisation, User
from joinedup.accounts.roles import Role
from joinedup.audit.services import record_event
from joinedup.core.uploads import check_upload

from .categories import IDENTITY
from .models import (
    AccessRequest,
    BreakGlass,
    Consent,
    InformationCategory,
    LawfulBasis,
    SharingAgreement,
)
from .policy import BREAK_GLASS_ROLES, RECORD_KEEPING_ROLES, access_to_person, works_with_people

if TYPE_CHECKING:
    from joinedup.core.actor import Actor
    from joinedup.people.models import Person

#: File types accepted as evidence of consent: suffix → the name users know.
EVIDENCE_TYPES = {".pdf": "PDF", ".jpg": "JPG", ".jpeg": "JPG", ".png": "PNG"}
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
MIN_REASON_LENGTH = 20


def _has_role(actor: Actor, roles: Iterable[str]) -> bool:
    return actor.user is not None and actor.user.is_active and actor.user.has_any_role(roles)


def _require_ig(actor: Actor) -> None:
    if not _has_role(actor, {Role.INFORMATION_GOVERNANCE}):
        raise PermissionDenied("Only information governance officers can do this.")


def _require_identity_access(actor: Actor, person: Person) -> Any:
    if not works_with_people(actor) or not _has_role(actor, RECORD_KEEPING_ROLES):
        raise PermissionDenied("Your role does not record sharing decisions.")
    access = access_to_person(actor=actor, person=person)
    if not access.allows(IDENTITY):
        raise PermissionDenied("You have no basis to see this person's record.")
    return access


def check_evidence_file(upload: UploadedFile) -> None:
    """Evidence of consent: PDF, JPEG or PNG, at most 5 MB, and the content must look like
    what its name says (checked by its first bytes, not the browser's word)."""
    check_upload(
        upload,
        field="evidence",
        noun="evidence",
        allowed=EVIDENCE_TYPES,
        max_bytes=EVIDENCE_MAX_BYTES,
    )


def record_consent(
    *,
    actor: Actor,
    person: Person,
    categories: Iterable[InformationCategory],
    purpose: str,
    how_given: str,
    given_on: date,
    organisations: Iterable[Organisation] = (),
    agreement: SharingAgreement | None = None,
    expires_on: date | None = None,
    evidence: UploadedFile | None = None,
) -> Consent:
    access = _require_identity_access(actor, person)
    organisations = list(organisations)
    categories = list(categories)
    errors: dict[str, str] = {}
    if not organisations and agreement is None:
        errors["organisations"] = (
            "Select the organisations, or a sharing agreement, the consent covers"
        )
    if not categories:
        errors["categories"] = "Select the information the person agreed to share"
    if not purpose.strip():
        errors["purpose"] = "Enter what the information will be used for"
    if given_on > timezone.localdate():
        errors["given_on"] = "The date consent was given must be today or in the past"
    if expires_on is not None and expires_on <= given_on:
        errors["expires_on"] = "The expiry date must be after the date consent was given"
    if agreement is not None and not agreement.is_current(given_on):
        errors["agreement"] = "That sharing agreement is not in force"
    elif agreement is not None:
        outside = {c.code for c in categories} - set(
            agreement.categories.values_list("code", flat=True)
        )
        if outside:
            errors["categories"] = (
                "The sharing agreement does not cover all the information selected"
            )
    if errors:
        raise ValidationError(errors)
    if evidence is not None:
        check_evidence_file(evidence)
    with transaction.atomic():
        consent = Consent(
            person=person,
            agreement=agreement,
            purpose=purpose.strip(),
            how_given=how_given,
            given_on=given_on,
            expires_on=expires_on,
            recorded_by_organisation_id=actor.org,
        ).stamp(actor)
        if evidence is not None:
            consent.evidence = evidence
        consent.full_clean(exclude=["recorded_by_organisation", "evidence"])
        consent.save()
        consent.organisations.set(organisations)
        consent.categories.set(categories)
        record_event(
            actor=actor,
            action="consent",
            person_id=person.pk,
            categories=[c.code for c in categories],
            basis=access.audit_basis([IDENTITY])[0],
            detail={
                "consent": str(consent.pk),
                "organisations": [o.name for o in organisations],
                "agreement": agreement.name if agreement else "",
                "how_given": how_given,
            },
        )
    return consent


def record_consent_given_with_referral(
    *,
    actor: Actor,
    person: Person,
    organisation: Organisation,
    referral_reference: str,
    given_on: date,
    how_given: str,
    basis: str,
) -> Consent:
    """Record the consent captured with a referral (F5): the person agreed that the
    organisation the referral went to may see who they are and how to contact them. Identity
    and contact only; anything more is for that organisation to ask for. Audited as a consent.

    Two callers: a staff referral (the referrer has confirmed the person agreed; the actor may
    see the person) and triage of a self-referral matched to an existing record (the resident
    agreed on the online form; the actor cannot see the record yet, and this is what gives
    them the basis to). The caller checks the referral was made with consent, and for a
    self-referral that the record matches the referral closely and that the practitioner has
    checked with the resident it is theirs. ``basis`` is the actor's basis for the record, for
    the audit event ("consent" when this consent is what gives it).

    The consent lasts ``REFERRAL_CONSENT_DAYS`` (365) from the referral, and is withdrawn when
    the referral is declined (``withdraw_referral_consents``)."""
    if not works_with_people(actor) or not _has_role(actor, RECORD_KEEPING_ROLES):
        raise PermissionDenied("Your role does not record consent.")
    identity = InformationCategory.objects.get(code=IDENTITY)
    with transaction.atomic():
        consent = Consent(
            person=person,
            purpose=f"Referral {referral_reference}: to contact them and find the right help.",
            how_given=how_given,
            given_on=given_on,
            expires_on=given_on + timedelta(days=settings.JOINEDUP_REFERRAL_CONSENT_DAYS),
            referral_reference=referral_reference,
            recorded_by_organisation_id=actor.org,
        ).stamp(actor)
        consent.save()
        consent.organisations.set([organisation])
        consent.categories.set([identity])
        record_event(
            actor=actor,
            action="consent",
            person_id=person.pk,
            categories=[IDENTITY],
            basis=basis,
            detail={
                "consent": str(consent.pk),
                "organisations": [organisation.name],
                "referral": referral_reference,
                "how_given": how_given,
            },
        )
    return consent


def withdraw_referral_consents(
    *, actor: Actor, person_id: Any, referral_reference: str, organisation_id: Any
) -> int:
    """Withdraw the consents captured with a referral for the organisation it went to, when
    that organisation declines it: it has no more need to see the person. Returns how many
    were withdrawn; each is audited. (The caller has checked the actor answers the referral.)"""
    withdrawn = 0
    with transaction.atomic():
        consents = Consent.objects.select_for_update().filter(
            person_id=person_id,
            referral_reference=referral_reference,
            organisations=organisation_id,
            withdrawn_on__isnull=True,
        )
        for consent in consents:
            consent.withdrawn_on = timezone.now()
            consent.withdrawn_by = actor.user
            consent.withdrawal_reason = f"Referral {referral_reference} was declined."
            consent.stamp(actor).save()
            record_event(
                actor=actor,
                action="consent",
                person_id=person_id,
                categories=[IDENTITY],
                basis="consent",
                detail={
                    "consent": str(consent.pk),
                    "withdrawn": True,
                    "referral": referral_reference,
                },
            )
            withdrawn += 1
    return withdrawn


def withdraw_consent(*, actor: Actor, consent: Consent, reason: str) -> Consent:
    """Withdrawal takes effect on the next request anyone makes (SEC-15)."""
    access = _require_identity_access(actor, consent.person)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why consent was withdrawn"})
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_on is not None:
            raise ValidationError("This consent has already been withdrawn.")
        consent.withdrawn_on = timezone.now()
        consent.withdrawn_by = actor.user
        consent.withdrawal_reason = reason.strip()
        consent.stamp(actor)
        consent.save()
        record_event(
            actor=actor,
            action="consent",
            person_id=consent.person_id,
            categories=list(consent.categories.values_list("code", flat=True)),
            basis=access.audit_basis([IDENTITY])[0],
            detail={"consent": str(consent.pk), "withdrawn": True},
        )
    return consent


def request_lawful_basis(
    *,
    actor: Actor,
    person: Person,
    organisations: Iterable[Organisation],
    categories: Iterable[InformationCategory],
    gateway: str,
    justification: str,
    starts_on: date,
    ends_on: date,
) -> LawfulBasis:
    """Ask information governance to approve sharing without consent."""
    if not works_with_people(actor) or not _has_role(actor, RECORD_KEEPING_ROLES):
        raise PermissionDenied("Your role does not request lawful bases.")
    organisations, categories = list(organisations), list(categories)
    errors: dict[str, str] = {}
    if not organisations:
        errors["organisations"] = "Select the organisations that need the information"
    if not categories:
        errors["categories"] = "Select the information needed"
    if len(justification.strip()) < MIN_REASON_LENGTH:
        errors["justification"] = (
            "Explain why sharing without consent is necessary (at least 20 characters)"
        )
    if ends_on < starts_on:
        errors["ends_on"] = "The end date must be after the start date"
    elif (ends_on - starts_on).days > 366:
        errors["ends_on"] = "A lawful basis can last a year at most; review it then"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        basis = LawfulBasis(
            person=person,
            gateway=gateway,
            justification=justification.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            requested_by_organisation_id=actor.org,
        ).stamp(actor)
        basis.full_clean(exclude=["requested_by_organisation"])
        basis.save()
        basis.organisations.set(organisations)
        basis.categories.set(categories)
        record_event(
            actor=actor,
            action="lawful_basis",
            person_id=person.pk,
            categories=[c.code for c in categories],
            basis="",
            detail={"lawful_basis": str(basis.pk), "gateway": gateway, "status": "requested"},
        )
    return basis


def decide_lawful_basis(
    *, actor: Actor, basis: LawfulBasis, approve: bool, note: str
) -> LawfulBasis:
    """An information governance officer approves or refuses. Nobody decides their own request."""
    _require_ig(actor)
    if actor.organisation_id != basis.person.registered_by_id:
        raise PermissionDenied(
            "Information governance of the organisation holding the record decides."
        )
    if basis.created_by_id == actor.user_id:
        raise PermissionDenied("Someone else must decide a lawful basis you asked for.")
    if not note.strip():
        raise ValidationError({"note": "Enter the reason for your decision"})
    with transaction.atomic():
        basis = LawfulBasis.objects.select_for_update().get(pk=basis.pk)
        if basis.status != LawfulBasis.Status.PENDING:
            raise ValidationError("This lawful basis has already been decided.")
        basis.status = LawfulBasis.Status.APPROVED if approve else LawfulBasis.Status.REFUSED
        basis.decided_by = actor.user
        basis.decided_on = timezone.now()
        basis.decision_note = note.strip()
        basis.stamp(actor)
        basis.save()
        record_event(
            actor=actor,
            action="lawful_basis",
            person_id=basis.person_id,
            categories=list(basis.categories.values_list("code", flat=True)),
            basis="",
            detail={"lawful_basis": str(basis.pk), "status": basis.status},
        )
    return basis


def break_glass(*, actor: Actor, person: Person, reason: str) -> BreakGlass:
    """Emergency access: reason required, time-limited, reviewed by information governance
    (SEC-19)."""
    if not works_with_people(actor) or not _has_role(actor, BREAK_GLASS_ROLES):
        raise PermissionDenied("Your role cannot use break-glass access.")
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValidationError({"reason": "Explain the emergency (at least 20 characters)"})
    hours = settings.JOINEDUP_BREAK_GLASS_HOURS
    with transaction.atomic():
        glass = BreakGlass(
            person=person,
            user=actor.user,
            organisation_id=actor.org,
            reason=reason.strip(),
            expires_at=timezone.now() + timedelta(hours=hours),
        ).stamp(actor)
        glass.save()
        record_event(
            actor=actor,
            action="break_glass",
            person_id=person.pk,
            categories=[],
            basis="break_glass",
            detail={"break_glass": str(glass.pk), "hours": hours, "reason": glass.reason},
        )
    return glass


def review_break_glass(*, actor: Actor, glass: BreakGlass, outcome: str, note: str) -> BreakGlass:
    _require_ig(actor)
    if actor.organisation_id not in (glass.organisation_id, glass.person.registered_by_id):
        raise PermissionDenied(
            "Information governance of the user's or the holder's organisation reviews this."
        )
    if glass.user_id == actor.user_id:
        raise PermissionDenied("Someone else must review your own break-glass.")
    if outcome not in BreakGlass.Outcome.values:
        raise ValidationError({"outcome": "Select whether the access was appropriate"})
    if outcome == BreakGlass.Outcome.INAPPROPRIATE and not note.strip():
        raise ValidationError({"note": "Say what follow-up has been arranged"})
    with transaction.atomic():
        glass = BreakGlass.objects.select_for_update().get(pk=glass.pk)
        if glass.reviewed_on is not None:
            raise ValidationError("This break-glass has already been reviewed.")
        glass.reviewed_by = actor.user
        glass.reviewed_on = timezone.now()
        glass.outcome = outcome
        glass.review_note = note.strip()
        glass.stamp(actor)
        glass.save()
        record_event(
            actor=actor,
            action="review",
            person_id=glass.person_id,
            categories=[],
            basis="",
            detail={"break_glass": str(glass.pk), "outcome": outcome},
        )
    return glass


def request_access(*, actor: Actor, person: Person, reason: str) -> AccessRequest:
    """A partner without a basis asks the holding organisation for access; its information
    governance officers and admins are e-mailed and see it in their queue."""
    if not works_with_people(actor):
        raise PermissionDenied("Your role does not work with people's records.")
    if not access_to_person(actor=actor, person=person).restricted:
        raise ValidationError("You can already see this record.")
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValidationError({"reason": "Explain why you need access (at least 20 characters)"})
    with transaction.atomic():
        request = AccessRequest(
            person=person,
            requested_by=actor.user,
            requesting_organisation_id=actor.org,
            holding_organisation_id=person.registered_by_id,
            reason=reason.strip(),
        ).stamp(actor)
        request.save()
        record_event(
            actor=actor,
            action="request_access",
            person_id=person.pk,
            categories=[],
            basis="restricted",
            detail={"access_request": str(request.pk)},
        )
        transaction.on_commit(lambda: _notify_holders(request))
    return request


def _notify_holders(request: AccessRequest) -> None:
    recipients = list(
        User.objects.filter(
            organisation_id=request.holding_organisation_id,
            is_active=True,
            memberships__role__in=[Role.INFORMATION_GOVERNANCE, Role.ORGANISATION_ADMIN],
        )
        .distinct()
        .values_list("email", flat=True)
    )
    if recipients:
        send_mail(
            subject=f"{settings.JOINEDUP_SERVICE_NAME}: a partner has asked for access to a record",
            message=(
                f"{request.requesting_organisation.name} has asked for access to a person's "
                f"record that your organisation holds. Sign in to {settings.JOINEDUP_SERVICE_NAME} "
                "and open Information governance to answer it.\n\n"
                "For the person's privacy this email does not name them."
            ),
            from_email=None,
            recipient_list=recipients,
        )


def answer_access_request(*, actor: Actor, request: AccessRequest, answer: str) -> AccessRequest:
    """The holding organisation answers. Access itself comes only from a consent or an approved
    lawful basis, recorded separately."""
    if actor.organisation_id != request.holding_organisation_id or not _has_role(
        actor, {Role.INFORMATION_GOVERNANCE, *RECORD_KEEPING_ROLES}
    ):
        raise PermissionDenied("Only the organisation holding the record answers this.")
    if not answer.strip():
        raise ValidationError({"answer": "Enter your answer"})
    with transaction.atomic():
        request = AccessRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != AccessRequest.Status.OPEN:
            raise ValidationError("This request has already been answered.")
        request.status = AccessRequest.Status.ANSWERED
        request.answered_by = actor.user
        request.answered_on = timezone.now()
        request.answer = answer.strip()
        request.stamp(actor)
        request.save()
    return request


def create_agreement(
    *,
    actor: Actor,
    name: str,
    purpose: str,
    parties: Iterable[Organisation],
    categories: Iterable[InformationCategory],
    starts_on: date,
    ends_on: date | None,
    reference: str = "",
) -> SharingAgreement:
    _require_ig(actor)
    parties, categories = list(parties), list(categories)
    errors: dict[str, str] = {}
    if len(parties) < 2:
        errors["parties"] = "Select at least two organisations"
    if not categories:
        errors["categories"] = "Select the information the agreement covers"
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The end date must be after the start date"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        agreement = SharingAgreement(
            name=name.strip(),
            reference=reference.strip(),
            purpose=purpose.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
        ).stamp(actor)
        agreement.full_clean()
        agreement.save()
        agreement.parties.set(parties)
        agreement.categories.set(categories)
    return agreement


def update_category(
    *, actor: Actor, category: InformationCategory, name: str, description: str
) -> InformationCategory:
    """Categories are shipped; information governance may rename and describe them. Their codes
    never change, because data is tagged with them."""
    _require_ig(actor)
    if not name.strip():
        raise ValidationError({"name": "Enter a name"})
    category.name = name.strip()
    category.description = description.strip()
    category.stamp(actor)
    category.full_clean()
    category.save()
    return category
