"""Writes for cases and plans. Each takes ``actor=``, checks the actor may act and may see the
person (the sharing policy), writes in one transaction with its audit event, and for changes
to an existing case or action checks the version the user saw: if someone else changed it
since, the change is refused with a clear message instead of overwriting theirs (REL-01).

Who may do what:
- the lead organisation's record keepers open, pause, close, re-open and transfer cases and
  build the plan;
- a partner's record keepers update the actions their organisation owns.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from joinedup.accounts.models import Organisation, User
from joinedup.accounts.roles import Role
from joinedup.assessments.models import AssessmentScale, ScaleArea
from joinedup.audit.services import record_event
from joinedup.core.actor import Actor
from joinedup.core.uploads import check_upload
from joinedup.directory.models import Service
from joinedup.directory.needs import NeedArea
from joinedup.people.models import Person
from joinedup.referrals.models import Referral
from joinedup.referrals.services import REFERENCE_ALPHABET, ReferralDestination, refer_person
from joinedup.sharing.categories import IDENTITY
from joinedup.sharing.models import InformationCategory
from joinedup.sharing.policy import RECORD_KEEPING_ROLES, access_to_person, works_with_people
from joinedup.triage.models import Triage

from .models import Action, Attachment, Case, CaseEvent, Contact, CrossReferral, Goal, Programme

if TYPE_CHECKING:
    from joinedup.sharing.policy import PersonAccess

TEXT_MAX = 1000
NOTE_MAX = 2000


class StaleEditError(ValidationError):
    """Someone else changed the record since the user opened it (REL-01)."""


def _require_record_keeper(actor: Actor) -> None:
    if not works_with_people(actor) or not actor.user.has_any_role(RECORD_KEEPING_ROLES):
        raise PermissionDenied("Your role does not manage cases.")


def _identity_access(actor: Actor, person: Person) -> PersonAccess:
    access = access_to_person(actor=actor, person=person)
    if not access.allows(IDENTITY):
        raise Http404("No such person.")  # rule 5
    return access


def _require_lead(actor: Actor, case: Case) -> PersonAccess:
    _require_record_keeper(actor)
    if actor.organisation_id != case.organisation_id:
        raise Http404("No such case.")
    return _identity_access(actor, case.person)


def _basis(access: PersonAccess, holder: Any = None, category: str = IDENTITY) -> str:
    """The actor's basis for a record of ``category`` held by ``holder`` (by default the
    organisation holding the person's core record), for the audit event."""
    return access.decide(category, holder).basis.value


def _require_active(case: Case) -> None:
    if not case.is_active:
        raise ValidationError(
            f"The case is {case.get_status_display().lower()}. Re-open it to change the plan"
        )


def is_key_worker_of(user: User | None, organisation_id: Any) -> bool:
    """An active key worker of the organisation."""
    return bool(
        user is not None
        and user.is_active
        and user.organisation_id == organisation_id
        and user.has_role(Role.KEY_WORKER)
    )


def category_for_need(need: str) -> str:
    """The information category of a need area: that of the active assessment scale's area for
    it (so a plan's goals and actions are shared exactly as the assessment's areas are)."""
    scale = AssessmentScale.objects.filter(active=True).order_by("-created_on").first()
    found = (
        ScaleArea.objects.filter(scale=scale, need_area=need)
        .values_list("category", flat=True)
        .first()
        if scale is not None
        else None
    )
    return found or IDENTITY


def _new_reference() -> str:
    return "C" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))


def _event(actor: Actor, case: Case, kind: str, reason: str = "", **detail: Any) -> None:
    CaseEvent(case=case, kind=kind, reason=reason, detail=detail).stamp(actor).save()


def _bump(case: Case, expected_version: int | None) -> Case:
    """Lock the case and check nobody changed it since the user saw ``expected_version``."""
    locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEditError(
            "Someone else changed this case since you opened it. Check the case and try again."
        )
    locked.version += 1
    return locked


