"""Northvale's service directory: about thirty services run by the partners, covering every
need area at least twice, so triage has something to suggest for any need.

Phone numbers are in Ofcom's range for drama (01632 960000 to 960999) and postcodes in the
fictional "NV" area, so nothing points at a real service. Waiting times, who is taking
referrals and review dates come from the seeded random source: the same seed builds the same
directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from joinedup.accounts.models import Organisation
from joinedup.directory.models import Service, ServiceContact, ServiceLocation, ServiceNeed
from joinedup.directory.needs import NeedArea as N

from .context import DemoContext
from .partnership import DOMAIN

M = Service.ReferralMethod


@dataclass(frozen=True)
class Place:
    name: str
    address_1: str
    city: str
    postcode: str


HUB = Place("Northvale Works Hub", "12 Market Street", "Northvale", "NV1 4AB")
PLACES = {
    "council": Place("Civic Centre", "Town Hall Square", "Northvale", "NV1 2DE"),
    "jcp": Place("Northvale Jobcentre", "40 Station Road", "Northvale", "NV1 3HJ"),
    "cab": Place("Citizens Advice office", "7 Chapel Lane", "Northvale", "NV2 5LN"),
    "credit_union": Place("Credit Union shop", "22 High Street", "Eastbrook", "NV5 1PR"),
    "recovery": Place("Harbour House", "3 Quay Street", "Northvale", "NV3 6ST"),
    "talking": Place("Riverside Health Centre", "1 Riverside Walk", "Northvale", "NV2 8UW"),
    "homes": Place("Northvale Homes office", "90 Mill Road", "Millford", "NV7 2XY"),
    "college": Place("Northvale College, Park Campus", "Park Road", "Northvale", "NV4 3AB"),
    "adult_learning": Place("Central Library", "15 Library Street", "Northvale", "NV1 5DF"),
    "probation": Place("Probation Office", "5 Court Street", "Northvale", "NV1 7GH"),
    "youth": Place("The Youth Hub", "18 Bridge Street", "Eastbrook", "NV6 4JL"),
    "supported": Place("Pathways Centre", "60 Foundry Lane", "Millford", "NV8 1NP"),
    "cvs": Place("Voluntary Action Centre", "9 Church Street", "Northvale", "NV3 2QR"),
}


@dataclass(frozen=True)
class ServiceSpec:
    partner: str
    name: str
    description: str
    needs: tuple[str, ...]
    method: str = M.JOINEDUP_REFERRAL
    eligibility: str = "Northvale residents aged 16 and over."
    ages: tuple[int | None, int | None] = (16, None)
    how_to_refer: str = (
        "Refer through JoinedUp with the person's consent. We contact them within five working "
        "days."
    )
    #: (shortest, longest) usual wait in days; None when the service does not know.
    wait: tuple[int, int] | None = (5, 21)
    at_hub: bool = False
    fees: str = ""
    contact_title: str = "Referrals coordinator"
    running: bool = True


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "council",
        "Northvale Works employment support",
        "A key worker helps people out of work make one plan across the partners: job search, "
        "training, money, health and anything else in the way of work.",
        (N.WORK_SKILLS, N.CONFIDENCE_MOTIVATION, N.PRACTICAL_BARRIERS),
        at_hub=True,
        wait=(2, 10),
        contact_title="Hub team manager",
    ),
    ServiceSpec(
        "council",
        "Family Support",
        "Whole-family help for households with several needs: parenting, school attendance, "
        "relationships and getting the adults into work.",
        (N.FAMILY_RELATIONSHIPS, N.CONFIDENCE_MOTIVATION),
        eligibility="Northvale families with children under 18.",
        ages=(None, None),
        wait=(7, 28),
    ),
    ServiceSpec(
        "council",
        "Household Support Fund",
        "Help with food, energy and essentials for households in hardship, paid as vouchers "
        "or direct to suppliers.",
        (N.MONEY_DEBT, N.PRACTICAL_BARRIERS),
        method=M.WEB,
        eligibility="Northvale households on a low income who cannot meet essential costs.",
        ages=(18, None),
        how_to_refer="Apply online with the person, or refer through JoinedUp for a call back.",
        wait=(2, 7),
    ),
    ServiceSpec(
        "council",
        "Travel to Work",
        "A free bus pass for the first month of a new job, training course or work placement.",
        (N.PRACTICAL_BARRIERS, N.WORK_SKILLS),
        at_hub=True,
        wait=(0, 3),
    ),
    ServiceSpec(
        "council",
        "Housing Options and homelessness prevention",
        "Advice for anyone homeless or at risk of losing their home, with help to keep a "
        "tenancy or find somewhere to live.",
        (N.HOUSING,),
        method=M.PHONE,
        ages=(16, None),
        how_to_refer="Phone the Housing Options team. Anyone homeless tonight is seen the same day.",
        wait=(0, 2),
    ),
    ServiceSpec(
        "jcp",
        "Work coach support",
        "A work coach agrees a claimant commitment and helps with job search, CVs and "
        "interviews. A work coach is at the hub three days a week.",
        (N.WORK_SKILLS, N.MONEY_DEBT),
        eligibility="People claiming Universal Credit or other working-age benefits.",
        ages=(18, 66),
        at_hub=True,
        wait=(3, 10),
        contact_title="Work coach team leader",
    ),
    ServiceSpec(
        "jcp",
        "Flexible Support Fund",
        "Pays for things that stop someone starting work: travel to interviews, childcare "
        "deposits, work clothing, tools and licences.",
        (N.PRACTICAL_BARRIERS,),
        eligibility="Universal Credit claimants with a work coach.",
        ages=(18, 66),
        how_to_refer="Ask the person's work coach, or refer through JoinedUp to the work coach team.",
        wait=(1, 5),
    ),
    ServiceSpec(
        "jcp",
        "Sector-based work academies",
        "Six weeks of training, a work placement and a guaranteed interview with employers "
        "recruiting in care, warehousing and hospitality.",
        (N.WORK_SKILLS,),
        ages=(18, 66),
        wait=(14, 42),
        running=False,
    ),
    ServiceSpec(
        "cab",
        "Debt advice",
        "Free, confidential debt advice: priority debts, payment plans, breathing space, debt "
        "relief orders and bankruptcy.",
        (N.MONEY_DEBT,),
        ages=(18, None),
        at_hub=True,
        wait=(5, 20),
        contact_title="Debt team supervisor",
    ),
    ServiceSpec(
        "cab",
        "Help to Claim",
        "Support to make a Universal Credit claim and get the first payment right, including "
        "setting up an online account.",
        (N.MONEY_DEBT, N.BASIC_DIGITAL_SKILLS),
        method=M.DROP_IN,
        how_to_refer="Drop in to the Citizens Advice office, Monday to Thursday, 10am to 3pm.",
        wait=(0, 0),
    ),
    ServiceSpec(
        "cab",
        "Housing and tenancy advice",
        "Advice on rent arrears, disrepair, eviction notices and tenants' rights.",
        (N.HOUSING, N.MONEY_DEBT),
        wait=(3, 14),
    ),
    ServiceSpec(
        "credit_union",
        "Savings and affordable loans",
        "Small loans at a fair rate instead of doorstep or payday lenders, with a savings "
        "account alongside.",
        (N.MONEY_DEBT,),
        method=M.WEB,
        eligibility="Anyone who lives or works in Northvale.",
        ages=(18, None),
        how_to_refer="Apply online or at the Credit Union shop. Decisions usually within two days.",
        wait=(1, 3),
    ),
    ServiceSpec(
        "credit_union",
        "Money guidance sessions",
        "One-to-one budgeting sessions: a household budget, cheaper bills and a plan to save.",
        (N.MONEY_DEBT, N.CONFIDENCE_MOTIVATION),
        at_hub=True,
        wait=(3, 10),
    ),
    ServiceSpec(
        "recovery",
        "Drug and alcohol treatment",
        "Assessment, prescribing, detox and psychosocial support for adults who want to change "
        "their drug or alcohol use.",
        (N.DRUGS_ALCOHOL, N.PHYSICAL_HEALTH),
        ages=(18, None),
        how_to_refer=(
            "Refer through JoinedUp or the person can ring us themselves. We offer an "
            "assessment within two weeks."
        ),
        wait=(5, 14),
        contact_title="Duty recovery worker",
    ),
    ServiceSpec(
        "recovery",
        "Recovery community and peer support",
        "Peer-led groups, recovery coaching and activities for people in or after treatment.",
        (N.DRUGS_ALCOHOL, N.CONFIDENCE_MOTIVATION),
        method=M.DROP_IN,
        ages=(18, None),
        how_to_refer="Drop in to Harbour House, weekdays from 1pm.",
        wait=(0, 0),
    ),
    ServiceSpec(
        "talking",
        "Talking therapies for anxiety and depression",
        "NHS talking therapies: guided self-help, cognitive behavioural therapy and "
        "counselling, in person, by phone or online.",
        (N.MENTAL_WELLBEING,),
        method=M.WEB,
        ages=(16, None),
        how_to_refer="People refer themselves online, or a GP or key worker can refer.",
        wait=(14, 56),
    ),
    ServiceSpec(
        "talking",
        "Employment advisers in talking therapies",
        "Employment advisers work alongside therapists to help people stay in or get back to "
        "work while they have therapy.",
        (N.MENTAL_WELLBEING, N.WORK_SKILLS),
        eligibility="People having talking therapies, in or out of work.",
        ages=(16, None),
        wait=(7, 21),
    ),
    ServiceSpec(
        "homes",
        "Tenancy sustainment",
        "A tenancy sustainment officer helps tenants at risk of losing their home with arrears, "
        "neighbour problems and getting the home set up.",
        (N.HOUSING, N.MONEY_DEBT),
        eligibility="Northvale Homes tenants.",
        ages=(16, None),
        at_hub=True,
        wait=(3, 10),
    ),
    ServiceSpec(
        "homes",
        "Financial inclusion officers",
        "Benefit checks, help with grants and discretionary housing payments, and referral for "
        "debt advice.",
        (N.MONEY_DEBT,),
        eligibility="Northvale Homes tenants.",
        ages=(18, None),
        wait=(5, 14),
    ),
    ServiceSpec(
        "college",
        "English and maths for adults",
        "Free English and maths courses from entry level to GCSE, daytime and evening.",
        (N.BASIC_DIGITAL_SKILLS, N.WORK_SKILLS),
        method=M.EMAIL,
        eligibility="Adults without a GCSE grade 4 (C) in English or maths.",
        ages=(19, None),
        how_to_refer="Email the adult learner support team; courses start every term.",
        wait=(14, 60),
        contact_title="Adult learner support adviser",
    ),
    ServiceSpec(
        "college",
        "ESOL: English for speakers of other languages",
        "English language classes at every level, with help to prepare for work and citizenship.",
        (N.BASIC_DIGITAL_SKILLS,),
        method=M.EMAIL,
        ages=(19, None),
        how_to_refer="Email the adult learner support team to book an assessment of English level.",
        wait=(14, 45),
    ),
    ServiceSpec(
        "college",
        "Vocational short courses",
        "Short courses that lead to work: food hygiene, first aid, CSCS card, forklift and "
        "health and social care.",
        (N.WORK_SKILLS,),
        ages=(19, None),
        fees="Free for people on benefits or a low wage; otherwise from £45.",
        wait=(7, 30),
    ),
    ServiceSpec(
        "adult_learning",
        "Confidence and wellbeing courses",
        "Friendly six-week courses on confidence, managing stress and planning next steps, "
        "in community venues.",
        (N.CONFIDENCE_MOTIVATION, N.MENTAL_WELLBEING),
        ages=(19, None),
        wait=(7, 28),
    ),
    ServiceSpec(
        "adult_learning",
        "Digital skills drop-in",
        "Help to get online: using a phone or laptop, email, job sites and online forms. "
        "Laptops to borrow.",
        (N.BASIC_DIGITAL_SKILLS,),
        method=M.DROP_IN,
        ages=(16, None),
        how_to_refer="Drop in to the Central Library, Tuesdays and Fridays, 10am to 12 noon.",
        wait=(0, 0),
    ),
    ServiceSpec(
        "probation",
        "Employment, training and education for people on probation",
        "Help for people on licence or a community order to find training and work, including "
        "disclosure of convictions to employers.",
        (N.OFFENDING, N.WORK_SKILLS),
        eligibility="People supervised by the Northvale Probation Delivery Unit.",
        ages=(18, None),
        how_to_refer="Ask the person's probation practitioner, or refer through JoinedUp.",
        wait=(5, 21),
    ),
    ServiceSpec(
        "probation",
        "Accommodation support on release",
        "Help for people leaving prison to find and keep somewhere to live.",
        (N.OFFENDING, N.HOUSING),
        eligibility="People released to Northvale, from 12 weeks before release.",
        ages=(18, None),
        wait=(3, 14),
    ),
    ServiceSpec(
        "youth",
        "Youth mentoring",
        "A mentor for young people not in education, employment or training, meeting weekly "
        "to build confidence and plan next steps.",
        (N.WORK_SKILLS, N.CONFIDENCE_MOTIVATION),
        eligibility="Young people aged 16 to 24 not in education, employment or training.",
        ages=(16, 24),
        wait=(7, 21),
        contact_title="Mentoring coordinator",
    ),
    ServiceSpec(
        "youth",
        "Young parents programme",
        "Group sessions and one-to-one support for young parents: parenting, relationships, "
        "childcare and going back to learning.",
        (N.FAMILY_RELATIONSHIPS, N.CONFIDENCE_MOTIVATION),
        eligibility="Parents and parents-to-be aged 16 to 24.",
        ages=(16, 24),
        wait=(7, 28),
    ),
    ServiceSpec(
        "supported",
        "Supported employment and job coaching",
        "A job coach finds work that fits, supports the person at interview and in the job, "
        "and advises employers on reasonable adjustments.",
        (N.PHYSICAL_HEALTH, N.MENTAL_WELLBEING, N.WORK_SKILLS),
        eligibility="Disabled people and people with long-term health conditions.",
        ages=(16, None),
        wait=(14, 35),
    ),
    ServiceSpec(
        "supported",
        "Health and work coaching",
        "Coaching to manage a health condition at work: pacing, adjustments, fit notes and "
        "Access to Work applications.",
        (N.PHYSICAL_HEALTH, N.MENTAL_WELLBEING),
        ages=(18, None),
        at_hub=True,
        wait=None,
    ),
    ServiceSpec(
        "cvs",
        "Volunteering opportunities",
        "Matches people to volunteering with local groups as a step towards work, with "
        "expenses paid.",
        (N.CONFIDENCE_MOTIVATION, N.WORK_SKILLS),
        method=M.EMAIL,
        how_to_refer="Email the volunteering team with the person's interests and availability.",
        wait=(3, 14),
    ),
    ServiceSpec(
        "cvs",
        "Community starter packs",
        "Furniture, bedding and kitchen starter packs for people moving into a new home, "
        "collected and delivered by volunteers.",
        (N.PRACTICAL_BARRIERS, N.HOUSING),
        ages=(18, None),
        wait=(5, 21),
    ),
)


def build_directory(ctx: DemoContext, *, organisations: dict[str, Organisation]) -> None:
    """Add Northvale's partner services, with need areas, a location and a contact each."""
    services: list[Service] = []
    needs: list[ServiceNeed] = []
    locations: list[ServiceLocation] = []
    contacts: list[ServiceContact] = []
    phone_numbers = ctx.rng.sample(range(1000), len(SERVICES))
    for spec, number in zip(SERVICES, phone_numbers, strict=True):
        organisation = organisations[spec.partner]
        service_id = ctx.uuid()
        slug = spec.partner.replace("_", "-")
        waiting = None if spec.wait is None else ctx.rng.randint(*spec.wait)
        service = Service(
            id=service_id,
            organisation=organisation,
            oruk_id=str(service_id),
            name=spec.name,
            description=spec.description,
            url=f"https://www.{slug}.{DOMAIN}/services",
            email=f"referrals@{slug}.{DOMAIN}",
            status=Service.Status.ACTIVE if spec.running else Service.Status.INACTIVE,
            eligibility_description=spec.eligibility,
            minimum_age=spec.ages[0],
            maximum_age=spec.ages[1],
            how_to_refer=spec.how_to_refer,
            referral_method=spec.method,
            waiting_time_days=waiting,
            accepting_referrals=spec.running and ctx.rng.random() > 0.15,
            fees=spec.fees,
            last_reviewed=ctx.today - timedelta(days=ctx.rng.randint(7, 330)),
        )
        services.append(service)
        needs.extend(ServiceNeed(id=ctx.uuid(), service=service, need=code) for code in spec.needs)
        for place in (PLACES[spec.partner], HUB) if spec.at_hub else (PLACES[spec.partner],):
            locations.append(
                ServiceLocation(
                    id=ctx.uuid(),
                    service=service,
                    name=place.name,
                    address_1=place.address_1,
                    city=place.city,
                    postcode=place.postcode,
                )
            )
        contacts.append(
            ServiceContact(
                id=ctx.uuid(),
                service=service,
                name=f"{ctx.fake.first_name()} {ctx.fake.last_name()}",
                title=spec.contact_title,
                phone=f"01632 960{number:03d}",
                email=f"referrals@{slug}.{DOMAIN}",
            )
        )
    Service.objects.bulk_create(services)
    ServiceNeed.objects.bulk_create(needs)
    ServiceLocation.objects.bulk_create(locations)
    ServiceContact.objects.bulk_create(contacts)
