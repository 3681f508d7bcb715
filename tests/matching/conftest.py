"""Shared fixtures for data matching: a data officer, a police force beside the council, and
small agency extracts with clear duplicates across the two agencies.

``council_tax_csv()`` and ``police_csv()`` build the same fictional residents as each agency
would send them: different column headers, and in the police file some names, dates and
postcodes written differently (a nickname, a typo, a transposed date, a moved postcode), so
that a linkage run links most of them and leaves a few for review. ``csv_bytes`` builds any
other file.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from joinedup.accounts.models import User
from joinedup.accounts.roles import Role
from joinedup.matching import services
from joinedup.matching.models import ColumnMapping, Extract, SourceKind
from joinedup.sharing.models import SharingAgreement

from ..conftest import actor_for, client_for
from ..factories import OrganisationFactory, UserFactory

LAWFUL_BASIS = "UK GDPR 6(1)(e) public task; Crime and Disorder Act 1998 s.115"

FIRST_NAMES = [
    "Amelia",
    "Oliver",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Mia",
    "Arthur",
    "Ivy",
    "Leo",
    "Grace",
    "Oscar",
    "Freya",
    "Harry",
    "Lily",
    "Jack",
    "Ella",
    "Charlie",
    "Rosie",
    "Alfie",
    "Sophie",
    "Thomas",
    "Evie",
    "James",
    "Poppy",
    "William",
    "Daisy",
    "Joshua",
    "Holly",
]
SURNAMES = [
    "Hartley",
    "Okafor",
    "Brennan",
    "Whitfield",
    "Kowalski",
    "Pemberton",
    "Achebe",
    "Lindqvist",
    "Marsh",
    "Tremaine",
    "Gallagher",
    "Osei",
    "Fairbairn",
    "Nakamura",
    "Ridley",
    "Castellano",
    "Haworth",
    "Mbeki",
    "Thornbury",
    "Quayle",
    "Sinclair",
    "Petrov",
    "Ashdown",
    "Varga",
    "Crossley",
    "Delacroix",
    "Ellwood",
    "Fenwick",
    "Grimshaw",
]
NICKNAMES = {"William": "Bill", "Thomas": "Tom", "James": "Jim", "Joshua": "Josh"}


@dataclass(frozen=True)
class Resident:
    """A fictional resident as the truth: what each agency writes is derived from it."""

    number: int
    first_name: str
    surname: str
    born: date
    sex: str
    house: int
    street: str
    postcode: str
    ni_number: str
    phone: str


def residents(count: int = 30, *, seed: int = 6) -> list[Resident]:
    """``count`` fictional residents, the same for the same seed."""
    rng = random.Random(seed)
    streets = ["Mill Lane", "Station Road", "Church Street", "Park Avenue", "Victoria Road"]
    people = []
    for number in range(count):
        first = FIRST_NAMES[number % len(FIRST_NAMES)]
        people.append(
            Resident(
                number=number,
                first_name=first,
                surname=SURNAMES[(number * 7) % len(SURNAMES)],
                born=date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)),
                sex="F" if number % 2 == 0 else "M",
                house=rng.randint(1, 120),
                street=rng.choice(streets),
                postcode=f"NV{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}",
                ni_number=f"Q{chr(65 + number % 20)}{rng.randint(100000, 999999)}{'ABCD'[number % 4]}",
                phone=f"07700 9{rng.randint(10000, 99999)}",
            )
        )
    return people


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file as an agency would send it."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


COUNCIL_TAX_HEADER = (
    "Account ref",
    "First name",
    "Surname",
    "Date of birth",
    "Address",
    "Postcode",
    "NI number",
    "Arrears",
)
COUNCIL_TAX_FIELDS = {
    "first_name": "First name",
    "surname": "Surname",
    "date_of_birth": "Date of birth",
    "address": "Address",
    "postcode": "Postcode",
    "ni_number": "NI number",
}
COUNCIL_TAX_SIGNALS = {"arrears_amount": "Arrears"}


def council_tax_csv(people: Sequence[Resident] | None = None) -> bytes:
    """The council's council tax accounts: one row per resident, clean data."""
    people = residents() if people is None else people
    return csv_bytes(
        COUNCIL_TAX_HEADER,
        (
            (
                f"CT{p.number:05d}",
                p.first_name,
                p.surname,
                p.born.strftime("%d/%m/%Y"),
                f"{p.house} {p.street}, Northvale",
                p.postcode,
                p.ni_number,
                f"{(p.number * 37) % 900}.00",
            )
            for p in people
        ),
    )


POLICE_HEADER = ("Nominal ID", "Forename", "Family name", "DOB", "Gender", "Home postcode", "Tel")
POLICE_FIELDS = {
    "first_name": "Forename",
    "surname": "Family name",
    "date_of_birth": "DOB",
    "sex": "Gender",
    "postcode": "Home postcode",
    "phone": "Tel",
}


