"""Writes for outcomes. Each takes ``actor=``, checks the actor may act and may see the
person's information of the outcome's category (the sharing policy), and writes in one
transaction with its audit event, which names that category (rule 4).

Who may do what:
- ``record_outcome``: a record keeper of the case's lead organisation, or a record keeper of
  any organisation with a basis (its own record, consent, lawful basis) for the outcome's
  category of the person, e.g. a partner that helped with the job search. The outcome is held
  by the recording organisation.
- ``verify_outcome``: a record keeper of the case's lead organisation who may see the outcome.

An outcome the actor may not see, or a case they have no part in, is a 404 (rule 5).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from joinedup.audit.services import record_event
from joinedup.cases.models import Case
from joinedup.sharing.categories import IDENTITY
from joinedup.sharing.policy import RECORD_KEEPING_ROLES, access_to_person, works_with_people

from .models import SUSTAINMENT_WEEKS, Outcome, pounds, sustainment_due_on

if TYPE_CHECKING:
    from joinedup.core.actor import Actor
    from joinedup.sharing.policy import PersonAccess

Kind = Outcome.Kind

#: For each kind, the fields it records besides the date and the evidence, and whether each is
#: needed (True) or optional (False).
KIND_FIELDS: dict[str, dict[str, bool]] = {
    Kind.JOB_START: {
        "employer": True,
        "role": True,
        "hours_per_week": True,
        "pay": False,
        "contract_type": False,
    },
    Kind.JOB_SUSTAINED: {"job_start": True, "weeks": True},
    Kind.TRAINING_STARTED: {"course": True, "provider": True},
    Kind.TRAINING_COMPLETED: {"course": True, "provider": True},
    Kind.QUALIFICATION: {"qualification_level": True, "subject": True, "provider": False},
    Kind.VOLUNTEERING: {"employer": True, "role": True, "hours_per_week": False},
    Kind.DEBT_REDUCED: {"debt_before": True, "debt_after": True, "debt_how": True},
    Kind.INCOME_GAINED: {"income_gained_per_year": True, "description": True},
    Kind.HOUSING_SECURED: {"description": True},
    Kind.TENANCY_SUSTAINED: {"description": True},
    Kind.TREATMENT_STARTED: {"provider": True, "description": False},
    Kind.TREATMENT_COMPLETED: {"provider": True, "description": False},
    Kind.WELLBEING_CHANGE: {"description": True},
}
#: Every outcome has these.
COMMON_FIELDS: dict[str, bool] = {"achieved_on": True, "evidence": False}
ALL_FIELDS = frozenset(COMMON_FIELDS).union(*KIND_FIELDS.values())

DEFAULT_LABELS: dict[str, str] = {
    "achieved_on": "Date",
    "evidence": "Evidence",
    "employer": "Employer",
    "role": "Job title",
    "hours_per_week": "Hours a week",
    "pay": "Hourly pay",
    "contract_type": "Type of contract",
    "job_start": "Job",
    "weeks": "Time in work",
    "course": "Course",
    "provider": "Provider",
    "qualification_level": "Level",
    "subject": "Subject",
    "debt_before": "Debt before",
    "debt_after": "Debt now",
    "debt_how": "How the debt was reduced",
    "income_gained_per_year": "Income gained a year",
    "description": "Description",
}
KIND_LABELS: dict[str, dict[str, str]] = {
    Kind.JOB_START: {"achieved_on": "Start date"},
    Kind.JOB_SUSTAINED: {"achieved_on": "Date checked"},
    Kind.TRAINING_STARTED: {"achieved_on": "Start date", "provider": "Training provider"},
    Kind.TRAINING_COMPLETED: {"achieved_on": "Date completed", "provider": "Training provider"},
    Kind.QUALIFICATION: {
        "achieved_on": "Date awarded",
        "subject": "Qualification",
        "provider": "Awarded by",
    },
    Kind.VOLUNTEERING: {
        "achieved_on": "Start date",
        "employer": "Organisation",
        "role": "What they do",
        "hours_per_week": "Hours a week",
    },
    Kind.DEBT_REDUCED: {"achieved_on": "Date"},
    Kind.INCOME_GAINED: {
        "achieved_on": "Date awarded",
        "description": "Where the income comes from",
    },
    Kind.HOUSING_SECURED: {"achieved_on": "Date moved in", "description": "Their new home"},
    Kind.TENANCY_SUSTAINED: {"achieved_on": "Date", "description": "How the tenancy was kept"},
    Kind.TREATMENT_STARTED: {
        "achieved_on": "Start date",
        "provider": "Treatment service",
        "description": "Notes",
    },
    Kind.TREATMENT_COMPLETED: {
        "achieved_on": "Date completed",
        "provider": "Treatment service",
        "description": "Notes",
    },
    Kind.WELLBEING_CHANGE: {"achieved_on": "Date", "description": "What changed"},
}
#: Fields answered by choosing, whose "required" message says "Select".
SELECT_MESSAGES: dict[str, str] = {
    "job_start": "Select the job they stayed in",
    "weeks": "Select how long they have been in work",
    "contract_type": "Select the type of contract",
    "qualification_level": "Select the level of the qualification",
}
_TEXT_LIMITS: dict[str, int] = {
    "employer": 200,
    "role": 200,
    "course": 200,
    "provider": 200,
    "subject": 200,
    "debt_how": 1000,
    "description": 1000,
    "evidence": 500,
}
#: The largest amount each number field takes, and whether it is in pounds.
_NUMBER_LIMITS: dict[str, tuple[Decimal, bool]] = {
    "hours_per_week": (Decimal(100), False),
    "pay": (Decimal("99999.99"), True),
    "debt_before": (Decimal("99999999.99"), True),
    "debt_after": (Decimal("99999999.99"), True),
    "income_gained_per_year": (Decimal("99999999.99"), True),
}
NOTE_MAX = 1000


def field_label(kind: str, name: str) -> str:
    """The label a field has for a kind of outcome (the form and the messages share it)."""
    return KIND_LABELS.get(kind, {}).get(name, DEFAULT_LABELS[name]).removesuffix("")


def _display_date(value: date) -> str:
    return f"{value:%-d %B %Y}"


# ----------------------------------------------------------------------------- who may act


def _require_record_keeper(actor: Actor) -> None:
    if not works_with_people(actor):
        raise Http404("No such case.")
    if not actor.user.has_any_role(RECORD_KEEPING_ROLES):
        raise PermissionDenied("Your role does not record outcomes.")


def _recording_access(actor: Actor, case: Case, category: str) -> PersonAccess:
    """The lead organisation's record keepers, and those of any organisation with a basis for
    the category of the person. Anyone else is told there is no such case (rule 5)."""
    _require_record_keeper(actor)
    access = access_to_person(actor=actor, person=case.person)
    if actor.organisation_id == case.organisation_id:
        if not access.allows(IDENTITY):
            raise Http404("No such case.")
    elif not access.allows(category):
        raise Http404("No such case.")
    return access


def may_verify(actor: Actor, outcome: Outcome, access: PersonAccess | None = None) -> bool:
    """A record keeper of the case's lead organisation who may see the outcome."""
    if not works_with_people(actor) or actor.organisation_id != outcome.case.organisation_id:
        return False
    if not actor.user.has_any_role(RECORD_KEEPING_ROLES):
        return False
    access = access or access_to_person(actor=actor, person=outcome.person)
    return access.allows(outcome.category, outcome.organisation_id)


