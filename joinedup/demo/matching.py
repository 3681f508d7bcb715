"""The demo's data matching (issue 6): six agency extracts that overlap with Northvale's
residents on JoinedUp's shared record and with each other. One is loaded and matched when the
demo is built; the others are files for the data officer to load through the pages.

**Who is in them.** The residents on the shared record, and about 40 % more people whom no
partner holds (in households of their own), as the council's council tax accounts and schools
attendance, Northvale Homes' rent accounts, the police, the hospital trust and Jobcentre Plus
would hold them: council tax the householders of 18 and over, schools children of 4 to 16,
the Jobcentre people of 16 to 66, Northvale Homes its tenants. Each household has a "need"
(skewed: most are low), and how many agencies know its members, and how bad their signals are
(arrears, incidents, attendance, A&E, months claiming), rise with it. A handful of residents
(one in 150, from three to twelve; most on the shared record and held by the council, a few on
no partner's books) are known to the council, the police, the hospital and the Jobcentre, some
to Northvale Homes too and their children to schools, with signals over the priority's
thresholds: once the police, health and Jobcentre files are loaded and matched, each is known
to four agencies or more.

**The noise** is the kind :mod:`joinedup.matching.synthetic` describes, milder: each agency's
own headers (``AGENCY_COLUMNS``) and the fields it holds (``FIELD_PRESENCE``: council tax
mostly without a date of birth, the police often without a postcode), nicknames ("Bill" for
William, from the project's nickname groups), the synthetic generator's typing errors, first
names cut to an initial, day and month transposed, dates written day first, ISO or compact,
capitals, postcodes without the space or mis-keyed, "Rd" for "Road", an old address, NI and
NHS numbers spaced, cut or "UNKNOWN", and a few second records in the same agency. A name
written loosely (an initial, a typing error) where there is no date of birth is what leaves a
pair for the review queue. The handful known to four agencies are written without the
errors (a nickname at most), so that they link for certain.

**Deterministic, and made again from the database.** Everything is drawn from random sources
seeded with the ids of the people on the shared record, which the demo's seed decides. The
build (:func:`build_matching`) saves the column mappings of all six agencies, loads the council
tax extract and makes one full linkage run. The files are written into ``var/demo-extracts/``
only when the demo is served (:func:`write_extract_files`, from ``manage.py demo_banner``):
made again from the people the database held when the council tax extract was loaded, and
checked byte for byte against that extract. So the files always belong to the database being
served, and building a demo elsewhere (in a test, say) never writes into the project.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import math
import os
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone
from faker.providers.person.en_GB import Provider as PersonProvider

from joinedup.accounts.models import Organisation, User
from joinedup.core.actor import Actor
from joinedup.matching import services
from joinedup.matching.extracts import sha256_of
from joinedup.matching.models import (
    STANDARD_FIELDS,
    ColumnMapping,
    Extract,
    LinkageRun,
    LinkedPerson,
    SourceKind,
)
from joinedup.matching.synthetic import (
    AGENCY_COLUMNS,
    AGENCY_ID_COLUMNS,
    FIELD_PRESENCE,
    _nhs_numbers,
    _ni_numbers,
    _postcode_typo,
    _typo,
)
from joinedup.people.models import HouseholdMember, Person
from joinedup.people.names import NICKNAMES_PATH, normalise_name
from joinedup.sharing import categories as cat
from joinedup.sharing.models import InformationCategory, SharingAgreement

from .context import DemoContext
from .partnership import DATA_PARTNERS, PARTNERS, account_email
from .people import TOWNS, UNIT_LETTERS

#: The data officer who loads and matches the extracts (Owen Hughes).
DATA_OFFICER = account_email("data", "council")
PUBLIC_TASK = "UK GDPR Art. 6(1)(e) public task"
#: The agreement every agency's extract is shared under: the council's data officer may load
#: another organisation's extract only under a current agreement naming both.
AGREEMENT_NAME = "Northvale data matching agreement"
#: What the extracts hold: who people are, and their arrears, rent, incidents, health,
#: attendance and claims.
AGREEMENT_CATEGORIES = (
    cat.IDENTITY,
    cat.MONEY_DEBT,
    cat.HOUSING,
    cat.OFFENDING,
    cat.PHYSICAL_HEALTH,
    cat.WORK_SKILLS,
    cat.FAMILY,
    cat.SAFEGUARDING,
)


@dataclass(frozen=True)
class Agency:
    """One agency's extract: its kind (as ``SourceKind`` and ``synthetic`` name it), the key
    of the demo organisation that sends it, its file, the lawful basis it is shared on and
    the start of its record ids."""

    kind: str
    partner: str
    file_name: str
    lawful_basis: str
    id_prefix: str

    @property
    def label(self) -> str:
        return str(SourceKind(self.kind).label)

    @property
    def mapping_name(self) -> str:
        """The name the mapping is saved under, as the mapping page suggests it."""
        return f"{self.label} ({_SHORT_NAMES[self.partner]})"


_SPECS = {spec.key: spec for spec in (*PARTNERS, *DATA_PARTNERS)}
_SHORT_NAMES = {key: spec.short_name for key, spec in _SPECS.items()}
COUNCIL_TAX, HOUSING, POLICE = "council_tax", "housing", "police"
HEALTH, JOBCENTRE, SCHOOLS = "health", "jobcentre", "schools"

AGENCIES: tuple[Agency, ...] = (
    Agency(
        COUNCIL_TAX,
        "council",
        "council-tax.csv",
        f"{PUBLIC_TASK}; Digital Economy Act 2017 s.35 (multiple disadvantages)",
        "CT",
    ),
    Agency(
        POLICE, "police", "police.csv", f"{PUBLIC_TASK}; Crime and Disorder Act 1998 s.115", "NV"
    ),
    Agency(
        HEALTH,
        "health",
        "health.csv",
        f"{PUBLIC_TASK} and Art. 9(2)(h); Digital Economy Act 2017 s.35",
        "RNV",
    ),
    Agency(
        JOBCENTRE, "jcp", "jobcentre.csv", f"{PUBLIC_TASK}; Welfare Reform Act 2012 s.131", "CLM"
    ),
    Agency(
        HOUSING,
        "homes",
        "housing.csv",
        f"{PUBLIC_TASK}; Northvale Works information sharing agreement",
        "TEN",
    ),
    Agency(
        SCHOOLS,
        "council",
        "schools.csv",
        f"{PUBLIC_TASK}; Education Act 1996 s.434 (attendance)",
        "UPN",
    ),
)
BY_KIND = {agency.kind: agency for agency in AGENCIES}
#: The extract loaded when the demo is built; the others are files to load.
PRELOADED = BY_KIND[COUNCIL_TAX]
#: The three a data officer loads in the walkthrough (README, "things to try").
WALKTHROUGH = (BY_KIND[POLICE], BY_KIND[HEALTH], BY_KIND[JOBCENTRE])

#: People whom no partner holds, for each resident on the shared record.
EXTRA_SHARE = 0.4
#: A demo with more residents than this (a benchmark's) is built without the matching, which
#: would add minutes to its build.
MAX_RESIDENTS = 20_000
#: Residents known to four or more agencies with strong signals: one in HOT_EVERY, from
#: HOT_MIN to HOT_MAX; a quarter of them (at least one) are not on the shared record.
HOT_EVERY, HOT_MIN, HOT_MAX = 150, 3, 12
#: Each field an agency holds (not the names) is blank this much more often than
#: ``FIELD_PRESENCE`` says.
EXTRA_MISSING = 0.06
#: The shares of records with each kind of error (not for the handful known to four agencies).
NICKNAME, FIRST_NAME_TYPO, SURNAME_TYPO = 0.15, 0.03, 0.03
INITIAL, COUNCIL_TAX_INITIAL = 0.01, 0.03
DATE_SWAPPED, DATE_OTHER_FORMAT = 0.03, 0.05
MOVED, DUPLICATE = 0.06, 0.02
POSTCODE_TYPO, ABBREVIATED, PLACEHOLDER = 0.02, 0.2, 0.02

_DAY_FIRST, _ISO, _COMPACT = 0, 1, 2
_ABBREVIATIONS = (
    (" Road", " Rd"),
    (" Street", " St"),
    (" Avenue", " Ave"),
    (" Close", " Cl"),
    (" Drive", " Dr"),
    (" Gardens", " Gdns"),
    (" Lane", " Ln"),
)
_FALLBACK_STREETS = ("Mill Lane", "Station Road", "Church Street", "Park Avenue", "Victoria Road")


def extracts_folder() -> Path:
    """Where the demo's agency files go: ``var/demo-extracts`` in the project, beside the demo
    database (``var/demo.sqlite3``)."""
    return Path(settings.BASE_DIR) / "var" / "demo-extracts"


# ----------------------------------------------------------------------------- the people


@dataclass
class _Home:
    line_1: str
    town: str
    postcode: str
    uprn: str
    previous_line_1: str
    previous_town: str
    previous_postcode: str
    previous_uprn: str
    #: 0 (calm) to 1 (many difficulties): how many agencies know them, and how badly.
    need: float
    tenancy: bool = False
    hot: bool = False


@dataclass
class _Resident:
    given: str
    family: str
    born: date | None
    sex: str
    email: str
    phone: str
    home: _Home
    relationship: str
    person_id: str = ""  # on the shared record when set
    held_by_council: bool = False
    ni_number: str = ""
    nhs_number: str = ""
    hot: bool = False
    agencies: list[str] = field(default_factory=list)

    def age(self, on: date) -> int:
        if self.born is None:
            return 35
        before_birthday = (on.month, on.day) < (self.born.month, self.born.day)
        return on.year - self.born.year - before_birthday


def _town(rng: random.Random) -> str:
    return rng.choices([name for name, _ in TOWNS], weights=(6, 3, 2))[0]


def _postcode(rng: random.Random) -> str:
    _name, districts = rng.choices(TOWNS, weights=(6, 3, 2))[0]
    unit = rng.choice(UNIT_LETTERS) + rng.choice(UNIT_LETTERS)
    return f"{rng.choice(districts)} {rng.randint(1, 9)}{unit}"


def _uprn(rng: random.Random) -> str:
    return f"10{rng.randrange(10**9, 10**10)}"


def _home(rng: random.Random, line_1: str, town: str, postcode: str, streets: list[str]) -> _Home:
    return _Home(
        line_1=line_1,
        town=town,
        postcode=postcode,
        uprn=_uprn(rng),
        previous_line_1=f"{rng.randint(1, 180)} {rng.choice(streets)}",
        previous_town=_town(rng),
        previous_postcode=_postcode(rng),
        previous_uprn=_uprn(rng),
        need=rng.random() ** 2.5,
    )


def _on_record(
    rng: random.Random, people_up_to: datetime | None
) -> tuple[list[_Resident], list[str]]:
    """The residents on the shared record (those registered by ``people_up_to``), in their
    households, and the streets they live on."""
    council = _SPECS["council"].name
    people = Person.objects.all()
    if people_up_to is not None:
        people = people.filter(created_on__lte=people_up_to)
    rows = sorted(
        people.values(
            "id",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "email",
            "phone",
            "address_line_1",
            "town",
            "postcode",
            "registered_by__name",
        ),
        key=lambda row: str(row["id"]),
    )
    membership: dict[str, tuple[str, str]] = {}
    for person_id, household_id, relationship in sorted(
        HouseholdMember.objects.filter(moved_out__isnull=True).values_list(
            "person_id", "household_id", "relationship"
        ),
        key=lambda row: (str(row[0]), str(row[1])),
    ):
        membership.setdefault(str(person_id), (str(household_id), relationship))
    streets = sorted(
        {
            line.split(" ", 1)[1]
            for line in (row["address_line_1"] for row in rows)
            if " " in line and line.split(" ", 1)[0].isdigit()
        }
    ) or list(_FALLBACK_STREETS)
    households: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        household, _ = membership.get(str(row["id"]), ("person:" + str(row["id"]), "head"))
        households.setdefault(household, []).append(row)
    residents: list[_Resident] = []
    for household in sorted(households):
        members = households[household]
        first = members[0]
        home = _home(rng, first["address_line_1"], first["town"], first["postcode"], streets)
        for row in members:
            residents.append(
                _Resident(
                    given=row["given_name"],
                    family=row["family_name"],
                    born=row["date_of_birth"],
                    sex=row["sex"] or "",
                    email=row["email"] or "",
                    phone=row["phone"] or "",
                    home=home,
                    relationship=membership.get(str(row["id"]), ("", "head"))[1],
                    person_id=str(row["id"]),
                    held_by_council=row["registered_by__name"] == council,
                )
            )
    return residents, streets


def _off_record(rng: random.Random, count: int, as_of: date, streets: list[str]) -> list[_Resident]:
    """About ``count`` people whom no partner holds, in households of one to four."""
    female = tuple(dict.fromkeys(PersonProvider.first_names_female))
    male = tuple(dict.fromkeys(PersonProvider.first_names_male))
    surnames = tuple(PersonProvider.last_names)
    weights = tuple(itertools.accumulate(PersonProvider.last_names.values()))
    residents: list[_Resident] = []
    while len(residents) < count:
        home = _home(
            rng, f"{rng.randint(1, 180)} {rng.choice(streets)}", _town(rng), _postcode(rng), streets
        )
        family = rng.choices(surnames, cum_weights=weights)[0]
        size = rng.choices((1, 2, 3, 4), weights=(40, 30, 18, 12))[0]
        plan = (("head", 18, 75), ("partner", 18, 75), ("child", 0, 17), ("child", 0, 17))
        for relationship, youngest, oldest in plan[:size]:
            sex = rng.choice("FM")
            given = rng.choice(female if sex == "F" else male)
            born = as_of - timedelta(days=rng.randint(youngest * 365 + 1, oldest * 365 + 364))
            adult = (as_of - born).days >= 16 * 365
            own_name = relationship == "partner" and rng.random() < 0.4
            surname = rng.choices(surnames, cum_weights=weights)[0] if own_name else family
            residents.append(
                _Resident(
                    given=given,
                    family=surname,
                    born=born,
                    sex=sex,
                    email=(
                        f"{given}.{surname}{rng.randint(1, 99)}@example.com".lower()
                        if adult and rng.random() < 0.5
                        else ""
                    ),
                    phone=(
                        f"07700 9{rng.randint(0, 99999):05d}"
                        if adult and rng.random() < 0.8
                        else ""
                    ),
                    home=home,
                    relationship=relationship,
                )
            )
    return residents


def _identifiers(generator: np.random.Generator, residents: list[_Resident], as_of: date) -> None:
    """An NHS number for everyone and an NI number for everyone of 16 and over."""
    nhs = _nhs_numbers(generator, len(residents)).tolist()
    adults = [r for r in residents if r.age(as_of) >= 16]
    ni = _ni_numbers(generator, len(adults)).tolist()
    for resident, number in zip(residents, nhs, strict=True):
        resident.nhs_number = number
    for resident, number in zip(adults, ni, strict=True):
        resident.ni_number = number


# ----------------------------------------------------------------------------- who knows whom


def _choose_hot(rng: random.Random, residents: list[_Resident], as_of: date) -> None:
    """Mark the handful known to four or more agencies with strong signals."""
    on_record = [r for r in residents if r.person_id]
    wanted = min(HOT_MAX, max(HOT_MIN, len(on_record) // HOT_EVERY))
    off = max(1, wanted // 4)

    def candidates(pool: list[_Resident]) -> list[_Resident]:
        seen: set[int] = set()
        found = []
        for r in pool:
            if 20 <= r.age(as_of) <= 60 and id(r.home) not in seen:
                seen.add(id(r.home))
                found.append(r)
        return found

    council_held = candidates([r for r in on_record if r.held_by_council])
    others = candidates([r for r in on_record if not r.held_by_council])
    chosen = rng.sample(council_held, min(wanted - off, len(council_held)))
    chosen += rng.sample(others, min(wanted - off - len(chosen), len(others)))
    unheld = candidates([r for r in residents if not r.person_id])
    chosen += rng.sample(unheld, min(off, len(unheld)))
    for resident in chosen:
        resident.hot = True
        resident.home.hot = True
        resident.home.need = max(resident.home.need, 0.9)
        resident.home.tenancy = rng.random() < 0.6


def _assign(rng: random.Random, residents: list[_Resident], as_of: date) -> None:
    """Which agencies know each resident."""
    tenancies: set[int] = set()
    for resident in residents:
        home = resident.home
        if id(home) not in tenancies:
            tenancies.add(id(home))
            if not home.hot:
                home.tenancy = rng.random() < 0.10 + 0.45 * home.need
        if resident.hot:
            resident.agencies = [COUNCIL_TAX, POLICE, HEALTH, JOBCENTRE]
            resident.agencies += [HOUSING] if home.tenancy else []
            continue
        age, need, role = resident.age(as_of), home.need, resident.relationship
        known = []
        liable = {"head": 0.93, "partner": 0.55}.get(role, 0.06)
        if age >= 18 and rng.random() < liable:
            known.append(COUNCIL_TAX)
        if home.tenancy and age >= 16 and (role in ("head", "partner") or rng.random() < 0.4):
            known.append(HOUSING)
        if age >= 10 and rng.random() < 0.03 + 0.30 * need:
            known.append(POLICE)
        if rng.random() < 0.22 + 0.45 * need:
            known.append(HEALTH)
        if 16 <= age <= 66 and rng.random() < 0.05 + 0.45 * need:
            known.append(JOBCENTRE)
        if 4 <= age <= 16 and rng.random() < 0.9:
            known.append(SCHOOLS)
        resident.agencies = known


# ----------------------------------------------------------------------------- the records


def _nicknames() -> dict[str, tuple[str, ...]]:
    """Each name that heads a nickname group, and the group's other names."""
    groups: dict[str, tuple[str, ...]] = {}
    with NICKNAMES_PATH.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows, None)
        for row in rows:
            names = [normalise_name(cell) for cell in row if normalise_name(cell)]
            if len(names) > 1:
                groups.setdefault(names[0], tuple(name.title() for name in names[1:]))
    return groups


