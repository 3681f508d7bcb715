"""Northvale's residents known to the partnership, in households, with realistic en_GB names,
addresses, postcodes and ages. The postcodes use the fictional "NV" area, in the real UK
format, so nothing points at a real address."""

from __future__ import annotations

from datetime import date, timedelta

from joinedup.accounts.models import Organisation
from joinedup.people.models import Household, HouseholdMember, Person
from joinedup.people.names import normalise_name, soundex

from .context import DemoContext

TOWNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Northvale", ("NV1", "NV2", "NV3", "NV4")),
    ("Eastbrook", ("NV5", "NV6")),
    ("Millford", ("NV7", "NV8")),
)
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters UK postcode units use
R = HouseholdMember.Relationship


def _postcode(ctx: DemoContext, district: str) -> str:
    sector = ctx.rng.randint(1, 9)
    unit = ctx.rng.choice(UNIT_LETTERS) + ctx.rng.choice(UNIT_LETTERS)
    return f"{district} {sector}{unit}"


def _birth_date(ctx: DemoContext, min_age: int, max_age: int) -> date:
    days = ctx.rng.randint(min_age * 365 + 1, max_age * 365 + 364)
    return ctx.today - timedelta(days=days)


def _phone(ctx: DemoContext) -> str:
    return "07700 9" + f"{ctx.rng.randint(0, 99999):05d}"  # Ofcom's range for drama


def build_people(ctx: DemoContext, *, count: int, organisations: dict[str, Organisation]) -> int:
    """Make ``count`` people in households. Returns the number of households."""
    registering = [
        organisations[key] for key in ("council", "jcp", "cab", "homes", "recovery", "youth")
    ]
    households: list[Household] = []
    people: list[Person] = []
    members: list[HouseholdMember] = []
    while len(people) < count:
        town, districts = ctx.rng.choices(TOWNS, weights=(6, 3, 2))[0]
        district = ctx.rng.choice(districts)
        household = Household(
            id=ctx.uuid(),
            address_line_1=f"{ctx.rng.randint(1, 180)} {ctx.fake.street_name()}",
            town=town,
            postcode=_postcode(ctx, district),
        )
        households.append(household)
        family_name = ctx.fake.last_name()
        shape = ctx.rng.choices(
            ["single", "couple", "lone_parent", "couple_children", "adult_child", "sharers"],
            weights=(34, 16, 14, 20, 10, 6),
        )[0]
        plan: list[
            tuple[HouseholdMember.Relationship, int, int, bool]
        ] = []  # relationship, min age, max age, same surname
        if shape == "single":
            plan = [(R.HEAD, 18, 66, True)]
        elif shape == "couple":
            plan = [(R.HEAD, 20, 66, True), (R.PARTNER, 20, 66, ctx.rng.random() < 0.6)]
        elif shape == "lone_parent":
            plan = [(R.HEAD, 18, 55, True)] + [(R.CHILD, 0, 17, True)] * ctx.rng.randint(1, 3)
        elif shape == "couple_children":
            plan = [(R.HEAD, 22, 55, True), (R.PARTNER, 22, 55, ctx.rng.random() < 0.7)]
            plan += [(R.CHILD, 0, 19, True)] * ctx.rng.randint(1, 3)
        elif shape == "adult_child":
            plan = [(R.HEAD, 45, 75, True), (R.CHILD, 18, 35, True)]
        else:
            plan = [(R.HEAD, 19, 40, True)] + [(R.LODGER, 19, 40, False)] * ctx.rng.randint(1, 2)
        for relationship, min_age, max_age, same_surname in plan:
            if len(people) >= count:
                break
            sex = ctx.rng.choice(["F", "M"])
            given = ctx.fake.first_name_female() if sex == "F" else ctx.fake.first_name_male()
            dob = _birth_date(ctx, min_age, max_age)
            adult = (ctx.today - dob).days >= 16 * 365
            surname = family_name if same_surname else ctx.fake.last_name()
            family_key = normalise_name(surname)
            person = Person(
                id=ctx.uuid(),
                given_name=given,
                family_name=surname,
                given_name_key=normalise_name(given),
                family_name_key=family_key,
                family_name_soundex=soundex(family_key),
                date_of_birth=dob,
                sex=sex,
                email=(
                    f"{given}.{surname}{ctx.rng.randint(1, 99)}@example.com".lower()
                    if adult and ctx.rng.random() < 0.6
                    else ""
                ),
                phone=_phone(ctx) if adult and ctx.rng.random() < 0.8 else "",
                address_line_1=household.address_line_1,
                town=household.town,
                postcode=household.postcode,
                registered_by=ctx.rng.choice(registering),
            )
            people.append(person)
            members.append(
                HouseholdMember(
                    id=ctx.uuid(), household=household, person=person, relationship=relationship
                )
            )
    Household.objects.bulk_create(households, batch_size=2000)
    Person.objects.bulk_create(people, batch_size=2000)
    HouseholdMember.objects.bulk_create(members, batch_size=2000)
    return len(households)