# ----------------------------------------------------------------------------- the case


def open_case(
    *,
    actor: Actor,
    person: Person,
    programme: Programme,
    key_worker: User,
    triage: Triage | None = None,
) -> Case:
    """Open a case in a programme, led by the actor's organisation, with one key worker (an
    active key worker of that organisation). From a triage that handed the person over, the
    handoff is marked taken. One active case per person and programme."""
    _require_record_keeper(actor)
    access = _identity_access(actor, person)
    errors: dict[str, str] = {}
    if not programme.active:
        errors["programme"] = "That programme is closed. Select another"
    if not is_key_worker_of(key_worker, actor.org):
        errors["key_worker"] = "Select an active key worker in your organisation"
    if triage is not None and (
        triage.person_id != person.pk
        or triage.organisation_id != actor.org
        or triage.outcome != Triage.Outcome.OPEN_CASE
    ):
        errors["triage"] = "That triage did not hand this person to your organisation"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if triage is not None:
            locked_triage = Triage.objects.select_for_update().get(pk=triage.pk)
            if locked_triage.case_opened_on is not None:
                raise ValidationError({"triage": "A case has already been opened from it"})
            locked_triage.case_opened_on = timezone.now()
            locked_triage.stamp(actor).save(update_fields=["case_opened_on", "modified_by"])
        case = Case(
            person=person,
            programme=programme,
            organisation_id=actor.org,
            key_worker=key_worker,
            triage=triage,
            opened_on=timezone.localdate(),
        ).stamp(actor)
        already = f"They already have an open case in {programme.name}"
        if Case.objects.filter(
            person=person, programme=programme, status__in=Case.ACTIVE_STATUSES
        ).exists():
            raise ValidationError({"programme": already})
        for _ in range(5):
            case.reference = _new_reference()
            try:
                with transaction.atomic():
                    case.save()
            except IntegrityError as error:
                if Case.objects.filter(reference=case.reference).exists():
                    continue  # a reference already in use: draw another
                raise ValidationError({"programme": already}) from error  # a race
            break
        else:
            raise IntegrityError("Could not find a free case reference.")
        _event(actor, case, CaseEvent.Kind.OPENED, key_worker=str(key_worker.pk))
        record_event(
            actor=actor,
            action="create",
            person_id=person.pk,
            categories=[IDENTITY],
            basis=_basis(access, actor.org),
            detail={
                "case": case.reference,
                "programme": programme.name,
                "key_worker": str(key_worker.pk),
                "triage": str(triage.pk) if triage else "",
            },
        )
    return case


#: Which status changes are allowed, and the event each records.
TRANSITIONS: dict[str, dict[str, str]] = {
    Case.Status.OPEN: {Case.Status.PAUSED: "paused", Case.Status.CLOSED: "closed"},
    Case.Status.REOPENED: {Case.Status.PAUSED: "paused", Case.Status.CLOSED: "closed"},
    Case.Status.PAUSED: {Case.Status.OPEN: "resumed", Case.Status.CLOSED: "closed"},
    Case.Status.CLOSED: {Case.Status.REOPENED: "reopened"},
}