def _date_text(year: int, month: int, day: int, style: int) -> str:
    if style == _ISO:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if style == _COMPACT:
        return f"{year:04d}{month:02d}{day:02d}"
    return f"{day:02d}/{month:02d}/{year:04d}"


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _signals(rng: random.Random, kind: str, resident: _Resident) -> dict[str, str]:
    """The agency's signals for the resident, worse with the household's need; over the
    priority's thresholds for the handful (and their children's attendance)."""
    need, strong = resident.home.need, resident.hot
    if kind in (COUNCIL_TAX, HOUSING):
        owes = strong or rng.random() < 0.12 + 0.5 * need
        if strong:
            amount = rng.uniform(650, 2400) if kind == COUNCIL_TAX else rng.uniform(900, 3200)
        else:
            amount = rng.gammavariate(2.0, 180.0) * (1 + 2 * need) if owes else 0.0
        return {"arrears_amount" if kind == COUNCIL_TAX else "rent_arrears": f"{amount:.2f}"}
    if kind == POLICE:
        incidents = rng.randint(3, 8) if strong else _poisson(rng, 0.4 + 2.5 * need)
        behaviour = (
            rng.randint(2, min(incidents, 5))
            if strong
            else sum(rng.random() < 0.4 for _ in range(incidents))
        )
        return {"incidents_12m": str(incidents), "asb_incidents_12m": str(behaviour)}
    if kind == HEALTH:
        visits = rng.randint(3, 7) if strong else _poisson(rng, 0.3 + 2.5 * need)
        return {"ae_attendances_12m": str(visits)}
    if kind == JOBCENTRE:
        months = (
            rng.randint(14, 60)
            if strong
            else min(240, max(1, math.ceil(rng.expovariate(1 / (4 + 25 * need)))))
        )
        return {"months_claiming": str(months)}
    # Schools: the children of the handful's households miss the most.
    if resident.home.hot:
        attendance = rng.uniform(62, 86)
    else:
        attendance = max(40.0, 100 - rng.expovariate(1 / (2 + 12 * need)))
    return {"attendance_pct": f"{attendance:.1f}"}