# ----------------------------------------------------------------------------- checking


def _clean_text(name: str, value: Any, label: str, errors: dict[str, str]) -> str:
    text = "" if value is None else str(value).strip()
    limit = _TEXT_LIMITS[name]
    if len(text) > limit:
        errors[name] = f"{label} must be {limit} characters or fewer"
    return text


def _clean_number(name: str, value: Any, label: str, errors: dict[str, str]) -> Decimal | None:
    if value is None or value == "":
        return None
    largest, in_pounds = _NUMBER_LIMITS[name]
    try:
        number = Decimal(str(value).replace(",", "").removeprefix("£").strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        errors[name] = f"{label} must be a number" + (", like 12.50" if in_pounds else "")
        return None
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    if in_pounds and exponent < -2:
        errors[name] = f"{label} must be in pounds and pence, like 12.50"
    elif not in_pounds and exponent < -1:
        errors[name] = f"{label} must have no more than one decimal place, like 37.5"
    elif number > largest:
        errors[name] = f"{label} must be {pounds(largest) if in_pounds else largest} or less"
    return number


def _clean_fields(
    *, access: PersonAccess, case: Case, kind: str, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """The kind's fields, checked and tidied; raises ValidationError naming each field with
    its problem. Fields of other kinds must be empty."""
    unknown = set(fields) - ALL_FIELDS
    if unknown:
        raise TypeError(f"record_outcome() got unexpected fields: {', '.join(sorted(unknown))}")
    wanted = {**COMMON_FIELDS, **KIND_FIELDS[kind]}
    for name, value in fields.items():
        if name not in wanted and value not in (None, ""):
            raise TypeError(f"{name} does not apply to an outcome of kind {kind}")
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, required in wanted.items():
        label = field_label(kind, name)
        value = fields.get(name)
        if name in _TEXT_LIMITS:
            value = _clean_text(name, value, label, errors)
        elif name in _NUMBER_LIMITS:
            value = _clean_number(name, value, label, errors)
        elif name in ("contract_type", "qualification_level"):
            value = "" if value is None else str(value)
        values[name] = value
        if required and value in (None, "") and name not in errors:
            errors[name] = SELECT_MESSAGES.get(name, f"Enter the {label.lower()}")

    today = timezone.localdate()
    achieved_on = values["achieved_on"]
    label = field_label(kind, "achieved_on")
    if achieved_on is not None and "achieved_on" not in errors:
        if not isinstance(achieved_on, date):
            errors["achieved_on"] = f"{label} must be a real date"
        elif achieved_on > today:
            errors["achieved_on"] = f"{label} must be today or in the past"
        elif achieved_on < case.opened_on:
            errors["achieved_on"] = (
                f"{label} must be on or after the day the case opened, "
                f"{_display_date(case.opened_on)}"
            )

    hours = values.get("hours_per_week")
    if hours is not None and "hours_per_week" not in errors and hours <= 0:
        errors["hours_per_week"] = f"{field_label(kind, 'hours_per_week')} must be more than 0"
    pay = values.get("pay")
    if pay is not None and "pay" not in errors and pay < 0:
        errors["pay"] = "Hourly pay must be £0 or more"
    contract = values.get("contract_type")
    if contract and contract not in Outcome.ContractType.values:
        errors["contract_type"] = SELECT_MESSAGES["contract_type"]
    level = values.get("qualification_level")
    if level and level not in Outcome.QualificationLevel.values:
        errors["qualification_level"] = SELECT_MESSAGES["qualification_level"]

    if kind == Kind.DEBT_REDUCED:
        before, after = values["debt_before"], values["debt_after"]
        if before is not None and before <= 0 and "debt_before" not in errors:
            errors["debt_before"] = "Debt before must be more than £0"
        if after is not None and "debt_after" not in errors:
            if after < 0:
                errors["debt_after"] = "Debt now must be £0 or more"
            elif before is not None and "debt_before" not in errors and after >= before:
                errors["debt_after"] = "Debt now must be less than the debt before"
    if kind == Kind.INCOME_GAINED:
        income = values["income_gained_per_year"]
        if income is not None and "income_gained_per_year" not in errors and income <= 0:
            errors["income_gained_per_year"] = "Income gained a year must be more than £0"

    if kind == Kind.JOB_SUSTAINED:
        _check_sustainment(access=access, case=case, values=values, errors=errors)
    if errors:
        raise ValidationError(errors)
    return values


def _check_sustainment(
    *, access: PersonAccess, case: Case, values: dict[str, Any], errors: dict[str, str]
) -> None:
    job_start = values["job_start"]
    weeks = values["weeks"]
    if job_start is not None and (
        not isinstance(job_start, Outcome)
        or job_start.kind != Kind.JOB_START
        or job_start.case_id != case.pk
        or not access.allows(job_start.category, job_start.organisation_id)
    ):
        errors["job_start"] = "Select one of this case's job starts"
        job_start = None
    if weeks is not None:
        try:
            weeks = int(weeks)
        except (TypeError, ValueError):
            weeks = 0
        if weeks not in SUSTAINMENT_WEEKS:
            errors["weeks"] = "Select 13, 26 or 52 weeks"
            weeks = None
        values["weeks"] = weeks
    if job_start is None or weeks is None:
        return
    due = sustainment_due_on(job_start.achieved_on, weeks)
    achieved_on = values["achieved_on"]
    if isinstance(achieved_on, date) and "achieved_on" not in errors and achieved_on < due:
        errors["achieved_on"] = (
            f"Date checked must be on or after {_display_date(due)}, {weeks} weeks after the "
            "job started"
        )
    if Outcome.objects.filter(kind=Kind.JOB_SUSTAINED, job_start=job_start, weeks=weeks).exists():
        errors["weeks"] = _already_sustained(weeks)


def _already_sustained(weeks: int) -> str:
    return f"{weeks} weeks in this job has already been recorded"


# ----------------------------------------------------------------------------- writes


def _prepare(
    actor: Actor, case: Case, kind: str, fields: Mapping[str, Any]
) -> tuple[str, PersonAccess, dict[str, Any]]:
    if kind not in Kind.values:
        _require_record_keeper(actor)
        raise ValidationError({"kind": "Select what they achieved"})
    category = Outcome.KIND_CATEGORIES[kind]
    access = _recording_access(actor, case, category)
    return category, access, _clean_fields(access=access, case=case, kind=kind, fields=fields)


def check_outcome(*, actor: Actor, case: Case, kind: str, **fields: Any) -> None:
    """Check an outcome as ``record_outcome`` would, writing nothing: raises the same
    ``ValidationError`` (so a page can show every problem at once) or ``Http404``."""
    _prepare(actor, case, kind, fields)


def record_outcome(*, actor: Actor, case: Case, kind: str, **fields: Any) -> Outcome:
    """Record what the person achieved: ``kind`` is an ``Outcome.Kind`` and ``fields`` are
    that kind's fields (``KIND_FIELDS``) with ``achieved_on`` and, optionally, ``evidence``.
    The outcome carries its kind's category and is held by the actor's organisation; a job
    sustained names its job start (an ``Outcome``) and 13, 26 or 52 weeks, once each."""
    category, access, values = _prepare(actor, case, kind, fields)
    outcome = Outcome(
        case=case,
        person_id=case.person_id,
        organisation_id=actor.org,
        kind=kind,
        category=category,
        **values,
    ).stamp(actor)
    basis = (
        "own_organisation"
        if actor.organisation_id == case.organisation_id
        else access.decide(category).basis.value
    )
    try:
        with transaction.atomic():
            if kind == Kind.JOB_SUSTAINED:
                # Two people recording the same check queue here; the constraint is the backstop.
                Outcome.objects.select_for_update().filter(pk=values["job_start"].pk).get()
                if Outcome.objects.filter(
                    kind=kind, job_start=values["job_start"], weeks=values["weeks"]
                ).exists():
                    raise ValidationError({"weeks": _already_sustained(values["weeks"])})
            outcome.save(force_insert=True)
            record_event(
                actor=actor,
                action="create",
                person_id=case.person_id,
                categories=[category],
                basis=basis,
                detail={"case": case.reference, "outcome": str(outcome.pk), "kind": kind},
            )
    except IntegrityError as error:
        if kind == Kind.JOB_SUSTAINED:
            raise ValidationError({"weeks": _already_sustained(values["weeks"])}) from error
        raise
    return outcome


def verify_outcome(*, actor: Actor, outcome: Outcome, state: str, note: str) -> Outcome:
    """Record whether the evidence of an outcome was checked: ``verified`` (with a note of
    the evidence seen, unless the outcome already names it) or ``could_not_verify`` (with
    why). The actor and the day are kept."""
    if not works_with_people(actor) or actor.organisation_id != outcome.case.organisation_id:
        raise Http404("No such outcome.")
    access = access_to_person(actor=actor, person=outcome.person)
    if not access.allows(outcome.category, outcome.organisation_id):
        raise Http404("No such outcome.")
    if not may_verify(actor, outcome, access):
        raise PermissionDenied("Your role does not verify outcomes.")
    note = (note or "").strip()
    errors: dict[str, str] = {}
    if state not in (Outcome.Verification.VERIFIED, Outcome.Verification.COULD_NOT_VERIFY):
        errors["state"] = "Select whether you could verify the outcome"
    elif len(note) > NOTE_MAX:
        errors["note"] = f"The note must be {NOTE_MAX} characters or fewer"
    elif state == Outcome.Verification.COULD_NOT_VERIFY and not note:
        errors["note"] = "Enter why the outcome could not be verified"
    elif state == Outcome.Verification.VERIFIED and not note and not outcome.evidence:
        errors["note"] = "Enter the evidence you saw, for example a payslip"
    if errors:
        raise ValidationError(errors)
    basis = access.decide(outcome.category, outcome.organisation_id).basis.value
    with transaction.atomic():
        locked = Outcome.objects.select_for_update().get(pk=outcome.pk)
        locked.verification = state
        locked.verified_by = actor.user
        locked.verified_on = timezone.localdate()
        locked.verification_note = note
        locked.stamp(actor).save(
            update_fields=[
                "verification",
                "verified_by",
                "verified_on",
                "verification_note",
                "modified_by",
                "modified_on",
            ]
        )
        record_event(
            actor=actor,
            action="update",
            person_id=outcome.person_id,
            categories=[outcome.category],
            basis=basis,
            detail={
                "case": outcome.case.reference,
                "outcome": str(outcome.pk),
                "verification": state,
            },
        )
    return locked
