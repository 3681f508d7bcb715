"""Northvale's partners, their teams and about forty staff covering every role.

Everyone signs in with the demo passphrase and two-factor. Each demo account has an authenticator
with a random key; `manage.py demo_two_factor_code EMAIL` shows its current code (only where
DEMO_MODE is on, and seed_demo itself runs only there).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.accounts.models import Membership, Organisation, Team, User
from joinedup.accounts.roles import Role

from .context import DemoContext

DEMO_PASSWORD = "northvale demo passphrase"  # noqa: S105 (fictional demo accounts only)
DOMAIN = "northvale.example"

Kind = Organisation.Type


@dataclass(frozen=True)
class PartnerSpec:
    key: str
    name: str
    short_name: str
    kind: str
    co_located: bool
    description: str
    teams: tuple[str, ...]
    #: (role, team index or None, how many) of generated staff.
    staff: tuple[tuple[str, int | None, int], ...]


PARTNERS: tuple[PartnerSpec, ...] = (
    PartnerSpec(
        "council",
        "Northvale Borough Council",
        "Council",
        Kind.STATUTORY,
        True,
        "Leads the Northvale Works partnership; hosts the employment and skills hub.",
        (
            "Employment and Skills Hub",
            "Family Support",
            "Performance and Intelligence",
            "Information Governance",
        ),
        (
            (Role.KEY_WORKER, 0, 3),
            (Role.KEY_WORKER, 1, 1),
            (Role.PERFORMANCE_ANALYST, 2, 1),
            (Role.DATA_OFFICER, 2, 1),
        ),
    ),
    PartnerSpec(
        "jcp",
        "Jobcentre Plus Northvale",
        "Jobcentre Plus",
        Kind.STATUTORY,
        True,
        "Work coaches and benefit claims; a work coach sits at the hub three days a week.",
        ("Work Coaches",),
        ((Role.PARTNER_PRACTITIONER, 0, 2), (Role.TEAM_MANAGER, 0, 1)),
    ),
    PartnerSpec(
        "cab",
        "Citizens Advice Northvale",
        "Citizens Advice",
        Kind.VOLUNTARY,
        True,
        "Debt, benefits and housing advice, including benefit checks.",
        ("Debt and Benefits Advice",),
        ((Role.PARTNER_PRACTITIONER, 0, 1),),
    ),
    PartnerSpec(
        "credit_union",
        "Northvale Credit Union",
        "Credit Union",
        Kind.SOCIAL_ENTERPRISE,
        True,
        "Savings, affordable loans and money guidance.",
        ("Money Guidance",),
        ((Role.PARTNER_PRACTITIONER, 0, 1),),
    ),
    PartnerSpec(
        "recovery",
        "Northvale Recovery Service",
        "Recovery Service",
        Kind.VOLUNTARY,
        True,
        "Drug and alcohol treatment and recovery support.",
        ("Recovery Workers",),
        ((Role.PARTNER_PRACTITIONER, 0, 1),),
    ),
    PartnerSpec(
        "talking",
        "Northvale Talking Therapies",
        "Talking Therapies",
        Kind.STATUTORY,
        False,
        "NHS talking therapies for anxiety and depression, including an employment adviser.",
        ("Employment Advisers",),
        ((Role.PARTNER_PRACTITIONER, 0, 1),),
    ),
    PartnerSpec(
        "homes",
        "Northvale Homes",
        "Northvale Homes",
        Kind.SOCIAL_ENTERPRISE,
        True,
        "Housing association: tenancy sustainment and financial inclusion officers.",
        ("Tenancy Sustainment",),
        ((Role.PARTNER_PRACTITIONER, 0, 1),),
    ),
    PartnerSpec(
        "college",
        "Northvale College",
        "College",
        Kind.STATUTORY,
        False,
        "Further education, English and maths, vocational courses.",
        ("Adult Learner Support",),
        ((Role.PARTNER_PRACTITIONER, 0, 1),),
    ),
    PartnerSpec(
        "adult_learning",
        "Northvale Adult Learning",
        "Adult Learning",
        Kind.STATUTORY,
        True,
        "Community learning: confidence, digital skills and first steps courses.",
        ("Community Learning",),
        ((Role.PARTNER_PRACTITIONER, 0, 1),),
    ),
    PartnerSpec(
        "probation",
        "Probation Service – Northvale",
        "Probation",
        Kind.STATUTORY,
        False,
        "Supervision of people on licence or community orders; employment, training and education.",
        ("Northvale Probation Delivery Unit",),
        ((Role.PARTNER_PRACTITIONER, 0, 1),),
    ),
    PartnerSpec(
        "youth",
        "Northvale Youth Trust",
        "Youth Trust",
        Kind.VOLUNTARY,
        False,
        "Support for young people aged 16 to 24 not in education, employment or training.",
        ("Youth Mentors",),
        ((Role.KEY_WORKER, 0, 2),),
    ),
    PartnerSpec(
        "supported",
        "Pathways Supported Employment",
        "Pathways",
        Kind.SOCIAL_ENTERPRISE,
        True,
        "Supported employment and job coaching for disabled people and people with health conditions.",
        ("Job Coaches",),
        ((Role.KEY_WORKER, 0, 1), (Role.PARTNER_PRACTITIONER, 0, 1)),
    ),
    PartnerSpec(
        "cvs",
        "Northvale Voluntary Action",
        "Voluntary Action",
        Kind.VOLUNTARY,
        False,
        "Supports the borough's voluntary groups and volunteering.",
        ("Volunteering",),
        ((Role.PARTNER_PRACTITIONER, 0, 1),),
    ),
)


#: Agencies that send extracts for the partnership's data matching (issue 6) but do not work
#: with residents in JoinedUp: organisations without teams or staff, made after the rest of the
#: demo (:func:`build_data_partners`) so that the partnership above is unchanged.
DATA_PARTNERS: tuple[PartnerSpec, ...] = (
    PartnerSpec(
        "police",
        "Northvale Police",
        "Police",
        Kind.STATUTORY,
        False,
        "Neighbourhood policing; shares incident and anti-social behaviour data for data matching.",
        (),
        (),
    ),
    PartnerSpec(
        "health",
        "Northvale Hospitals NHS Trust",
        "NHS Trust",
        Kind.STATUTORY,
        False,
        "The borough's hospital and A&E; shares attendance data for data matching.",
        (),
        (),
    ),
)


@dataclass(frozen=True)
class NamedAccount:
    """A demo account with an address that says what it is for, printed by `make demo`."""

    email_local: str
    full_name: str
    partner: str
    roles: tuple[str, ...]
    team: int | None
    job_title: str


NAMED_ACCOUNTS: tuple[NamedAccount, ...] = (
    NamedAccount(
        "keyworker", "Kirsty Walker", "council", (Role.KEY_WORKER,), 0, "Employment key worker"
    ),
    NamedAccount("manager", "Tom Ashworth", "council", (Role.TEAM_MANAGER,), 0, "Hub team manager"),
    NamedAccount(
        "analyst", "Priya Shah", "council", (Role.PERFORMANCE_ANALYST,), 2, "Performance analyst"
    ),
    NamedAccount(
        "data", "Owen Hughes", "council", (Role.DATA_OFFICER,), 2, "Data and insight officer"
    ),
    NamedAccount(
        "ig",
        "Grace Okafor",
        "council",
        (Role.INFORMATION_GOVERNANCE,),
        3,
        "Information governance officer",
    ),
    NamedAccount(
        "admin", "Martin Doyle", "council", (Role.ORGANISATION_ADMIN,), None, "Systems officer"
    ),
    NamedAccount(
        "sysadmin",
        "Helen Brooks",
        "council",
        (Role.SYSTEM_ADMIN, Role.ORGANISATION_ADMIN),
        None,
        "Partnership systems lead",
    ),
    NamedAccount(
        "debtadviser", "Sam Clarke", "cab", (Role.PARTNER_PRACTITIONER,), 0, "Debt adviser"
    ),
    NamedAccount(
        "cab.admin", "Rachel Green", "cab", (Role.ORGANISATION_ADMIN,), None, "Office manager"
    ),
    NamedAccount("workcoach", "Daniel Evans", "jcp", (Role.PARTNER_PRACTITIONER,), 0, "Work coach"),
    NamedAccount(
        "recovery", "Aisha Rahman", "recovery", (Role.PARTNER_PRACTITIONER,), 0, "Recovery worker"
    ),
    NamedAccount(
        "housing",
        "Lee Morgan",
        "homes",
        (Role.PARTNER_PRACTITIONER,),
        0,
        "Tenancy sustainment officer",
    ),
)


def account_email(local: str, partner_key: str) -> str:
    return f"{local}@{partner_key.replace('_', '-')}.{DOMAIN}"


def build_partnership(ctx: DemoContext) -> dict[str, Organisation]:
    password_hash = make_password(DEMO_PASSWORD)
    now = timezone.now()
    organisations: dict[str, Organisation] = {}
    teams: dict[str, list[Team]] = {}
    for spec in PARTNERS:
        organisation = Organisation.objects.create(
            id=ctx.uuid(),
            name=spec.name,
            short_name=spec.short_name,
            organisation_type=spec.kind,
            co_located=spec.co_located,
            description=spec.description,
        )
        organisations[spec.key] = organisation
        teams[spec.key] = [
            Team.objects.create(id=ctx.uuid(), organisation=organisation, name=name)
            for name in spec.teams
        ]

    users: list[User] = []
    memberships: list[Membership] = []

    def add_user(
        email: str, name: str, partner: str, job: str, roles: tuple[str, ...], team: int | None
    ) -> None:
        user = User(
            id=ctx.uuid(),
            email=email,
            full_name=name,
            job_title=job,
            organisation=organisations[partner],
            password=password_hash,
            last_login=now,
        )
        users.append(user)
        for role in roles:
            team_obj = teams[partner][team] if team is not None else None
            memberships.append(Membership(id=ctx.uuid(), user=user, role=role, team=team_obj))

    for account in NAMED_ACCOUNTS:
        add_user(
            account_email(account.email_local, account.partner),
            account.full_name,
            account.partner,
            account.job_title,
            account.roles,
            account.team,
        )
    for spec in PARTNERS:
        if not any(
            a.partner == spec.key and Role.ORGANISATION_ADMIN in a.roles for a in NAMED_ACCOUNTS
        ):
            name = _staff_name(ctx)
            add_user(
                _email_for(name, spec.key),
                name,
                spec.key,
                "Office manager",
                (Role.ORGANISATION_ADMIN,),
                None,
            )
        for role, team, count in spec.staff:
            for _ in range(count):
                name = _staff_name(ctx)
                add_user(
                    _email_for(name, spec.key), name, spec.key, Role(role).label, (role,), team
                )

    _dedupe_emails(users)
    User.objects.bulk_create(users)
    Membership.objects.bulk_create(memberships)
    TOTPDevice.objects.bulk_create(
        TOTPDevice(user=user, name="Authenticator app", confirmed=True) for user in users
    )
    return organisations


def build_data_partners(ctx: DemoContext) -> dict[str, Organisation]:
    """The agencies of :data:`DATA_PARTNERS`, keyed like the partners."""
    return {
        spec.key: Organisation.objects.create(
            id=ctx.uuid(),
            name=spec.name,
            short_name=spec.short_name,
            organisation_type=spec.kind,
            co_located=spec.co_located,
            description=spec.description,
        )
        for spec in DATA_PARTNERS
    }


def _staff_name(ctx: DemoContext) -> str:
    return f"{ctx.fake.first_name()} {ctx.fake.last_name()}"


def _email_for(name: str, partner_key: str) -> str:
    parts = name.lower().replace("'", "").split()
    local = f"{parts[0]}.{parts[-1]}"
    return account_email(local, partner_key)


def _dedupe_emails(users: list[User]) -> None:
    seen: dict[str, int] = {}
    for user in users:
        count = seen.get(user.email, 0)
        seen[user.email] = count + 1
        if count:
            local, domain = user.email.split("@", 1)
            user.email = f"{local}{count + 1}@{domain}"