def _record(
    rng: random.Random,
    nicknames: dict[str, tuple[str, ...]],
    kind: str,
    resident: _Resident,
    *,
    duplicate: bool,
) -> dict[str, str]:
    """The standard fields (by name) and signals (by code) of one agency's record of the
    resident, as text, as the agency writes them."""
    presence = FIELD_PRESENCE[kind]
    clean = resident.hot

    def held(name: str) -> bool:
        if name == "date_of_birth" and clean:
            return True
        return rng.random() < presence.get(name, 0.0) * (1 - EXTRA_MISSING)

    def chance(rate: float) -> bool:
        return not clean and rng.random() < rate

    values: dict[str, str] = {}
    first, family = resident.given, resident.family
    variants = nicknames.get(normalise_name(first), ())
    # The handful: only the police (half the time) use their nickname.
    nickname = (0.5 if kind == POLICE else 0.0) if clean else NICKNAME
    if variants and rng.random() < nickname:
        first = rng.choice(variants)
    if chance(FIRST_NAME_TYPO):
        first = _typo(first, rng.randrange(4), rng.random(), rng.random())
    if chance(SURNAME_TYPO):
        family = _typo(family, rng.randrange(4), rng.random(), rng.random())
    if chance(COUNCIL_TAX_INITIAL if kind == COUNCIL_TAX else INITIAL):
        first = first[:1]
    values["first_name"] = first.upper() if kind == COUNCIL_TAX else first
    values["surname"] = family.upper() if kind in (COUNCIL_TAX, POLICE) else family

    if resident.born is not None and held("date_of_birth"):
        year, month, day = resident.born.year, resident.born.month, resident.born.day
        if day <= 12 and day != month and chance(DATE_SWAPPED):
            month, day = day, month
        style = _COMPACT if kind == JOBCENTRE else _DAY_FIRST
        if chance(DATE_OTHER_FORMAT):
            style = (style + rng.randint(1, 2)) % 3
        values["date_of_birth"] = _date_text(year, month, day, style)
    if resident.sex and held("sex"):
        words = {"F": "Female", "M": "Male"}
        values["sex"] = words[resident.sex] if kind in (POLICE, HOUSING) else resident.sex

    home = resident.home
    moved = chance(0.5 if duplicate else MOVED)
    line_1, town = (home.previous_line_1, home.previous_town) if moved else (home.line_1, home.town)
    postcode, uprn = (
        (home.previous_postcode, home.previous_uprn) if moved else (home.postcode, home.uprn)
    )
    if held("address"):
        address = line_1 if kind == POLICE else f"{line_1}, {town}"
        if rng.random() < ABBREVIATED:
            for long, short in _ABBREVIATIONS:
                address = address.replace(long, short)
        values["address"] = address.upper() if kind == COUNCIL_TAX else address
    if held("postcode"):
        if chance(POSTCODE_TYPO):
            postcode = _postcode_typo(postcode, rng.randrange(4), rng.random())
        roll = rng.random()
        values["postcode"] = (
            postcode.replace(" ", "")
            if roll < 0.08
            else postcode.lower()
            if roll < 0.11
            else postcode
        )
    if held("uprn"):
        values["uprn"] = uprn

    if resident.ni_number and held("ni_number"):
        ni = resident.ni_number
        if kind in (HOUSING, POLICE) and rng.random() < 0.4:
            ni = f"{ni[:2]} {ni[2:4]} {ni[4:6]} {ni[6:8]} {ni[8:]}"
        elif kind in (COUNCIL_TAX, HEALTH) and rng.random() < 0.3:
            ni = ni[:8]
        values["ni_number"] = (
            rng.choice(("UNKNOWN", "N/A", "NOT KNOWN")) if chance(PLACEHOLDER) else ni
        )
    if resident.nhs_number and held("nhs_number"):
        nhs = resident.nhs_number
        if rng.random() < 0.4:
            nhs = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
        values["nhs_number"] = "0000000000" if chance(PLACEHOLDER / 2) else nhs
    if resident.email and held("email"):
        values["email"] = resident.email
    if resident.phone and held("phone"):
        digits = resident.phone.replace(" ", "")
        style = rng.randrange(3)
        if style == 2 and kind in (HEALTH, JOBCENTRE):
            values["phone"] = f"+44 {digits[1:5]} {digits[5:]}"
        else:
            values["phone"] = f"{digits[:5]} {digits[5:]}" if style else digits
    values.update(_signals(rng, kind, resident))
    return values


