"""Northvale's sharing: the partnership's information sharing agreement, which agencies know
each resident, consents of every kind (full, partial, expired, withdrawn, under the agreement),
lawful bases (approved and awaiting approval) and staff-safety warnings.

One showcase resident, Jordan Ellis, is held by the council and shows how partners see the same
person differently: Citizens Advice has consent for identity, money and debt, and family (so it
sees the household), the recovery service for identity and drugs and alcohol (no household),
and Jobcentre Plus has no basis (the restricted view)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from joinedup.accounts.models import Organisation, User
from joinedup.people.models import Involvement, Person, WarningMarker
from joinedup.people.names import normalise_name, soundex
from joinedup.sharing import categories as cat
from joinedup.sharing.models import (
    Consent,
    Gateway,
    InformationCategory,
    LawfulBasis,
    SharingAgreement,
)

from .context import DemoContext

SHOWCASE = {"given_name": "Jordan", "family_name": "Ellis"}

#: Which categories each kind of partner usually asks consent for.
PARTNER_CATEGORIES = {
    "council": (cat.IDENTITY, cat.WORK_SKILLS, cat.MONEY_DEBT, cat.HOUSING, cat.FAMILY),
    "jcp": (cat.IDENTITY, cat.WORK_SKILLS),
    "cab": (cat.IDENTITY, cat.MONEY_DEBT, cat.HOUSING),
    "credit_union": (cat.IDENTITY, cat.MONEY_DEBT),
    "recovery": (cat.IDENTITY, cat.DRUGS_ALCOHOL, cat.PHYSICAL_HEALTH, cat.MENTAL_HEALTH),
    "talking": (cat.IDENTITY, cat.MENTAL_HEALTH),
    "homes": (cat.IDENTITY, cat.HOUSING, cat.MONEY_DEBT),
    "college": (cat.IDENTITY, cat.WORK_SKILLS),
    "adult_learning": (cat.IDENTITY, cat.WORK_SKILLS),
    "probation": (cat.IDENTITY, cat.OFFENDING, cat.WORK_SKILLS),
    "youth": (cat.IDENTITY, cat.WORK_SKILLS, cat.FAMILY),
    "supported": (cat.IDENTITY, cat.WORK_SKILLS, cat.PHYSICAL_HEALTH),
    "cvs": (cat.IDENTITY,),
}
PURPOSES = (
    "To work together on one plan to help them into work.",
    "To sort out debts and benefits with the key worker.",
    "So the partners supporting them can share progress and not ask the same questions twice.",
    "To refer them to support and hear back how it went.",
)


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def build_sharing(ctx: DemoContext, *, organisations: dict[str, Organisation]) -> None:
    categories = {c.code: c for c in InformationCategory.objects.all()}
    by_id = {o.pk: key for key, o in organisations.items()}
    staff = {
        key: list(User.objects.filter(organisation=o).order_by("email"))
        for key, o in organisations.items()
    }

    agreement = SharingAgreement.objects.create(
        id=ctx.uuid(),
        name="Northvale Works information sharing agreement",
        reference="NW-ISA-2024",
        purpose=(
            "Partners of Northvale Works share what a resident agrees to, so the resident tells "
            "their story once and gets one plan across partners."
        ),
        starts_on=date(2024, 4, 1),
        ends_on=date(2027, 3, 31),
    )
    agreement.parties.set(organisations.values())
    agreement.categories.set(
        [
            categories[c]
            for c in (cat.IDENTITY, cat.WORK_SKILLS, cat.MONEY_DEBT, cat.HOUSING, cat.FAMILY)
        ]
    )

    people = list(Person.objects.order_by("id"))
    showcase_id = _showcase(ctx, people, organisations, categories)
    keys = list(organisations)
    involvements: list[Involvement] = []
    consents: list[Consent] = []
    consent_orgs: list[Any] = []
    consent_cats: list[Any] = []
    bases: list[LawfulBasis] = []
    basis_orgs: list[Any] = []
    basis_cats: list[Any] = []
    markers: list[WarningMarker] = []
    consent_org_link = Consent.organisations.through
    consent_category_link = Consent.categories.through
    basis_org_link = LawfulBasis.organisations.through
    basis_category_link = LawfulBasis.categories.through

    for person in people:
        holder_key = by_id[person.registered_by_id]
        known_to = {holder_key}
        extra = ctx.rng.choices([0, 1, 2, 3], weights=(45, 30, 17, 8))[0]
        known_to.update(ctx.rng.sample(keys, extra))
        started = ctx.today - timedelta(days=ctx.rng.randint(10, 3 * 365))
        for key in sorted(known_to):
            involvements.append(
                Involvement(
                    id=ctx.uuid(),
                    person=person,
                    organisation=organisations[key],
                    started_on=started,
                )
            )
        if person.pk == showcase_id:
            continue
        others = sorted(known_to - {holder_key})
        recorder = organisations[holder_key]
        roll = ctx.rng.random()
        if roll < 0.62 and others:
            kind = ctx.rng.choices(
                ["full", "partial", "expired", "withdrawn", "agreement"],
                weights=(30, 35, 10, 8, 17),
            )[0]
            given = started + timedelta(days=ctx.rng.randint(0, 20))
            consent = Consent(
                id=ctx.uuid(),
                person=person,
                purpose=ctx.rng.choice(PURPOSES),
                how_given=ctx.rng.choice(Consent.HowGiven.values),
                given_on=min(given, ctx.today),
                recorded_by_organisation=recorder,
                created_on=_at(min(given, ctx.today)),
            )
            if kind == "expired":
                consent.expires_on = ctx.today - timedelta(days=ctx.rng.randint(1, 200))
                if consent.expires_on <= consent.given_on:
                    consent.given_on = consent.expires_on - timedelta(days=365)
            elif ctx.rng.random() < 0.5:
                consent.expires_on = consent.given_on + timedelta(days=365 * 2)
            if kind == "withdrawn":
                consent.withdrawn_on = _at(ctx.today - timedelta(days=ctx.rng.randint(1, 90)))
                consent.withdrawal_reason = "Asked us to stop sharing with the other partners."
            if kind == "agreement":
                consent.agreement = agreement
            consents.append(consent)
            if kind != "agreement":
                for key in others:
                    consent_orgs.append(
                        consent_org_link(consent=consent, organisation=organisations[key])
                    )
            wanted: set[str] = set()
            for key in others:
                wanted.update(PARTNER_CATEGORIES[key])
            if kind == "full":
                wanted = set(categories) - {cat.EQUALITY}
            elif kind == "partial":
                wanted = {cat.IDENTITY} | set(
                    ctx.rng.sample(sorted(wanted), max(1, len(wanted) // 2))
                )
            elif kind == "agreement":
                wanted = {cat.IDENTITY, cat.WORK_SKILLS, cat.MONEY_DEBT}
            for code in sorted(wanted):
                consent_cats.append(
                    consent_category_link(consent=consent, informationcategory=categories[code])
                )
        elif roll < 0.66 and "probation" in known_to and holder_key != "probation":
            approved = ctx.rng.random() < 0.8
            basis = LawfulBasis(
                id=ctx.uuid(),
                person=person,
                gateway=Gateway.CRIME_AND_DISORDER,
                justification=(
                    "Shared to reduce the risk of reoffending through stable work and housing; "
                    "the person would not engage with a request for consent."
                ),
                starts_on=ctx.today - timedelta(days=60),
                ends_on=ctx.today + timedelta(days=300),
                requested_by_organisation=organisations["probation"],
                status=LawfulBasis.Status.APPROVED if approved else LawfulBasis.Status.PENDING,
                decided_by=staff["council"][0] if approved else None,
                decided_on=_at(ctx.today - timedelta(days=55)) if approved else None,
                decision_note="Necessary and proportionate; reviewed against the ISA."
                if approved
                else "",
            )
            bases.append(basis)
            basis_orgs.append(
                basis_org_link(lawfulbasis=basis, organisation=organisations["probation"])
            )
            for code in (cat.IDENTITY, cat.OFFENDING, cat.HOUSING):
                basis_cats.append(
                    basis_category_link(lawfulbasis=basis, informationcategory=categories[code])
                )
        if ctx.rng.random() < 0.015:
            markers.append(
                WarningMarker(
                    id=ctx.uuid(),
                    person=person,
                    kind=ctx.rng.choice(WarningMarker.Kind.values),
                    details="Visit in pairs and meet at the hub where possible.",
                    raised_by_organisation=recorder,
                    review_on=ctx.today + timedelta(days=ctx.rng.randint(30, 180)),
                )
            )

    Involvement.objects.bulk_create(involvements, batch_size=2000, ignore_conflicts=True)
    Consent.objects.bulk_create(consents, batch_size=2000)
    consent_org_link.objects.bulk_create(consent_orgs, batch_size=2000)
    consent_category_link.objects.bulk_create(consent_cats, batch_size=2000)
    LawfulBasis.objects.bulk_create(bases, batch_size=2000)
    basis_org_link.objects.bulk_create(basis_orgs, batch_size=2000)
    basis_category_link.objects.bulk_create(basis_cats, batch_size=2000)
    WarningMarker.objects.bulk_create(markers, batch_size=2000)


def _showcase(
    ctx: DemoContext,
    people: list[Person],
    organisations: dict[str, Organisation],
    categories: dict[str, InformationCategory],
) -> object:
    """Turn the first council-held adult into Jordan Ellis, with the consents that show how
    partners see one person differently. Returns their id (None in a demo with no one fit)."""
    council = organisations["council"]
    person = next(
        (
            p
            for p in people
            if p.registered_by_id == council.pk
            and p.date_of_birth
            and (ctx.today - p.date_of_birth).days > 25 * 365
        ),
        None,
    )
    if person is None:
        return None
    person.given_name = SHOWCASE["given_name"]
    person.family_name = SHOWCASE["family_name"]
    person.given_name_key = normalise_name(person.given_name)
    person.family_name_key = normalise_name(person.family_name)
    person.family_name_soundex = soundex(person.family_name_key)
    person.ni_number = "QQ123456C"
    person.preferred_language = "English"
    person.ethnicity = "White British"
    person.save()
    given = ctx.today - timedelta(days=120)
    for key, codes in (
        ("cab", (cat.IDENTITY, cat.MONEY_DEBT)),
        ("recovery", (cat.IDENTITY, cat.DRUGS_ALCOHOL)),
    ):
        consent = Consent.objects.create(
            id=ctx.uuid(),
            person=person,
            purpose="To work together on one plan with the council's key worker.",
            how_given=Consent.HowGiven.WRITTEN,
            given_on=given,
            recorded_by_organisation=council,
            created_on=_at(given),
        )
        consent.organisations.set([organisations[key]])
        consent.categories.set([categories[c] for c in codes])
    return person.pk
