"""The one access policy (architecture rule 2): may this actor see category C of person P, and
on what basis? Everything else asks here. It denies by default.

A member of staff may see information about a person when they work with people (their role)
and one of these holds, checked afresh on every request, so withdrawal or expiry takes effect
on the next request (SEC-15):

1. **Own organisation** — the information is held by their own organisation (for the core
   record: the organisation that registered the person).
2. **Consent** — an active consent of the person (not withdrawn, started, not expired) names
   their organisation, or a current sharing agreement their organisation is party to, and
   covers the category.
3. **Lawful basis** — an approved, current lawful basis names their organisation and covers
   the category.
4. **Break-glass** — they broke the glass for this person, the time has not run out; it covers
   every category and is reviewed by information governance (SEC-19).

Without any basis for the core record they get the restricted view: the person's name and
which agencies are involved (SEC-16).

Use ``access_to_person`` (one person) or ``access_to_people`` (a page of search results): each
loads everything it needs in a fixed number of queries, however much the record holds. To count
or page through records about many people without a decision per person, filter them with
``records_seen_by``: the same rules, as one condition the database answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import F, Q
from django.utils import timezone

from joinedup.accounts.roles import Role

from .categories import IDENTITY
from .models import BreakGlass, Consent, LawfulBasis

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

#: Roles whose work is with people. Others (performance analysts, admins) see no one.
PERSON_ROLES = frozenset(
    {
        Role.KEY_WORKER,
        Role.PARTNER_PRACTITIONER,
        Role.TEAM_MANAGER,
        Role.INFORMATION_GOVERNANCE,
        Role.DATA_OFFICER,
    }
)
#: Roles that add people, change records, record consent and make referrals.
RECORD_KEEPING_ROLES = frozenset({Role.KEY_WORKER, Role.PARTNER_PRACTITIONER, Role.TEAM_MANAGER})
#: Roles that may break the glass in an emergency.
BREAK_GLASS_ROLES = frozenset({Role.KEY_WORKER, Role.PARTNER_PRACTITIONER, Role.TEAM_MANAGER})


class Basis(StrEnum):
    OWN_ORGANISATION = "own_organisation"
    CONSENT = "consent"
    LAWFUL_BASIS = "lawful_basis"
    BREAK_GLASS = "break_glass"
    NONE = "none"


BASIS_LABELS = {
    Basis.OWN_ORGANISATION: "Your organisation's record",
    Basis.CONSENT: "Consent",
    Basis.LAWFUL_BASIS: "Approved lawful basis",
    Basis.BREAK_GLASS: "Break-glass",
    Basis.NONE: "No basis",
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: Basis
    #: The id of the consent, lawful basis or break-glass that allows it, if any.
    reference: str = ""

    @property
    def label(self) -> str:
        return BASIS_LABELS[self.basis]


DENIED = Decision(False, Basis.NONE)


def works_with_people(actor: Actor) -> bool:
    user = actor.user
    return bool(
        user is not None
        and user.is_active
        and actor.organisation_id is not None
        and user.has_any_role(PERSON_ROLES)
    )


@dataclass
class PersonAccess:
    """What one actor may see of one person, decided once per request."""

    person_id: uuid.UUID
    organisation_id: uuid.UUID | None
    holder_id: uuid.UUID
    works_with_people: bool
    consent: dict[str, str] = field(default_factory=dict)
    lawful: dict[str, str] = field(default_factory=dict)
    break_glass: str = ""

    def decide(self, category: str, holder_id: uuid.UUID | None = None) -> Decision:
        """May the actor see information of ``category`` held by ``holder_id`` (by default
        the organisation holding the core record)?"""
        if not self.works_with_people:
            return DENIED
        holder = holder_id or self.holder_id
        if self.organisation_id is not None and holder == self.organisation_id:
            return Decision(True, Basis.OWN_ORGANISATION)
        if category in self.consent:
            return Decision(True, Basis.CONSENT, self.consent[category])
        if category in self.lawful:
            return Decision(True, Basis.LAWFUL_BASIS, self.lawful[category])
        if self.break_glass:
            return Decision(True, Basis.BREAK_GLASS, self.break_glass)
        return DENIED

    def allows(self, category: str, holder_id: uuid.UUID | None = None) -> bool:
        return self.decide(category, holder_id).allowed

    @property
    def restricted(self) -> bool:
        """True when the actor has no basis for the core record (SEC-16)."""
        return not self.allows(IDENTITY)

    @property
    def may_request_access(self) -> bool:
        return self.works_with_people and self.restricted

    def audit_basis(self, categories: Iterable[str]) -> tuple[str, dict[str, str]]:
        """For the audit record: the basis that let the actor see these categories (the most
        exceptional one when they differ: break-glass, then lawful basis, then consent, then
        own organisation) and each category's own basis."""
        per_category = {c: self.decide(c).basis.value for c in categories if self.allows(c)}
        if not per_category:
            return ("restricted" if self.works_with_people else Basis.NONE.value), {}
        for basis in (Basis.BREAK_GLASS, Basis.LAWFUL_BASIS, Basis.CONSENT):
            if basis.value in per_category.values():
                return basis.value, per_category
        return Basis.OWN_ORGANISATION.value, per_category