def _csv(kind: str, rows: list[dict[str, str]], ids: list[str]) -> bytes:
    columns = AGENCY_COLUMNS[kind]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([AGENCY_ID_COLUMNS[kind], *columns.values()])
    for record_id, values in zip(ids, rows, strict=True):
        writer.writerow([record_id, *(values.get(name, "") for name in columns)])
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class DemoExtracts:
    """The six agency files, as CSV bytes by kind, and what went into them."""

    as_of: date
    files: dict[str, bytes]
    rows: dict[str, int]
    residents: int
    #: The ids of the people on the shared record known to four or more agencies with strong
    #: signals, and how many more such people are on no partner's books.
    hot: tuple[str, ...]
    hot_off_record: int


def make_extracts(*, as_of: date, people_up_to: datetime | None = None) -> DemoExtracts:
    """The agencies' extracts of the people on the shared record (those registered by
    ``people_up_to``, if given) and of people on no partner's books, taken on ``as_of``.
    The same people and day give the same bytes."""
    people = sorted(
        str(pk)
        for pk in (
            Person.objects.filter(created_on__lte=people_up_to)
            if people_up_to is not None
            else Person.objects.all()
        ).values_list("id", flat=True)
    )
    seed = int.from_bytes(hashlib.sha256("\n".join(people).encode()).digest()[:8], "big")
    rng = random.Random(seed)
    residents, streets = _on_record(rng, people_up_to)
    residents += _off_record(rng, round(len(residents) * EXTRA_SHARE), as_of, streets)
    _identifiers(np.random.default_rng(seed), residents, as_of)
    _choose_hot(rng, residents, as_of)
    _assign(rng, residents, as_of)
    nicknames = _nicknames()
    files: dict[str, bytes] = {}
    counts: dict[str, int] = {}
    for agency in AGENCIES:
        wanted = [
            (resident, duplicate)
            for resident in residents
            if agency.kind in resident.agencies
            for duplicate in (
                (False, True) if rng.random() < DUPLICATE and not resident.hot else (False,)
            )
        ]
        rng.shuffle(wanted)
        rows = [
            _record(rng, nicknames, agency.kind, resident, duplicate=duplicate)
            for resident, duplicate in wanted
        ]
        numbers = sorted(rng.sample(range(1_000_000, 10_000_000), len(rows)))
        rng.shuffle(numbers)
        files[agency.kind] = _csv(agency.kind, rows, [f"{agency.id_prefix}{n}" for n in numbers])
        counts[agency.kind] = len(rows)
    return DemoExtracts(
        as_of=as_of,
        files=files,
        rows=counts,
        residents=len(residents),
        hot=tuple(r.person_id for r in residents if r.hot and r.person_id),
        hot_off_record=sum(1 for r in residents if r.hot and not r.person_id),
    )


