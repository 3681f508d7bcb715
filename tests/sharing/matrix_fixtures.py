"""The world the permission matrix (SEC-12) is checked against: one person, Pat Matrixtest,
held by the "holder" organisation, and seven organisations that stand in different relations to
her record, each with one member of staff per role.

Everything is written through the real services (``register_person``, ``record_consent``,
``withdraw_consent``, ``request_lawful_basis``, ``decide_lawful_basis``...), so the matrix tests
the policy against data shaped exactly as the product shapes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from django.test import Client
from django.utils import timezone

from joinedup.accounts.models import Organisation, User
from joinedup.accounts.roles import Role
from joinedup.core.actor import Actor
from joinedup.people import services as people_services
from joinedup.people.models import HouseholdMember, Person, WarningMarker
from joinedup.sharing import services as sharing_services
from joinedup.sharing.categories import HOUSING, IDENTITY, MONEY_DEBT, OFFENDING
from joinedup.sharing.models import Consent, Gateway, InformationCategory, LawfulBasis

from ..factories import OrganisationFactory, UserFactory
from ..helpers import log_in_verified

#: The organisation kinds, in the order the matrix lists them.
ORGANISATION_KINDS = ("holder", "consented", "lawful", "withdrawn", "expired", "none", "agreement")

ORGANISATION_NAMES = {
    "holder": "Holdfast Borough Council",
    "consented": "Consentwell Advice Centre",
    "lawful": "Lawgate Probation Service",
    "withdrawn": "Withdrew Housing Trust",
    "expired": "Expiry Lane Recovery Service",
    "none": "Nobasis Community College",
    "agreement": "Agreewell Housing Association",
}

DATE_OF_BIRTH = date(1984, 3, 7)
WARNING_DETAILS = "Matrix warning: a large dog lives at the address"


@dataclass(frozen=True)
class Leak:
    """A value that must appear only where its information category may be shown."""

    text: str
    category: str
    #: The record page shows the value in this form to those who may see its category.
    on_record_page: bool = True


#: Distinctive values of Pat's record, each with the category that guards it. The person's name
#: is not here: the restricted view shows it (SEC-16).
DISTINCTIVE_VALUES: tuple[Leak, ...] = (
    Leak("QQ123456C", IDENTITY, on_record_page=False),
    Leak("QQ 12 34 56 C", IDENTITY),
    Leak("pat.matrix@example.com", IDENTITY),
    Leak(DATE_OF_BIRTH.strftime("%-d %B %Y"), IDENTITY),
    Leak(DATE_OF_BIRTH.isoformat(), IDENTITY, on_record_page=False),
    Leak("17 Matrixtest Lane", IDENTITY),
    Leak("Matrix Ethnicity Value", "equality"),
    Leak("Morgan Hhmember", "family_relationships"),
)
PERSON_NAME = "Pat Matrixtest"

PERSON_VALUES: dict[str, Any] = {
    "given_name": "Pat",
    "family_name": "Matrixtest",
    "date_of_birth": DATE_OF_BIRTH,
    "email": "pat.matrix@example.com",
    "ni_number": "QQ123456C",
    "address_line_1": "17 Matrixtest Lane",
    "town": "Northvale",
    "postcode": "NV1 4AB",
    "ethnicity": "Matrix Ethnicity Value",
}


@dataclass
class MatrixWorld:
    organisations: dict[str, Organisation]
    #: (organisation kind, role) -> the member of staff.
    users: dict[tuple[str, str], User]
    person: Person
    household_member: Person
    consents: dict[str, Consent]
    lawful_basis: LawfulBasis
    category_pks: dict[str, Any] = field(default_factory=dict)
    clients: dict[tuple[str, str], Client] = field(default_factory=dict)

    def user(self, org: str, role: str) -> User:
        return self.users[(org, role)]

    def actor(self, org: str, role: str) -> Actor:
        return Actor.for_user(self.users[(org, role)], process="test")

    def client(self, org: str, role: str) -> Client:
        """A client signed in (past two-factor) as that member of staff, made on first use."""
        key = (org, role)
        if key not in self.clients:
            client = Client()
            log_in_verified(client, self.users[key])
            self.clients[key] = client
        return self.clients[key]


def _categories(*codes: str) -> list[InformationCategory]:
    found = list(InformationCategory.objects.filter(code__in=codes))
    assert len(found) == len(codes), f"missing categories: {codes}"
    return found


def build_matrix_world(*, sign_in: bool = True) -> MatrixWorld:
    """Build the organisations, staff, person and bases. With ``sign_in`` every member of staff
    also gets a client signed in past two-factor."""
    today = timezone.localdate()
    organisations = {
        kind: cast(Organisation, OrganisationFactory(name=ORGANISATION_NAMES[kind]))
        for kind in ORGANISATION_KINDS
    }
    users = {
        (kind, role): cast(
            User,
            UserFactory(
                organisation=organisation,
                roles=[role],
                full_name=f"{role.replace('_', ' ').title()} of {kind}",
                email=f"{role}.{kind}@matrix.example",
            ),
        )
        for kind, organisation in organisations.items()
        for role in Role.values
    }
    key_worker = Actor.for_user(users[("holder", Role.KEY_WORKER)], process="test")
    ig_officer = Actor.for_user(users[("holder", Role.INFORMATION_GOVERNANCE)], process="test")

    person = people_services.register_person(actor=key_worker, values=PERSON_VALUES)
    member = people_services.register_person(
        actor=key_worker,
        values={"given_name": "Morgan", "family_name": "Hhmember", "postcode": "NV1 4AB"},
    )
    household = people_services.add_to_household(
        actor=key_worker,
        person=person,
        household=None,
        relationship=HouseholdMember.Relationship.HEAD,
    ).household
    people_services.add_to_household(
        actor=key_worker,
        person=member,
        household=household,
        relationship=HouseholdMember.Relationship.PARTNER,
    )
    people_services.add_warning_marker(
        actor=key_worker,
        person=person,
        kind=WarningMarker.Kind.ANIMALS,
        details=WARNING_DETAILS,
        review_on=today + timedelta(days=180),
    )

    consents = {
        "consented": sharing_services.record_consent(
            actor=key_worker,
            person=person,
            organisations=[organisations["consented"]],
            categories=_categories(IDENTITY, MONEY_DEBT),
            purpose="To work together on a plan for money and debt.",
            how_given=Consent.HowGiven.WRITTEN,
            given_on=today - timedelta(days=10),
        ),
        "withdrawn": sharing_services.record_consent(
            actor=key_worker,
            person=person,
            organisations=[organisations["withdrawn"]],
            categories=_categories(IDENTITY),
            purpose="To help with housing.",
            how_given=Consent.HowGiven.VERBAL,
            given_on=today - timedelta(days=20),
        ),
        "expired": sharing_services.record_consent(
            actor=key_worker,
            person=person,
            organisations=[organisations["expired"]],
            categories=_categories(IDENTITY),
            purpose="To support recovery.",
            how_given=Consent.HowGiven.DIGITAL,
            given_on=today - timedelta(days=30),
            expires_on=today - timedelta(days=1),
        ),
    }
    consents["withdrawn"] = sharing_services.withdraw_consent(
        actor=key_worker, consent=consents["withdrawn"], reason="Asked by phone to stop sharing."
    )
    agreement = sharing_services.create_agreement(
        actor=ig_officer,
        name="Matrix Housing Partnership Agreement",
        purpose="Joint housing support.",
        parties=[organisations["holder"], organisations["agreement"]],
        categories=_categories(IDENTITY, HOUSING),
        starts_on=today - timedelta(days=60),
        ends_on=None,
    )
    consents["agreement"] = sharing_services.record_consent(
        actor=key_worker,
        person=person,
        agreement=agreement,
        categories=_categories(IDENTITY, HOUSING),
        purpose="Sharing under the housing partnership agreement.",
        how_given=Consent.HowGiven.WRITTEN,
        given_on=today,
    )

    requested = sharing_services.request_lawful_basis(
        actor=key_worker,
        person=person,
        organisations=[organisations["lawful"]],
        categories=_categories(IDENTITY, OFFENDING),
        gateway=Gateway.CRIME_AND_DISORDER,
        justification="Probation needs identity and offending details to manage risk.",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=180),
    )
    lawful_basis = sharing_services.decide_lawful_basis(
        actor=ig_officer, basis=requested, approve=True, note="Necessary and proportionate."
    )

    world = MatrixWorld(
        organisations=organisations,
        users=users,
        person=person,
        household_member=member,
        consents=consents,
        lawful_basis=lawful_basis,
        category_pks=dict(InformationCategory.objects.values_list("code", "pk")),
    )
    if sign_in:
        for key in users:
            world.client(*key)
    return world