def access_to_person(*, actor: Actor, person: Any) -> PersonAccess:
    return access_to_people(actor=actor, people=[person])[person.pk]


def access_to_people(
    *,
    actor: Actor,
    people: Iterable[Any],
    known: dict[uuid.UUID, PersonAccess] | None = None,
) -> dict[uuid.UUID, PersonAccess]:
    """Access decisions for several people at once, in at most three queries.

    ``known`` lets one page decide once: decisions already made for this actor in this
    request are reused, only the people not in it are asked about, and the new decisions are
    added to it. The result holds every person asked for."""
    people = list(people)
    if known is not None:
        fresh = {p.pk: p for p in people if p.pk not in known}
        if fresh:
            known.update(access_to_people(actor=actor, people=fresh.values()))
        return {p.pk: known[p.pk] for p in people}
    allowed_at_all = works_with_people(actor)
    result = {
        p.pk: PersonAccess(
            person_id=p.pk,
            organisation_id=actor.organisation_id,
            holder_id=p.registered_by_id,
            works_with_people=allowed_at_all,
        )
        for p in people
    }
    if not allowed_at_all or not people:
        return result
    org = actor.organisation_id
    ids = list(result)
    today = timezone.localdate()

    consent_rows = (
        _current_consents(org, today)
        .filter(consent__person_id__in=ids)
        .values_list("consent__person_id", "informationcategory__code", "consent_id")
        .distinct()
    )
    for person_id, code, consent_id in consent_rows:
        result[person_id].consent.setdefault(code, str(consent_id))

    lawful_rows = (
        _current_lawful_bases(org, today)
        .filter(lawfulbasis__person_id__in=ids)
        .values_list("lawfulbasis__person_id", "informationcategory__code", "lawfulbasis_id")
        .distinct()
    )
    for person_id, code, basis_id in lawful_rows:
        result[person_id].lawful.setdefault(code, str(basis_id))

    glasses = _current_break_glass(actor).filter(person_id__in=ids).values_list("person_id", "id")
    for person_id, glass_id in glasses:
        result[person_id].break_glass = str(glass_id)
    return result


def records_seen_by(
    *, actor: Actor, categories: Iterable[str], person_field: str, holder_field: str
) -> Q:
    """A condition on records about people (cases, referrals, outcomes...): the records whose
    information of every one of ``categories`` the actor may see. Each record is about the
    person in ``person_field`` and held by the organisation in ``holder_field`` (never empty).

    The same rules as ``PersonAccess.decide(category, holder)``, for the database to answer in
    one query, so a long list can be counted and paged without deciding for each person: the
    record is held by the actor's own organisation, or, for each category, the person's active
    consent, an approved current lawful basis or the actor's unexpired break-glass covers it.
    Nothing at all for an actor whose role does not work with people."""
    if not works_with_people(actor):
        return Q(pk__in=[])
    org = actor.organisation_id
    today = timezone.localdate()
    broken_glass = _current_break_glass(actor).values("person_id")
    shared = Q()
    for category in sorted(set(categories)):
        consented = (
            _current_consents(org, today)
            .filter(informationcategory__code=category)
            .values("consent__person_id")
        )
        lawful = (
            _current_lawful_bases(org, today)
            .filter(informationcategory__code=category)
            .values("lawfulbasis__person_id")
        )
        shared &= (
            Q(**{f"{person_field}__in": consented})
            | Q(**{f"{person_field}__in": lawful})
            | Q(**{f"{person_field}__in": broken_glass})
        )
    return Q(**{holder_field: org}) | shared


def _current_consents(org: uuid.UUID | None, today: Any) -> Any:
    """(Consent, category) rows of consents in force today that name ``org`` or a current
    sharing agreement it is party to. Under an agreement, consent gives only what the
    agreement itself covers."""
    current_agreement = (
        Q(consent__agreement__parties=org)
        & Q(consent__agreement__categories=F("informationcategory"))
        & Q(consent__agreement__starts_on__lte=today)
        & Q(consent__agreement__archived_on__isnull=True)
        & (Q(consent__agreement__ends_on__isnull=True) | Q(consent__agreement__ends_on__gte=today))
    )
    return (
        Consent.categories.through.objects.filter(
            consent__withdrawn_on__isnull=True,
            consent__given_on__lte=today,
        )
        .filter(Q(consent__expires_on__isnull=True) | Q(consent__expires_on__gte=today))
        .filter(Q(consent__organisations=org) | current_agreement)
    )


def _current_lawful_bases(org: uuid.UUID | None, today: Any) -> Any:
    """(Lawful basis, category) rows of approved lawful bases current today that name ``org``."""
    return LawfulBasis.categories.through.objects.filter(
        lawfulbasis__status=LawfulBasis.Status.APPROVED,
        lawfulbasis__starts_on__lte=today,
        lawfulbasis__ends_on__gte=today,
        lawfulbasis__organisations=org,
    )


def _current_break_glass(actor: Actor) -> Any:
    """The actor's own break-glass records that have not run out."""
    return BreakGlass.objects.filter(user_id=actor.user.pk, expires_at__gt=timezone.now())