# ----------------------------------------------------------------------------- the build


@dataclass(frozen=True)
class MatchingSummary:
    extract: str
    extract_rows: int
    run_status: str
    records_matched: int
    linked_people: int
    review_pairs: int
    hot: int
    files: dict[str, int]

    def describe(self) -> str:
        files = ", ".join(f"{BY_KIND[k].file_name} ({n:,} rows)" for k, n in self.files.items())
        return (
            f"Data matching: council tax extract {self.extract} ({self.extract_rows:,} rows) "
            f"loaded and matched ({self.run_status.lower()}): {self.linked_people:,} linked "
            f"people, {self.review_pairs} pairs for review.\n"
            f"  Files to load: {files}. Once police, health and jobcentre are loaded and "
            f"matched, at least {self.hot} residents are known to four agencies."
        )


def save_mapping(actor: Actor, organisation: Organisation, agency: Agency) -> ColumnMapping:
    """Save the agency's column mapping (its own headers) under the name the page suggests."""
    columns = AGENCY_COLUMNS[agency.kind]
    return services.save_mapping(
        actor=actor,
        organisation=organisation,
        source_kind=agency.kind,
        name=agency.mapping_name,
        id_column=AGENCY_ID_COLUMNS[agency.kind],
        fields={name: header for name, header in columns.items() if name in STANDARD_FIELDS},
        signals={name: header for name, header in columns.items() if name not in STANDARD_FIELDS},
    )