def police_rows(people: Sequence[Resident] | None = None) -> list[tuple[str, ...]]:
    """The police's contacts with two thirds of the residents, some written differently, and
    three people the council does not know."""
    people = residents() if people is None else people
    rows = []
    for p in people:
        if p.number % 3 == 2:
            continue
        first, surname, born, postcode = p.first_name, p.surname, p.born, p.postcode
        if p.number % 5 == 1:
            first = NICKNAMES.get(first, first[:-1] + "e")  # a nickname or a typo
        if p.number % 7 == 3 and born.day <= 12:
            born = date(born.year, born.day, born.month)  # day and month swapped
        if p.number % 4 == 3:
            postcode = ""  # not recorded
        if p.number % 6 == 4:
            # Moved away since: a pair for review rather than a link.
            postcode = "NV9 9ZZ"
        rows.append(
            (
                f"N{7000 + p.number}",
                first,
                surname.upper(),
                born.isoformat(),
                "Female" if p.sex == "F" else "Male",
                postcode,
                p.phone,
            )
        )
    for extra, (first, surname) in enumerate(
        (("Kieran", "Duffy"), ("Shannon", "Lowe"), ("Callum", "Birch"))
    ):
        rows.append(
            (f"N{9000 + extra}", first, surname, f"199{extra}-06-1{extra}", "Male", "NV4 4AA", "")
        )
    return rows


def police_csv(people: Sequence[Resident] | None = None) -> bytes:
    return csv_bytes(POLICE_HEADER, police_rows(people))


def mapping_post(
    fields: Mapping[str, str], signals: Mapping[str, str] | None = None, **extra: str
) -> dict[str, str]:
    """The mapping step's form data for mapping ``fields`` and ``signals`` by hand."""
    data = {f"field_{name}": column for name, column in fields.items()}
    data.update({f"signal_{code}": column for code, column in (signals or {}).items()})
    data.update(extra)
    return data


# ----------------------------------------------------------------------------- people


@pytest.fixture
def police():  # type: ignore[no-untyped-def]
    return OrganisationFactory(name="Northvale Police")


@pytest.fixture
def data_officer(council) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(organisation=council, roles=[Role.DATA_OFFICER], full_name="Dana Officer")


@pytest.fixture
def police_data_officer(police) -> User:  # type: ignore[no-untyped-def]
    """A data officer of another organisation: sees the partnership's extracts too."""
    return UserFactory(organisation=police, roles=[Role.DATA_OFFICER], full_name="Pat Constable")


@pytest.fixture
def analyst(council) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=council, roles=[Role.PERFORMANCE_ANALYST], full_name="Asha Analyst"
    )


@pytest.fixture
def officer_client(data_officer: User) -> Client:
    return client_for(data_officer)


# ----------------------------------------------------------------------------- extracts


def load(
    user: User,
    organisation: Any,
    data: bytes,
    *,
    kind: str,
    fields: Mapping[str, str],
    id_column: str,
    signals: Mapping[str, str] | None = None,
    name: str = "extract.csv",
    extract_date: date | None = None,
    agreement: SharingAgreement | None = None,
) -> Extract:
    """Save a mapping and load an extract through the services, as a data officer."""
    actor = actor_for(user)
    mapping: ColumnMapping = services.save_mapping(
        actor=actor,
        organisation=organisation,
        source_kind=kind,
        name=f"{SourceKind(kind).label} mapping",
        id_column=id_column,
        fields=dict(fields),
        signals=dict(signals or {}),
    )
    result = services.load_extract(
        actor=actor,
        organisation=organisation,
        data=data,
        name=name,
        mapping=mapping,
        extract_date=extract_date or date(2026, 1, 5),
        lawful_basis=LAWFUL_BASIS,
        agreement=agreement,
    )
    assert result.extract is not None
    return result.extract


def make_agreement(
    *parties: Any, name: str = "Northvale data matching agreement", **dates: Any
) -> SharingAgreement:
    """A sharing agreement between ``parties``, current unless ``dates`` say otherwise."""
    agreement = SharingAgreement.objects.create(
        name=name,
        purpose="Matching the partners' extracts to find people known to several agencies.",
        starts_on=dates.pop("starts_on", timezone.localdate() - timedelta(days=365)),
        **dates,
    )
    agreement.parties.set(parties)
    return agreement


@pytest.fixture
def matching_agreement(council, police) -> SharingAgreement:  # type: ignore[no-untyped-def]
    """The council and the police's current agreement: the police extract is shared under it."""
    return make_agreement(council, police)


@pytest.fixture
def council_extract(data_officer, council) -> Extract:  # type: ignore[no-untyped-def]
    return load(
        data_officer,
        council,
        council_tax_csv(),
        kind=SourceKind.COUNCIL_TAX,
        fields=COUNCIL_TAX_FIELDS,
        signals=COUNCIL_TAX_SIGNALS,
        id_column="Account ref",
        name="council-tax.csv",
    )


@pytest.fixture
def police_extract(data_officer, police, matching_agreement) -> Extract:  # type: ignore[no-untyped-def]
    """Loaded by the council's data officer in the police's name, under the agreement."""
    return load(
        data_officer,
        police,
        police_csv(),
        kind=SourceKind.POLICE,
        fields=POLICE_FIELDS,
        id_column="Nominal ID",
        name="police.csv",
        agreement=matching_agreement,
    )


@pytest.fixture
def private_files(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploaded files go to a temporary private files folder."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path
