"""Reads of the person record. Every selector takes ``actor=``, asks the access policy what the
actor may see, and records what was shown in the audit log before returning it; if the audit
event cannot be written, nothing is returned (rules 1-3, SEC-20, SEC-21)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404

from joinedup.audit.services import AuditEntry, record_event, record_events
from joinedup.sharing.models import Consent, InformationCategory
from joinedup.sharing.policy import (
    Decision,
    PersonAccess,
    access_to_people,
    access_to_person,
    works_with_people,
)

from .duplicates import ScoredCandidate, SearchTerms, ranked_matches
from .identifiers import format_nhs_number, format_ni_number
from .models import (
    EQUALITY,
    FAMILY,
    IDENTITY,
    HouseholdMember,
    Involvement,
    Person,
    WarningMarker,
)
from .timeline import TimelineEntry, timeline_providers

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

SEARCH_MINIMUM_SCORE = 25
DUPLICATE_MINIMUM_SCORE = 45


# ----------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class FieldRow:
    name: str
    label: str
    value: str


@dataclass
class Section:
    code: str
    name: str
    decision: Decision
    rows: list[FieldRow] = field(default_factory=list)


@dataclass
class PersonSummary:
    """A person as a search result: the restricted view unless the actor has a basis."""

    person_id: uuid.UUID
    name: str
    restricted: bool
    date_of_birth: Any = None
    postcode: str = ""
    agencies: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    score: int = 0
    has_warning: bool = False


@dataclass
class PersonRecord:
    person: Person
    access: PersonAccess
    sections: list[Section]
    hidden_categories: list[str]
    agencies: list[str]
    warnings: list[WarningMarker]
    other_names: list[Any]
    household: list[HouseholdMember]
    household_visible: bool
    consents: list[Consent]

    @property
    def restricted(self) -> bool:
        return self.access.restricted

    @property
    def name(self) -> str:
        return f"{self.person.given_name} {self.person.family_name}"


# ----------------------------------------------------------------------------- helpers


def _require_people_work(actor: Actor) -> None:
    if not works_with_people(actor):
        raise PermissionDenied("Your role does not work with people's records.")


def _get_person(person_id: Any) -> Person:
    """The person, or a 404 (also for malformed ids and archived records)."""
    try:
        return Person.objects.select_related("registered_by").get(
            pk=person_id, archived_on__isnull=True
        )
    except (Person.DoesNotExist, ValueError) as exc:
        raise Http404("No such person.") from exc


def _label(name: str) -> str:
    return str(getattr(Person._meta.get_field(name), "verbose_name", name)).capitalize()


def _category_names() -> dict[str, str]:
    return dict(InformationCategory.objects.values_list("code", "name"))


def _display(person: Person, name: str) -> str:
    value = getattr(person, name)
    formatter = {"ni_number": format_ni_number, "nhs_number": format_nhs_number}.get(name)
    if formatter is not None and value:
        try:
            return formatter(value)
        except ValueError:  # kept as given if it never passed the checks (e.g. an old import)
            return str(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    display = getattr(person, f"get_{name}_display", None)
    if display is not None and value:
        return str(display())
    if hasattr(value, "strftime"):
        return value.strftime("%-d %B %Y")
    return str(value or "")


# ----------------------------------------------------------------------------- search


def _summaries(
    actor: Actor, matches: list[ScoredCandidate], action: str, terms: SearchTerms
) -> list[PersonSummary]:
    people = [m.person for m in matches]
    access = access_to_people(actor=actor, people=people)
    agencies: dict[uuid.UUID, list[str]] = {p.pk: [] for p in people}
    for person_id, name in Involvement.objects.filter(
        person_id__in=agencies, ended_on__isnull=True
    ).values_list("person_id", "organisation__name"):
        agencies[person_id].append(name)
    warned = set(
        WarningMarker.objects.filter(person_id__in=agencies, ended_on__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    summaries = []
    for match in matches:
        person, person_access = match.person, access[match.person.pk]
        restricted = person_access.restricted
        summaries.append(
            PersonSummary(
                person_id=person.pk,
                name=f"{person.given_name} {person.family_name}",
                restricted=restricted,
                date_of_birth=None if restricted else person.date_of_birth,
                postcode="" if restricted else person.postcode,
                agencies=sorted(agencies[person.pk]),
                reasons=match.reasons,
                score=match.score,
                has_warning=person.pk in warned,
            )
        )
    searched = {
        "given_name": terms.given_name,
        "family_name": terms.family_name,
        "date_of_birth": terms.date_of_birth.isoformat() if terms.date_of_birth else "",
        "postcode": terms.postcode,
        "results": len(summaries),
    }
    entries = [
        AuditEntry(
            person_id=s.person_id,
            categories=[IDENTITY],
            basis="restricted" if s.restricted else access[s.person_id].audit_basis([IDENTITY])[0],
            detail={
                "search": searched,
                "shown": "name" if s.restricted else "name, date of birth, postcode",
            },
        )
        for s in summaries
    ] or [AuditEntry(person_id=None, categories=[], basis="", detail={"search": searched})]
    record_events(actor=actor, action=action, entries=entries)
    return summaries


def search_people(*, actor: Actor, terms: SearchTerms, limit: int = 25) -> list[PersonSummary]:
    """People matching the search, best first; the restricted view for those the actor has no
    basis for (SEC-14, SEC-16). Each result shown is audited as a search."""
    _require_people_work(actor)
    if terms.is_empty:
        return []
    # Ranking takes no locks; the audit write takes its own transaction, and the results are
    # returned only after it succeeds (SEC-21).
    matches = ranked_matches(terms, minimum=SEARCH_MINIMUM_SCORE, limit=limit)
    return _summaries(actor, matches, "search", terms)


def possible_duplicates(
    *, actor: Actor, terms: SearchTerms, limit: int = 10
) -> list[PersonSummary]:
    """Existing records that may be the person about to be added, with why they match."""
    _require_people_work(actor)
    matches = ranked_matches(terms, minimum=DUPLICATE_MINIMUM_SCORE, limit=limit)
    return _summaries(actor, matches, "search", terms)


# ----------------------------------------------------------------------------- the record


SECTION_FIELDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        IDENTITY,
        "Identity and contact",
        (
            "given_name",
            "middle_names",
            "family_name",
            "preferred_name",
            "date_of_birth",
            "sex",
            "gender_identity",
            "email",
            "phone",
            "preferred_contact",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
            "uprn",
            "lsoa_code",
            "ni_number",
            "nhs_number",
            "preferred_language",
            "interpreter_needed",
            "communication_needs",
        ),
    ),
    (
        EQUALITY,
        "Equality monitoring",
        ("ethnicity", "disability", "religion", "sexual_orientation"),
    ),
)


def person_record(*, actor: Actor, person_id: Any) -> PersonRecord:
    """One person's record as this actor may see it, audited as a view.

    Staff whose work is not with people get a 404 (SEC-13); staff with no basis get the
    restricted view: name, agencies involved, and staff-safety warnings (SEC-16)."""
    _require_people_work(actor)
    person = _get_person(person_id)
    access = access_to_person(actor=actor, person=person)
    names = _category_names()
    sections = []
    for code, default_name, fields in SECTION_FIELDS:
        decision = access.decide(code)
        rows = []
        if decision.allowed:
            rows = [FieldRow(f, _label(f), _display(person, f)) for f in fields]
        sections.append(Section(code, names.get(code, default_name), decision, rows))
    identity = access.allows(IDENTITY)
    household_visible = access.allows(FAMILY)
    household: list[HouseholdMember] = []
    if household_visible:
        current = (
            HouseholdMember.objects.filter(person=person, moved_out__isnull=True)
            .values_list("household_id", flat=True)
            .first()
        )
        if current:
            household = list(
                HouseholdMember.objects.filter(household_id=current, moved_out__isnull=True)
                .select_related("person", "household")
                .order_by("relationship")
            )
    consents: list[Consent] = []
    if identity:
        consents = list(
            Consent.objects.filter(person=person)
            .select_related("agreement", "recorded_by_organisation")
            .prefetch_related(Prefetch("organisations"), Prefetch("categories"))
        )
    shown = [s.code for s in sections if s.decision.allowed]
    if household_visible:
        shown.append(FAMILY)
    hidden = [name for code, name in names.items() if not access.allows(code)]
    agencies = sorted(
        Involvement.objects.filter(person=person, ended_on__isnull=True).values_list(
            "organisation__name", flat=True
        )
    )
    warnings = list(
        WarningMarker.objects.filter(person=person, ended_on__isnull=True).select_related(
            "raised_by_organisation"
        )
    )
    record = PersonRecord(
        person=person,
        access=access,
        sections=sections,
        hidden_categories=hidden,
        agencies=agencies,
        warnings=warnings,
        other_names=list(person.other_names.all()) if identity else [],
        household=household,
        household_visible=household_visible,
        consents=consents,
    )
    basis, per_category = access.audit_basis(shown)
    record_event(
        actor=actor,
        action="view",
        person_id=person.pk,
        categories=shown or [IDENTITY],
        basis=basis,
        detail={"page": "record", "bases": per_category, "warnings_shown": len(warnings)},
    )
    return record


def person_for_change(*, actor: Actor, person_id: Any) -> tuple[Person, PersonAccess]:
    """The person for the change form: only with a basis for identity and contact."""
    _require_people_work(actor)
    person = _get_person(person_id)
    access = access_to_person(actor=actor, person=person)
    if not access.allows(IDENTITY):
        raise Http404("No such person.")  # rule 5: a record you may not see is a 404
    record_event(
        actor=actor,
        action="view",
        person_id=person.pk,
        categories=[c for c in (IDENTITY, EQUALITY) if access.allows(c)],
        basis=access.audit_basis([IDENTITY])[0],
        detail={"page": "change form"},
    )
    return person, access


def person_for_action(*, actor: Actor, person_id: Any) -> tuple[Person, PersonAccess]:
    """The person, for pages that act on the record without showing it (request access,
    break-glass): anyone who works with people may reach them."""
    _require_people_work(actor)
    person = _get_person(person_id)
    return person, access_to_person(actor=actor, person=person)


# ----------------------------------------------------------------------------- timeline


def person_timeline(
    *, actor: Actor, person_id: Any
) -> tuple[Person, PersonAccess, list[TimelineEntry], int]:
    """Everything about the person the actor may see, newest first, from every app's provider.
    Returns the person, the access, the visible entries and how many were hidden."""
    _require_people_work(actor)
    person = _get_person(person_id)
    access = access_to_person(actor=actor, person=person)
    if access.restricted:
        raise Http404("No such person.")  # rule 5: a record you may not see is a 404
    entries: list[TimelineEntry] = []
    for provider in timeline_providers().values():
        entries.extend(provider(person))
    visible = [e for e in entries if access.allows(e.category, e.holder_id)]
    visible.sort(key=lambda e: e.when, reverse=True)
    categories = sorted({e.category for e in visible})
    basis, per_category = access.audit_basis(categories or [IDENTITY])
    record_event(
        actor=actor,
        action="view",
        person_id=person.pk,
        categories=categories or [IDENTITY],
        basis=basis,
        detail={"page": "timeline", "entries": len(visible), "bases": per_category},
    )
    return person, access, visible, len(entries) - len(visible)