def matching_agreement(
    ctx: DemoContext, *, organisations: dict[str, Organisation]
) -> SharingAgreement:
    """The current "Northvale data matching agreement" between every organisation of the demo
    (the partnership and the agencies that only send extracts: the police, the hospital trust,
    Jobcentre Plus), covering what the extracts hold."""
    agreement = SharingAgreement.objects.filter(name=AGREEMENT_NAME).first()
    if agreement is None:
        agreement = SharingAgreement.objects.create(
            id=ctx.uuid(),
            name=AGREEMENT_NAME,
            reference="NV-DM-ISA-2025",
            purpose=(
                "Partners match their extracts to find residents known to several agencies "
                "and offer them early help (Digital Economy Act 2017 s.35)."
            ),
            starts_on=min(date(2025, 4, 1), ctx.today - timedelta(days=30)),
            ends_on=max(date(2028, 3, 31), ctx.today + timedelta(days=365)),
        )
    agreement.parties.add(*organisations.values())
    agreement.categories.add(*InformationCategory.objects.filter(code__in=AGREEMENT_CATEGORIES))
    return agreement


def build_matching(
    ctx: DemoContext, *, organisations: dict[str, Organisation]
) -> MatchingSummary | None:
    """Save every agency's mapping, load the council tax extract and make one full linkage
    run, as the data officer. Nothing when there is no one to match, or more than
    :data:`MAX_RESIDENTS` residents."""
    officer = User.objects.filter(email=DATA_OFFICER).first()
    if officer is None or Person.objects.count() > MAX_RESIDENTS:
        return None
    actor = Actor.for_user(officer, process="demo")
    as_of = min(ctx.today - timedelta(days=6), timezone.localdate())
    extracts = make_extracts(as_of=as_of)
    if extracts.rows[PRELOADED.kind] < 2:
        return None
    agreement = matching_agreement(ctx, organisations=organisations)
    mappings = {a.kind: save_mapping(actor, organisations[a.partner], a) for a in AGENCIES}
    loaded = services.load_extract(
        actor=actor,
        organisation=organisations[PRELOADED.partner],
        data=extracts.files[PRELOADED.kind],
        name=PRELOADED.file_name,
        mapping=mappings[PRELOADED.kind],
        extract_date=as_of,
        lawful_basis=PRELOADED.lawful_basis,
        agreement=agreement,
    )
    assert loaded.extract is not None
    run = LinkageRun.objects.create(
        kind=LinkageRun.Kind.FULL,
        requested_by=officer,
        upper_threshold=settings.JOINEDUP_MATCH_UPPER_THRESHOLD,
        lower_threshold=settings.JOINEDUP_MATCH_LOWER_THRESHOLD,
    )
    run = services.execute_run(run.pk)
    return MatchingSummary(
        extract=loaded.extract.reference,
        extract_rows=loaded.extract.row_count,
        run_status=run.get_status_display(),
        records_matched=run.records_loaded,
        linked_people=LinkedPerson.objects.filter(status=LinkedPerson.Status.ACTIVE).count(),
        review_pairs=run.review_pairs,
        hot=len(extracts.hot) + extracts.hot_off_record,
        files={k: n for k, n in extracts.rows.items() if k != PRELOADED.kind},
    )