def change_case_status(
    *,
    actor: Actor,
    case: Case,
    status: str,
    reason: str = "",
    closure_reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """Pause, resume, close (with a closure reason) or re-open a case. Pausing, closing and
    re-opening need a reason; re-opening checks no other case in the programme is active."""
    access = _require_lead(actor, case)
    reason = reason.strip()
    errors: dict[str, str] = {}
    allowed = TRANSITIONS.get(case.status, {})
    if status not in allowed:
        errors["status"] = (
            f"A case that is {case.get_status_display().lower()} cannot be changed to that"
        )
    if status == Case.Status.CLOSED and closure_reason not in Case.ClosureReason.values:
        errors["closure_reason"] = "Select why the case is closing"
    if status in (Case.Status.PAUSED, Case.Status.CLOSED, Case.Status.REOPENED) and not reason:
        errors["reason"] = "Enter the reason"
    elif len(reason) > NOTE_MAX:
        errors["reason"] = f"The reason must be {NOTE_MAX} characters or fewer"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _bump(case, expected_version)
        if locked.status != case.status:
            raise StaleEditError("Someone else changed this case since you opened it.")
        kind = allowed[status]
        locked.status = status
        if status == Case.Status.CLOSED:
            locked.closed_on = timezone.localdate()
            locked.closure_reason = closure_reason
            locked.closure_note = reason
        elif status == Case.Status.REOPENED:
            locked.closed_on = None
        locked.stamp(actor)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as error:
            raise ValidationError(
                {"status": "They have another active case in this programme"}
            ) from error
        _event(actor, locked, kind, reason, closure_reason=closure_reason)
        record_event(
            actor=actor,
            action="update",
            person_id=locked.person_id,
            categories=[IDENTITY],
            basis=_basis(access, locked.organisation_id),
            detail={"case": locked.reference, "status": status},
        )
    return locked


def transfer_case(
    *,
    actor: Actor,
    case: Case,
    key_worker: User,
    reason: str,
    expected_version: int | None = None,
) -> Case:
    """Give the case a new key worker, in the actor's organisation (reassign) or another
    (the lead organisation changes with them). The new organisation must already have a basis
    to see the person (consent is re-checked); both key workers are told by e-mail."""
    access = _require_lead(actor, case)
    reason = reason.strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "Enter why the case is moving"
    elif len(reason) > NOTE_MAX:
        errors["reason"] = f"The reason must be {NOTE_MAX} characters or fewer"
    if key_worker.organisation_id is None or not is_key_worker_of(
        key_worker, key_worker.organisation_id
    ):
        errors["key_worker"] = "Select an active key worker"
    elif key_worker.pk == case.key_worker_id:
        errors["key_worker"] = "They are already the key worker. Select someone else"
    elif not access_to_person(
        actor=Actor.for_user(key_worker, process="case transfer check"), person=case.person
    ).allows(IDENTITY):
        organisation = Organisation.objects.get(pk=key_worker.organisation_id)
        errors["key_worker"] = (
            f"{organisation.name} has no basis to see this person's record. Record the "
            "person's consent for them first"
        )
    elif key_worker.organisation_id != case.organisation_id:
        # The new lead will hold the plan: it must already have a basis for each kind of
        # information in it, or the transfer would share more than the person agreed.
        new_access = access_to_person(
            actor=Actor.for_user(key_worker, process="case transfer check"), person=case.person
        )
        plan = set(case.goals.values_list("category", flat=True)) | set(
            case.actions.values_list("category", flat=True)
        )
        missing = sorted(c for c in plan if not new_access.allows(c, case.organisation_id))
        if missing:
            names = dict(InformationCategory.objects.values_list("code", "name"))
            errors["key_worker"] = (
                "They have no basis to see parts of the plan ("
                + ", ".join(names.get(c, c).lower() for c in missing)
                + "). Record the person's consent for them first"
            )
    if not case.is_active:
        errors["key_worker"] = "Only an active case can move. Re-open it first"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _bump(case, expected_version)
        previous = User.objects.get(pk=locked.key_worker_id)
        from_org = locked.organisation_id
        assert key_worker.organisation_id is not None  # for mypy: checked above
        locked.key_worker = key_worker
        locked.organisation_id = key_worker.organisation_id
        locked.stamp(actor).save()
        _event(
            actor,
            locked,
            CaseEvent.Kind.TRANSFERRED,
            reason,
            from_key_worker=str(previous.pk),
            to_key_worker=str(key_worker.pk),
            from_organisation=str(from_org),
            to_organisation=str(key_worker.organisation_id),
        )
        record_event(
            actor=actor,
            action="update",
            person_id=locked.person_id,
            categories=[IDENTITY],
            basis=_basis(access, case.organisation_id),
            detail={
                "case": locked.reference,
                "transferred": True,
                "from_key_worker": str(previous.pk),
                "to_key_worker": str(key_worker.pk),
                "organisation_changed": from_org != key_worker.organisation_id,
            },
        )
        transaction.on_commit(lambda: _tell_key_workers(locked, previous, key_worker))
    return locked


def _tell_key_workers(case: Case, previous: User, new: User) -> None:
    """Both key workers hear of the change; for the person's privacy the e-mail names only
    the case reference."""
    service = settings.JOINEDUP_SERVICE_NAME
    send_mail(
        subject=f"{service}: case {case.reference} has a new key worker",
        message=(
            f"Case {case.reference} has moved from {previous.full_name} to {new.full_name}. "
            f"Sign in to {service} to see it."
        ),
        from_email=None,
        recipient_list=[u.email for u in (previous, new) if u.email],
    )


# ----------------------------------------------------------------------------- the plan


def add_goal(*, actor: Actor, case: Case, need_area: str, description: str) -> Goal:
    """A goal for one need area, shared as that area's category."""
    access = _require_lead(actor, case)
    _require_active(case)
    description = description.strip()
    errors: dict[str, str] = {}
    if need_area not in NeedArea.values:
        errors["need_area"] = "Select the need area"
    if not description:
        errors["description"] = "Enter the goal, in the person's words if you can"
    elif len(description) > TEXT_MAX:
        errors["description"] = f"The goal must be {TEXT_MAX} characters or fewer"
    if errors:
        raise ValidationError(errors)
    category = category_for_need(need_area)
    with transaction.atomic():
        goal = Goal(
            case=case, need_area=need_area, description=description, category=category
        ).stamp(actor)
        goal.save()
        record_event(
            actor=actor,
            action="create",
            person_id=case.person_id,
            categories=[category],
            basis=_basis(access, case.organisation_id, category),
            detail={"case": case.reference, "goal": str(goal.pk)},
        )
    return goal


def add_action(
    *,
    actor: Actor,
    case: Case,
    description: str,
    owner_organisation: Organisation,
    owner: User | None = None,
    goal: Goal | None = None,
    due_on: date | None = None,
    need_area: str = "",
) -> Action:
    """An action in the plan, owned by an organisation (optionally a named member of its
    staff). Its category is its goal's, or that of the need area given (one is needed)."""
    access = _require_lead(actor, case)
    _require_active(case)
    description = description.strip()
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = "Enter what will be done"
    elif len(description) > TEXT_MAX:
        errors["description"] = f"The action must be {TEXT_MAX} characters or fewer"
    if goal is not None and goal.case_id != case.pk:
        errors["goal"] = "Select one of this case's goals"
    if need_area and need_area not in NeedArea.values:
        errors["need_area"] = "Select the need area"
    if goal is None and not need_area:
        # Otherwise it would be shared as identity: with every partner who may see the person.
        errors["need_area"] = "Choose the goal it is towards, or what it is about"
    if owner is not None and (
        owner.organisation_id != owner_organisation.pk or not owner.is_active
    ):
        errors["owner"] = "The named person must be active staff of the owning organisation"
    if owner_organisation.archived_on is not None:
        errors["owner_organisation"] = "That organisation is no longer a partner"
    if due_on is not None and due_on < case.opened_on:
        errors["due_on"] = "The due date must be on or after the day the case opened"
    if errors:
        raise ValidationError(errors)
    category = goal.category if goal is not None else category_for_need(need_area)
    with transaction.atomic():
        action = Action(
            case=case,
            goal=goal,
            description=description,
            owner_organisation=owner_organisation,
            owner=owner,
            due_on=due_on,
            category=category,
        ).stamp(actor)
        action.save()
        record_event(
            actor=actor,
            action="create",
            person_id=case.person_id,
            categories=[category],
            basis=_basis(access, case.organisation_id, category),
            detail={
                "case": case.reference,
                "action": str(action.pk),
                "owner": owner_organisation.name,
            },
        )
    return action


def may_update_action(actor: Actor, action: Action) -> bool:
    """The lead organisation's and the owning organisation's record keepers."""
    return (
        works_with_people(actor)
        and actor.user.has_any_role(RECORD_KEEPING_ROLES)
        and actor.organisation_id in (action.case.organisation_id, action.owner_organisation_id)
    )


def update_action(
    *,
    actor: Actor,
    action: Action,
    status: str,
    progress_note: str,
    expected_version: int,
    changes: Mapping[str, Any] | None = None,
) -> Action:
    """Record progress on an action: its status and a note. Refused, with the latest shown,
    if someone else changed it after ``expected_version`` (REL-01)."""
    if not may_update_action(actor, action):
        raise Http404("No such action.")
    _require_active(action.case)
    progress_note = progress_note.strip()
    errors: dict[str, str] = {}
    if status not in Action.Status.values:
        errors["status"] = "Select the status"
    if len(progress_note) > NOTE_MAX:
        errors["progress_note"] = f"The note must be {NOTE_MAX} characters or fewer"
    if errors:
        raise ValidationError(errors)
    access = access_to_person(actor=actor, person=action.case.person)
    values: dict[str, Any] = {
        "status": status,
        "progress_note": progress_note,
        "completed_on": timezone.localdate() if status == Action.Status.DONE else None,
        "modified_by_id": actor.user_id,
        "modified_on": timezone.now(),
        **dict(changes or {}),
    }
    with transaction.atomic():
        updated = Action.objects.filter(pk=action.pk, version=expected_version).update(
            version=F("version") + 1, **values
        )
        if not updated:
            raise StaleEditError(
                "Someone else updated this action since you opened it. Their update is shown "
                "below: check it and make your change again."
            )
        record_event(
            actor=actor,
            action="update",
            person_id=action.case.person_id,
            categories=[action.category],
            basis=_basis(
                access,
                action.owner_organisation_id
                if action.owner_organisation_id == actor.organisation_id
                else action.case.organisation_id,
                action.category,
            ),
            detail={"case": action.case.reference, "action": str(action.pk), "status": status},
        )
    return Action.objects.select_related("case").get(pk=action.pk)


# ----------------------------------------------------------------------------- cross-referrals


def cross_refer(
    *,
    actor: Actor,
    case: Case,
    service: Service,
    reason: str,
    needs: list[str],
    consent_to_share: bool,
    urgency: str = Referral.Urgency.ROUTINE,
) -> CrossReferral:
    """Refer the person from their case to a partner's directory service. The partner finds it
    in its inbox, accepts or declines it with a reason, and closes it with what it did; the
    key worker sees all of that on the case. The partner sees who the person is (the consent
    captured with the referral) and, of the case, only the categories the person has agreed
    to share with it."""
    _require_lead(actor, case)
    errors: dict[str, str] = {}
    if not case.is_active:
        errors["service"] = "Re-open the case before referring from it"
    if service.archived_on is not None or service.status != Service.Status.ACTIVE:
        errors["service"] = "That service is not running. Select another"
    elif not service.accepting_referrals:
        errors["service"] = "That service is not taking referrals at the moment"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        referral = refer_person(
            actor=actor,
            person=case.person,
            destination=ReferralDestination(organisation=service.organisation, service=service),
            reason=reason,
            needs=needs,
            urgency=urgency,
            consent_to_share=consent_to_share,
        )
        link = CrossReferral(case=case, referral=referral).stamp(actor)
        link.save()
    return link


# ----------------------------------------------------------------------------- contacts and notes

#: Attachments: suffix → the name users know. No executable or macro-enabled types.
ATTACHMENT_TYPES = {".pdf": "PDF", ".jpg": "JPG", ".jpeg": "JPG", ".png": "PNG", ".docx": "Word"}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_MAX = 5
CONTACT_NOTE_MAX = 5000


def may_record_contact(actor: Actor, case: Case) -> bool:
    """Record keepers of the lead organisation, or of a partner that may see who the person
    is (it holds what it records)."""
    return (
        works_with_people(actor)
        and actor.user.has_any_role(RECORD_KEEPING_ROLES)
        and access_to_person(actor=actor, person=case.person).allows(IDENTITY, case.organisation_id)
    )


def record_contact(
    *,
    actor: Actor,
    case: Case,
    happened_on: date | None,
    kind: str,
    note: str,
    duration_minutes: int | None = None,
    attendees: str = "",
    need_area: str = "",
    attachments: list[Any] | None = None,
) -> Contact:
    """A contact or note on the case, held by the actor's organisation, with its category (that
    of the need area it is about, or identity and contact), and up to five attachments, each
    checked (PDF, JPG, PNG or Word; at most 10 MB; the content must match the type)."""
    if not may_record_contact(actor, case):
        raise Http404("No such case.")
    note, attendees = note.strip(), attendees.strip()
    files = list(attachments or [])
    errors: dict[str, str] = {}
    if happened_on is None:
        errors["happened_on"] = "Enter the date of the contact"
    elif happened_on > timezone.localdate():
        errors["happened_on"] = "The date of the contact must be today or in the past"
    if kind not in Contact.Kind.values:
        errors["kind"] = "Select the type of contact"
    if not note:
        errors["note"] = "Enter a note of the contact"
    elif len(note) > CONTACT_NOTE_MAX:
        errors["note"] = f"The note must be {CONTACT_NOTE_MAX:,} characters or fewer"
    if duration_minutes is not None and not 1 <= duration_minutes <= 600:
        errors["duration_minutes"] = "The duration must be from 1 to 600 minutes"
    if len(attendees) > 500:
        errors["attendees"] = "Who was there must be 500 characters or fewer"
    if need_area and need_area not in NeedArea.values:
        errors["need_area"] = "Select what the contact was about"
    if len(files) > ATTACHMENTS_MAX:
        errors["attachments"] = f"Attach {ATTACHMENTS_MAX} files or fewer"
    for upload in files:
        try:
            check_upload(
                upload,
                field="attachments",
                allowed=ATTACHMENT_TYPES,
                max_bytes=ATTACHMENT_MAX_BYTES,
            )
        except ValidationError as error:
            errors.setdefault("attachments", " ".join(error.messages))
    if errors:
        raise ValidationError(errors)
    assert happened_on is not None  # for mypy: checked above
    category = category_for_need(need_area) if need_area else IDENTITY
    access = access_to_person(actor=actor, person=case.person)
    with transaction.atomic():
        contact = Contact(
            case=case,
            happened_on=happened_on,
            kind=kind,
            organisation_id=actor.org,
            duration_minutes=duration_minutes,
            attendees=attendees,
            note=note,
            category=category,
        ).stamp(actor)
        contact.save()
        for upload in files:
            attachment = Attachment(
                contact=contact, original_name=(upload.name or "file")[:200], size=upload.size or 0
            ).stamp(actor)
            # A random stored name: nothing the uploader typed reaches the file system.
            suffix = (upload.name or "").rsplit(".", 1)[-1].lower()
            attachment.file.save(f"{secrets.token_hex(16)}.{suffix}", upload, save=False)
            attachment.save()
        record_event(
            actor=actor,
            action="create",
            person_id=case.person_id,
            categories=[category],
            basis=_basis(access, case.organisation_id, category),
            detail={
                "case": case.reference,
                "contact": str(contact.pk),
                "attachments": len(files),
            },
        )
    return contact