# ----------------------------------------------------------------------------- the files


class DemoExtractsError(Exception):
    """The demo's agency files cannot be written for this database."""


@dataclass(frozen=True)
class WrittenExtracts:
    folder: Path
    files: tuple[Path, ...]
    #: False when the folder already held this database's files.
    written: bool


def preloaded_extract() -> Extract | None:
    """The council tax extract the demo was built with."""
    return (
        Extract.objects.filter(original_name=PRELOADED.file_name, source_kind=PRELOADED.kind)
        .order_by("created_on")
        .first()
    )


def _guide(extract: Extract) -> str:
    lines = [
        "Agency extracts for the Northvale demo's data matching. Every person is fictional.",
        "",
        f"Sign in as {DATA_OFFICER} and open Data matching, then Load an extract.",
        "For each file choose who sent it, its kind, any recent extract date, the lawful",
        f"basis below and the information sharing agreement “{AGREEMENT_NAME}”",
        "(another organisation's extract is loaded only under an agreement naming both);",
        "then use the saved mapping of its columns.",
        "",
    ]
    for agency in AGENCIES:
        lines += [
            f"{agency.file_name}",
            f"  Sent by:      {_SPECS[agency.partner].name}",
            f"  Kind:         {agency.label}",
            f"  Lawful basis: {agency.lawful_basis}",
            f"  Agreement:    {AGREEMENT_NAME}",
        ]
        if agency is PRELOADED:
            lines.append(
                f"  Already loaded as {extract.reference} when the demo was built: loading it "
                "again shows that a file is never loaded twice."
            )
        lines.append("")
    return "\n".join(lines)


def _write(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def write_extract_files(folder: Path | None = None) -> WrittenExtracts:
    """Write the agencies' files of the demo in this database into ``folder``
    (:func:`extracts_folder` by default), unless it holds them already. Raises
    :class:`DemoExtractsError` when the database has no demo extract, or its residents have
    changed so much since the build that the files cannot be made again."""
    folder = folder or extracts_folder()
    extract = preloaded_extract()
    if extract is None:
        raise DemoExtractsError("this database holds no demo extract to make the files for.")
    paths = tuple(folder / agency.file_name for agency in AGENCIES)
    mark = folder / PRELOADED.file_name  # written last: when it matches, so do the others
    if all(p.is_file() for p in paths) and sha256_of(mark.read_bytes()) == extract.sha256:
        return WrittenExtracts(folder=folder, files=paths, written=False)
    made = make_extracts(as_of=extract.extract_date, people_up_to=extract.created_on)
    if sha256_of(made.files[PRELOADED.kind]) != extract.sha256:
        raise DemoExtractsError(
            "the agency files cannot be made again as they were when the demo was built (its "
            "residents or the generator have changed since). Delete var/demo.sqlite3 and run "
            "make demo to build it afresh."
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.txt").write_text(_guide(extract), encoding="utf-8")
    for agency in (*AGENCIES[1:], PRELOADED):
        _write(folder / agency.file_name, made.files[agency.kind])
    return WrittenExtracts(folder=folder, files=paths, written=True)
