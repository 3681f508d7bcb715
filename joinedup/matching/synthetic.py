"""Synthetic multi-agency extracts with the ground truth, for the linkage benchmark and the demo.

:func:`generate` makes one table of records as seven kinds of agency would hold them (council
tax, housing, police, social care, schools, Jobcentre and health), with the answer attached:
which records are the same person (``true_person_id``) and which people live together
(``household_id``). :func:`write_agency_files` writes each agency's records as that agency
would export them, with its own column headers and without the answer, so that the data
officer's column mapping is exercised too. :func:`true_pairs_count` is the number of record
pairs a perfect linkage would join.

Nothing here calls Faker once per row. A seeded en_GB Faker draws small pools once (postcode
districts, street and town names, e-mail domains); first names come from its en_GB lists,
weighted by their order of popularity, and surnames from its en_GB list with the frequencies
it gives. Everything per person and per record is then drawn with one seeded
:func:`numpy.random.default_rng`, vectorised, or with cheap Python on the rows that need it
(typos, nicknames, formatting). The same ``records``, ``setting`` and ``seed`` give the same
table, row for row, in any process. A million records take about ten seconds and under
1.5 GB of memory.

**The people.** People live in households (one to six members: an adult, usually a partner,
then children, or grown-up children when the adult is older). Members share the address,
postcode and UPRN, and usually the surname; some partners and children keep their own.
Surnames come from Faker's en_GB list: a share of households (the ``common_surnames``
rate) draw by the list's frequencies, where Smith, Jones, Williams, Taylor, Brown, Davies and
Evans lead, and the rest draw evenly from the whole list; about one household in fifty has a
double-barrelled surname. Some households with two children have twins, who share surname,
date of birth, address and usually every agency they are known to, and have first names
that are neither the same nor nicknames of each other: two people a linkage must keep apart.

Each person is known to one or more agencies, skewed: about 55 % of people to one, 22 % to
two, 11 % to three and 11 % to four or more (children, whom fewer services hold, to fewer).
The agencies are drawn by how many residents each holds (health most), among those that
can hold someone of that age: schools hold children aged 4 to 16 only, the Jobcentre people
aged 16 to 66, housing people of 16 and over, council tax people of 18 and over, the police
people of 10 and over. A share of records (``duplicates``) are a second record for the
same person in the same agency, more often at an old address. Signals (arrears, incidents,
attendance…) rise with the number of agencies that know the person, as they do in life.

**What each agency holds** differs (``FIELD_PRESENCE``): health has the NHS number and
almost never the NI number; the Jobcentre has the NI number and no NHS number; schools
have no NI or NHS number, e-mail or phone; the police often lack a postcode and rarely hold
an e-mail; council tax has the UPRN and address but often no date of birth. Dates of birth
are written as each agency's system writes them: day first ``DD/MM/YYYY`` (most), ISO
``YYYY-MM-DD`` (social care) or compact ``YYYYMMDD`` (the Jobcentre). Council tax keys
names and addresses in capitals, the police surnames; the police keep only the first line
of the address; some agencies space NI, NHS and phone numbers or write "+44".

**The settings** (:data:`SETTINGS`, where every rate of both is given) vary only the noise
and the hard cases, never the shape above. ``easy`` is a clean, well-kept set of systems:
a typo in about one name in a hundred, few nicknames, dates of birth almost always right,
few blanks beyond what each agency does not hold, surnames at their real frequency (Smith
about 1.2 % of people) and twins at about their real rate, no placeholders. A linkage
should score very well on it; it checks the plumbing. ``hard`` is what partnership data is
really like, and it is the benchmark:

- *typos* in 6 % of first names and of surnames (a keyboard-neighbour substitution, two
  letters swapped, a letter dropped or doubled), and 3 % of first names reduced to an
  initial;
- *nicknames*: 25 % of records of people whose name has one use it ("Bill" for "William"),
  from the project's nickname groups (``joinedup/people/data/nicknames.csv``);
- *surnames*: 4 % of women's records hold a previous surname, and 40 % of records of
  people with a double-barrelled surname hold only one half of it;
- *dates of birth*: 4 % of the records whose day is 12 or less have the day and month
  transposed, 2 % are a day or a year out, 10 % are in another of the three formats than
  the agency's usual one (an error that would put the birth after :data:`REFERENCE_DATE`
  is not made);
- *missing values*: a further 12 % of every field an agency holds, other than the names, is
  left blank;
- *moves*: 15 % of records (and about half the duplicates) hold the household's previous
  address, postcode and UPRN;
- *postcode typos* in 3 % (a neighbouring unit, letters swapped, a letter keyed as a digit)
  and 10 % of postcodes written without the space or in lower case; 25 % of addresses use
  abbreviations ("Rd", "St");
- *placeholders*: 3 % of the NI numbers, NHS numbers, e-mails and phone numbers that are
  present are placeholders ("UNKNOWN", "N/A", "123", "0000000000", a Jobcentre temporary
  number such as "TN010180M"…) listed in :data:`PLACEHOLDER_VALUES`; some of them pass
  the NHS check digit or the NI rules, so equal placeholders must not count as evidence;
- *twins* in 8 % of households with two children (``easy``: 1.5 %), and 80 % of
  households drawing surnames by frequency (``easy``: 35 %), so that common surnames are
  about twice as common as in life;
- 4 % of records are a second record in the same agency (``easy``: 1 %), and 20 % of
  records of people with two e-mail addresses hold the other one (``easy``: 5 %).

E-mail addresses are made from the person's names ("jane.smith84@…", "jsmith@…") and, as a
real mailbox does, each belongs to one person: an address another person already has takes a
number ("jsmith2@…"). (Until this was so, namesakes at a million records often shared an
address such as "jsmith@gmail.com", which no provider allows, and an agreeing e-mail linked
them.)

NHS numbers always pass the Modulus 11 check unless they are placeholders; NI numbers follow
HMRC's rules (no "QQ" examples), and are written with spaces or without the suffix letter
by some agencies; postcodes have the valid UK shape unless a typo broke it. Ages and dates
are counted from :data:`REFERENCE_DATE`, not today, so that the output does not change.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from faker import Faker
from faker.providers.person.en_GB import Provider as PersonProvider

from joinedup.people.identifiers import normalise_postcode
from joinedup.people.names import NICKNAMES_PATH, nickname_variants, normalise_name

__all__ = [
    "AGENCIES",
    "AGENCY_COLUMNS",
    "AGENCY_ID_COLUMNS",
    "FIELD_PRESENCE",
    "PLACEHOLDER_VALUES",
    "REFERENCE_DATE",
    "SETTINGS",
    "SIGNALS",
    "STANDARD_FIELDS",
    "Setting",
    "generate",
    "true_pairs_count",
    "write_agency_files",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]

AGENCIES: tuple[str, ...] = (
    "council_tax",
    "housing",
    "police",
    "social_care",
    "schools",
    "jobcentre",
    "health",
)
"""The kinds of source, as ``joinedup.matching.models.SourceKind`` names them."""

STANDARD_FIELDS = (
    "first_name",
    "surname",
    "date_of_birth",
    "sex",
    "address",
    "postcode",
    "uprn",
    "ni_number",
    "nhs_number",
    "email",
    "phone",
)

SIGNALS: dict[str, tuple[str, ...]] = {
    "council_tax": ("arrears_amount",),
    "housing": ("rent_arrears",),
    "police": ("incidents_12m", "asb_incidents_12m"),
    "social_care": ("open_referral",),
    "schools": ("attendance_pct",),
    "jobcentre": ("months_claiming",),
    "health": ("ae_attendances_12m",),
}
"""Each agency's signal columns; they are empty on the other agencies' records."""

_SIGNAL_COLUMNS = tuple(name for names in SIGNALS.values() for name in names)

REFERENCE_DATE = date(2025, 4, 1)
"""The day the extracts are taken: ages, and so dates of birth, are counted back from it."""

# How likely each agency is to hold each standard field for a person, before the setting's
# extra blanks. Zero means the agency has no such column at all. A field a person does not
# have (an NI number under 16, an e-mail address) is blank whatever the agency.
FIELD_PRESENCE: dict[str, dict[str, float]] = {
    "council_tax": {
        "first_name": 1.0,
        "surname": 1.0,
        "date_of_birth": 0.35,
        "address": 1.0,
        "postcode": 1.0,
        "uprn": 0.98,
        "ni_number": 0.15,
        "email": 0.45,
        "phone": 0.6,
    },
    "housing": {
        "first_name": 1.0,
        "surname": 1.0,
        "date_of_birth": 0.9,
        "sex": 0.8,
        "address": 1.0,
        "postcode": 1.0,
        "uprn": 0.9,
        "ni_number": 0.6,
        "email": 0.5,
        "phone": 0.85,
    },
    "police": {
        "first_name": 1.0,
        "surname": 1.0,
        "date_of_birth": 0.95,
        "sex": 0.97,
        "address": 0.8,
        "postcode": 0.45,
        "ni_number": 0.05,
        "email": 0.05,
        "phone": 0.4,
    },
    "social_care": {
        "first_name": 1.0,
        "surname": 1.0,
        "date_of_birth": 0.97,
        "sex": 0.95,
        "address": 0.95,
        "postcode": 0.9,
        "uprn": 0.3,
        "ni_number": 0.2,
        "nhs_number": 0.8,
        "email": 0.3,
        "phone": 0.7,
    },
    "schools": {
        "first_name": 1.0,
        "surname": 1.0,
        "date_of_birth": 1.0,
        "sex": 1.0,
        "address": 0.98,
        "postcode": 0.98,
        "uprn": 0.5,
    },
    "jobcentre": {
        "first_name": 1.0,
        "surname": 1.0,
        "date_of_birth": 1.0,
        "sex": 0.9,
        "address": 0.95,
        "postcode": 0.95,
        "ni_number": 0.98,
        "email": 0.7,
        "phone": 0.85,
    },
    "health": {
        "first_name": 1.0,
        "surname": 1.0,
        "date_of_birth": 0.99,
        "sex": 0.99,
        "address": 0.95,
        "postcode": 0.97,
        "uprn": 0.1,
        "ni_number": 0.02,
        "nhs_number": 0.95,
        "email": 0.4,
        "phone": 0.8,
    },
}

AGENCY_ID_COLUMNS: dict[str, str] = {
    "council_tax": "CTAX_ACCOUNT_REF",
    "housing": "Tenant Ref",
    "police": "Nominal Ref",
    "social_care": "Client ID",
    "schools": "Pupil Ref",
    "jobcentre": "claimant_ref",
    "health": "Patient ID",
}
"""The header of each agency's own record id column (``record_id`` in :func:`generate`)."""

AGENCY_COLUMNS: dict[str, dict[str, str]] = {
    "council_tax": {
        "first_name": "FIRST_NAME",
        "surname": "LAST_NAME",
        "date_of_birth": "DATE_OF_BIRTH",
        "address": "ADDRESS",
        "postcode": "POSTCODE",
        "uprn": "UPRN",
        "ni_number": "NI_NO",
        "email": "EMAIL",
        "phone": "TEL_NO",
        "arrears_amount": "ARREARS_GBP",
    },
    "housing": {
        "first_name": "First Name",
        "surname": "Last Name",
        "date_of_birth": "Date of Birth",
        "sex": "Gender",
        "address": "Property Address",
        "postcode": "Postcode",
        "uprn": "UPRN",
        "ni_number": "NINO",
        "email": "Email Address",
        "phone": "Telephone",
        "rent_arrears": "Rent Arrears (£)",
    },
    "police": {
        "first_name": "Forename",
        "surname": "Surname",
        "date_of_birth": "DOB",
        "sex": "Sex",
        "address": "Address Line 1",
        "postcode": "Post Code",
        "ni_number": "NI Number",
        "email": "Email",
        "phone": "Contact No",
        "incidents_12m": "Incidents (12m)",
        "asb_incidents_12m": "ASB Incidents (12m)",
    },
    "social_care": {
        "first_name": "Given Name",
        "surname": "Family Name",
        "date_of_birth": "Birth Date",
        "sex": "Gender",
        "address": "Address",
        "postcode": "Postcode",
        "uprn": "UPRN",
        "ni_number": "NI Number",
        "nhs_number": "NHS Number",
        "email": "Email",
        "phone": "Contact Number",
        "open_referral": "Open Referral",
    },
    "schools": {
        "first_name": "Legal Forename",
        "surname": "Legal Surname",
        "date_of_birth": "DOB",
        "sex": "Gender",
        "address": "Home Address",
        "postcode": "Home Postcode",
        "uprn": "UPRN",
        "attendance_pct": "Attendance %",
    },
    "jobcentre": {
        "first_name": "forename",
        "surname": "surname",
        "date_of_birth": "dob",
        "sex": "sex",
        "address": "address",
        "postcode": "postcode",
        "ni_number": "nino",
        "email": "email",
        "phone": "mobile",
        "months_claiming": "months_claiming",
    },
    "health": {
        "first_name": "Given Name",
        "surname": "Family Name",
        "date_of_birth": "Date of Birth",
        "sex": "Gender",
        "address": "Address",
        "postcode": "Postcode",
        "uprn": "UPRN",
        "ni_number": "NI Number",
        "nhs_number": "NHS No",
        "email": "Email",
        "phone": "Mobile",
        "ae_attendances_12m": "A&E Attendances (12m)",
    },
}
"""Each agency's column header for each standard field it holds and each of its signals."""

_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "ni_number": ("UNKNOWN", "N/A", "123", "NOT KNOWN", "AA000000A"),
    "nhs_number": ("UNKNOWN", "N/A", "123", "0000000000", "9999999999"),
    "email": ("none@none.com", "noemail@noemail.com", "N/A"),
    "phone": ("00000000000", "N/A", "123", "07000000000"),
}
PLACEHOLDER_VALUES: frozenset[str] = frozenset(v for vs in _PLACEHOLDERS.values() for v in vs)
"""The placeholder values the ``hard`` setting puts in identifier fields. On ``hard`` a
third of the NI placeholders are instead a Jobcentre temporary number, "TN" followed by the
date of birth (DDMMYY) and "M" or "F", which is person-specific but not a valid NI number."""


@dataclass(frozen=True, slots=True)
class Setting:
    """The rates of noise and of hard cases; see the module's docstring for each one."""

    name_typo: float  # share of first names, and of surnames, with one typo
    initial: float  # share of first names reduced to the initial
    nickname: float  # share of records, of people whose name has a nickname, using one
    surname_change: float  # share of women's records (aged 20+) with a previous surname
    double_barrel_part: float  # share of double-barrelled surnames cut to one half
    dob_swap: float  # share of records whose day is 12 or less with day and month swapped
    dob_typo: float  # share of dates of birth a day or a year out
    dob_other_format: float  # share of dates in another format than the agency's usual
    missing: float  # further share of each held field (not the names) left blank
    move: float  # share of records holding the household's previous address
    postcode_typo: float  # share of postcodes with a typo
    postcode_format: float  # share of postcodes without the space or in lower case
    address_abbreviation: float  # share of addresses with "Rd", "St"…
    placeholder: float  # share of present NI/NHS numbers, e-mails and phones that are junk
    other_email: float  # share of records of people with two e-mail addresses using the other
    twins: float  # share of households with two children where they are twins
    common_surnames: float  # share of households drawing surnames by real frequency
    duplicates: float  # share of records with a second record in the same agency


SETTINGS: dict[str, Setting] = {
    "easy": Setting(
        name_typo=0.01,
        initial=0.005,
        nickname=0.05,
        surname_change=0.005,
        double_barrel_part=0.1,
        dob_swap=0.002,
        dob_typo=0.002,
        dob_other_format=0.0,
        missing=0.02,
        move=0.03,
        postcode_typo=0.003,
        postcode_format=0.02,
        address_abbreviation=0.05,
        placeholder=0.0,
        other_email=0.05,
        twins=0.015,
        common_surnames=0.35,
        duplicates=0.01,
    ),
    "hard": Setting(
        name_typo=0.06,
        initial=0.03,
        nickname=0.25,
        surname_change=0.04,
        double_barrel_part=0.4,
        dob_swap=0.04,
        dob_typo=0.02,
        dob_other_format=0.1,
        missing=0.12,
        move=0.15,
        postcode_typo=0.03,
        postcode_format=0.1,
        address_abbreviation=0.25,
        placeholder=0.03,
        other_email=0.2,
        twins=0.08,
        common_surnames=0.8,
        duplicates=0.04,
    ),
}

# --- Shapes of the population ----------------------------------------------------------------

_HOUSEHOLD_SIZES = np.array([1, 2, 3, 4, 5, 6])
_HOUSEHOLD_SIZE_SHARES = np.array([0.29, 0.34, 0.15, 0.13, 0.06, 0.03])
_PARTNERED = 0.78  # share of households of two or more where the second member is a partner
# How many agencies know a person (1..7): skewed, with a real tail of people known to many.
_AGENCY_COUNT_SHARES = np.array([0.50, 0.22, 0.13, 0.08, 0.04, 0.02, 0.01])
# How many residents each agency holds, relative to the others (order of AGENCIES).
_AGENCY_WEIGHTS = np.array([0.22, 0.10, 0.09, 0.04, 0.30, 0.12, 0.28])
# Who each agency can hold, by age in whole years (inclusive).
_AGENCY_AGES = {
    "council_tax": (18, 200),
    "housing": (16, 200),
    "police": (10, 200),
    "social_care": (0, 200),
    "schools": (4, 16),
    "jobcentre": (16, 66),
    "health": (0, 200),
}
_DUPLICATE_MOVE = 0.4  # extra chance that a duplicate record holds the old address
_DOUBLE_BARRELLED = 0.02

# Date formats: 0 day first, 1 ISO, 2 compact. Each agency's usual one.
_DMY, _ISO, _COMPACT = 0, 1, 2
_AGENCY_DATE_FORMAT = {"social_care": _ISO, "jobcentre": _COMPACT}

_STREET_SUFFIXES = (
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Gardens",
    "Grove", "Terrace", "Place", "Court", "Walk", "Mews", "Rise", "Green", "View", "Row",
    "Hill",
)  # fmt: skip
_TOWN_SUFFIXES = (
    "ton", "bury", "field", "ham", "ley", "ford", "wick", "borough", "worth", "stone",
    "bridge", "chester",
)  # fmt: skip
_ABBREVIATIONS = (
    (" Road", " Rd"),
    (" Street", " St"),
    (" Avenue", " Ave"),
    (" Crescent", " Cres"),
    (" Close", " Cl"),
    (" Drive", " Dr"),
    (" Gardens", " Gdns"),
    (" Terrace", " Terr"),
    (" Place", " Pl"),
    (" Court", " Ct"),
    ("Flat ", "Flt "),
)
_UNIT_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)  # inward code letters
# HMRC's NI prefixes: allowed first and second letters, less the unallocated pairs.
_NI_PREFIXES = tuple(
    first + second
    for first in "ABCEGHJKLMNOPRSTWXYZ"
    for second in "ABCEGHJKLMNPRSTWXYZ"
    if first + second not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
)
_MOBILE_SECOND_DIGITS = np.array([1, 2, 3, 4, 5, 7, 8, 9])
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_CONFUSABLE = {"O": "0", "0": "O", "I": "1", "1": "I", "S": "5", "5": "S", "B": "8", "8": "B"}


def _keyboard_neighbours() -> dict[str, str]:
    """Each letter and the letters next to it on a QWERTY keyboard (same row and the rows
    above and below, one key either way)."""
    position = {ch: (r, c) for r, row in enumerate(_KEYBOARD_ROWS) for c, ch in enumerate(row)}
    neighbours: dict[str, str] = {}
    for ch, (r, c) in position.items():
        near = [
            other
            for other, (r2, c2) in position.items()
            if other != ch and abs(r - r2) <= 1 and abs(c - c2) <= 1
        ]
        neighbours[ch] = "".join(sorted(near))
    return neighbours


_NEIGHBOURS = _keyboard_neighbours()


# --- Pools drawn once from Faker -------------------------------------------------------------


@dataclass(frozen=True)
class _Pools:
    first_names: ObjArray  # male names, then female names
    male: IntArray  # indices into first_names, by popularity
    female: IntArray
    male_weights: FloatArray
    female_weights: FloatArray
    nicknames: tuple[tuple[str, ...], ...]  # per first name: the variants to use instead
    has_nickname: BoolArray
    related: BoolArray  # related[i, j]: first names i and j are the same or nicknames
    surnames: ObjArray
    surname_weights: FloatArray
    districts: tuple[str, ...]  # outward codes
    towns: tuple[str, ...]  # one per district
    streets: ObjArray
    email_domains: ObjArray


def _nickname_table(
    names: list[str], sexes: list[int], male: set[str], female: set[str]
) -> tuple[tuple[tuple[str, ...], ...], BoolArray]:
    """Each first name's usable nicknames and the matrix of names that are variants.

    ``nickname_variants`` is the source; variants found only in nickname groups headed by a
    name of the other sex are left out ("Alexa" is not a nickname for a man called Alex).
    """
    heads: dict[str, set[str]] = {}  # variant → the heads of the groups it is in
    with NICKNAMES_PATH.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows, None)
        for row in rows:
            group = [normalise_name(cell) for cell in row if normalise_name(cell)]
            for variant in group:
                heads.setdefault(variant, set()).add(group[0])
    table: list[tuple[str, ...]] = []
    for name, sex in zip(names, sexes, strict=True):
        own = normalise_name(name)
        other = female if sex else male
        usable = sorted(
            variant
            for variant in nickname_variants(name) - {own}
            if variant not in other and not heads.get(variant, set()) <= other
        )
        table.append(tuple(variant.title() for variant in usable))
    normalised = [normalise_name(name) for name in names]
    related = np.zeros((len(names), len(names)), dtype=np.bool_)
    for i, name in enumerate(names):
        variants = nickname_variants(name)
        for j, other_name in enumerate(normalised):
            related[i, j] = other_name in variants
    return tuple(table), related


@functools.cache
def _pools(seed: int) -> _Pools:
    """Draw the name, place and e-mail pools from a Faker en_GB seeded with ``seed``."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    male_names = list(dict.fromkeys(PersonProvider.first_names_male))
    female_names = list(dict.fromkeys(PersonProvider.first_names_female))
    female_names = [name for name in female_names if name not in set(male_names)]
    names = male_names + female_names
    sexes = [1] * len(male_names) + [0] * len(female_names)
    # The en_GB lists are in order of popularity; weight them so (rank + 20) ** -1.
    male_weights = 1.0 / (np.arange(len(male_names)) + 20.0)
    female_weights = 1.0 / (np.arange(len(female_names)) + 20.0)
    nicknames, related = _nickname_table(
        names,
        sexes,
        {normalise_name(n) for n in male_names},
        {normalise_name(n) for n in female_names},
    )
    last_names: dict[str, float] = dict(PersonProvider.last_names)
    surnames = np.array(list(last_names), dtype=object)
    weights = np.array(list(last_names.values()), dtype=np.float64)

    districts: list[str] = []
    while len(districts) < 80:
        postcode = normalise_postcode(fake.postcode())
        if postcode is not None and postcode.split(" ")[0] not in districts:
            districts.append(postcode.split(" ")[0])
    towns = tuple(
        f"{fake.last_name()}{fake.random_element(_TOWN_SUFFIXES)}".replace(" ", "")
        for _ in districts
    )
    streets = sorted(
        {
            f"{fake.last_name() if fake.random_int(0, 2) else fake.first_name()} "
            f"{fake.random_element(_STREET_SUFFIXES)}"
            for _ in range(3000)
        }
    )
    domains = [fake.free_email_domain() for _ in range(200)]
    return _Pools(
        first_names=np.array(names, dtype=object),
        male=np.arange(len(male_names), dtype=np.int64),
        female=np.arange(len(male_names), len(names), dtype=np.int64),
        male_weights=male_weights / male_weights.sum(),
        female_weights=female_weights / female_weights.sum(),
        nicknames=nicknames,
        has_nickname=np.array([bool(variants) for variants in nicknames], dtype=np.bool_),
        related=related,
        surnames=surnames,
        surname_weights=weights / weights.sum(),
        districts=tuple(districts),
        towns=towns,
        streets=np.array(streets, dtype=object),
        email_domains=np.array(domains, dtype=object),
    )


# --- The population: households and people -------------------------------------------------


@dataclass
class _Households:
    count: int
    address: ObjArray
    postcode: ObjArray
    uprn: ObjArray
    previous_address: ObjArray
    previous_postcode: ObjArray
    previous_uprn: ObjArray


@dataclass
class _People:
    count: int
    household: IntArray
    age: IntArray
    dob: IntArray  # days since 1970-01-01
    male: BoolArray
    first: IntArray  # index into the first-name pool
    surname: ObjArray
    previous_surname: ObjArray
    double_barrelled: BoolArray
    ni_number: ObjArray  # None under 16
    nhs_number: ObjArray
    email: ObjArray  # None when the person has none
    other_email: ObjArray  # None when the person has only one
    phone: ObjArray  # 07… eleven digits, or None
    agencies: IntArray  # (count, 7): agency indices, best first
    agency_count: IntArray  # how many of them know the person


def _draw(rng: np.random.Generator, size: int, shares: FloatArray | None, n: int) -> IntArray:
    """``size`` indices below ``n``, by ``shares`` or evenly."""
    if shares is None:
        return rng.integers(0, n, size=size).astype(np.int64)
    return rng.choice(n, size=size, p=shares).astype(np.int64)


def _addresses(
    pools: _Pools,
    unit_street: IntArray,
    unit_district: IntArray,
    unit_flats: BoolArray,
    unit_start: IntArray,
    unit: IntArray,
    rank: IntArray,
) -> ObjArray:
    """The address of the ``rank``-th dwelling in each postcode ``unit``: a house number, or a
    flat in a block of six, on the unit's street, and the town."""
    out = np.empty(len(unit), dtype=object)
    streets = pools.streets[unit_street[unit]]
    towns = np.array(pools.towns, dtype=object)[unit_district[unit]]
    flats = unit_flats[unit]
    numbers = unit_start[unit] + np.where(flats, 2 * (rank // 6), rank)
    flat_numbers = rank % 6 + 1
    out[:] = [
        f"Flat {flat}, {number} {street}, {town}" if is_flat else f"{number} {street}, {town}"
        for street, town, is_flat, number, flat in zip(
            streets.tolist(),
            towns.tolist(),
            flats.tolist(),
            numbers.tolist(),
            flat_numbers.tolist(),
            strict=True,
        )
    ]
    return out


def _households(rng: np.random.Generator, pools: _Pools, count: int) -> _Households:
    """Addresses for ``count`` households, now and before their last move.

    About twelve households share a postcode unit; the units lie in a handful of postcode
    districts (more for a bigger population), each with its town. Every dwelling has its own
    UPRN, and a previous address is never a current household's address.
    """
    units = max(count // 12, 4)
    districts = int(min(max(units // 1500 + 3, 3), len(pools.districts)))
    # Distinct (district, inward code) pairs: 4000 inward codes per district.
    codes = rng.choice(districts * 4000, size=min(units, districts * 4000), replace=False)
    units = len(codes)
    unit_district = (codes // 4000).astype(np.int64)
    inward = codes % 4000
    letters = _UNIT_LETTERS
    outward = np.array(pools.districts[:districts], dtype=object)[unit_district]
    unit_postcode = np.array(
        [
            f"{out} {digit}{letters[a]}{letters[b]}"
            for out, digit, a, b in zip(
                outward.tolist(),
                (inward // 400).tolist(),
                (inward // 20 % 20).tolist(),
                (inward % 20).tolist(),
                strict=True,
            )
        ],
        dtype=object,
    )
    unit_street = rng.integers(0, len(pools.streets), size=units).astype(np.int64)
    unit_flats = rng.random(units) < 0.2
    unit_start = rng.integers(1, 120, size=units).astype(np.int64)
    unit_uprn = 10_000_000_000 + rng.permutation(units).astype(np.int64) * 1000

    unit = rng.integers(0, units, size=count).astype(np.int64)
    order = np.argsort(unit, kind="stable")
    in_unit = np.bincount(unit, minlength=units)
    first_of_unit = np.cumsum(in_unit) - in_unit
    rank = np.empty(count, dtype=np.int64)
    rank[order] = np.arange(count) - first_of_unit[unit[order]]

    previous_unit = rng.integers(0, units, size=count).astype(np.int64)
    previous_rank = in_unit[previous_unit] + rng.integers(0, 40, size=count)

    def place(u: IntArray, r: IntArray) -> tuple[ObjArray, ObjArray, ObjArray]:
        address = _addresses(pools, unit_street, unit_district, unit_flats, unit_start, u, r)
        uprn = (unit_uprn[u] + r).astype(str).astype(object)
        return address, unit_postcode[u], uprn

    address, postcode, uprn = place(unit, rank)
    previous_address, previous_postcode, previous_uprn = place(previous_unit, previous_rank)
    return _Households(
        count=count,
        address=address,
        postcode=postcode,
        uprn=uprn,
        previous_address=previous_address,
        previous_postcode=previous_postcode,
        previous_uprn=previous_uprn,
    )


def _unique_integers(rng: np.random.Generator, high: int, size: int) -> IntArray:
    """``size`` distinct integers below ``high``, in random order."""
    return rng.choice(high, size=size, replace=False).astype(np.int64)


def _nhs_numbers(rng: np.random.Generator, size: int) -> ObjArray:
    """``size`` distinct NHS numbers: first digit 4, 6 or 7 (the ranges England and Wales
    issue) and a Modulus 11 check digit; bodies whose check digit would be 10 are skipped."""
    bodies = _unique_integers(rng, 300_000_000, size + size // 5 + 64)
    first = np.array([4, 6, 7], dtype=np.int64)[bodies // 100_000_000]
    bodies = first * 100_000_000 + bodies % 100_000_000
    total = np.zeros(len(bodies), dtype=np.int64)
    rest = bodies.copy()
    for weight in range(2, 11):  # the last digit has weight 2, the first 10
        total += (rest % 10) * weight
        rest //= 10
    check = 11 - total % 11
    check[check == 11] = 0
    valid = check != 10
    if int(valid.sum()) < size:  # pragma: no cover - 1 in 11 is skipped; 1 in 6 is spare
        raise RuntimeError("Not enough NHS numbers drawn.")
    numbers = (bodies * 10 + check)[valid][:size]
    return numbers.astype(str).astype(object)


def _ni_numbers(rng: np.random.Generator, size: int) -> ObjArray:
    """``size`` distinct NI numbers with allocated prefixes and a suffix A to D."""
    drawn = _unique_integers(rng, len(_NI_PREFIXES) * 1_000_000, size)
    prefixes = np.array(_NI_PREFIXES, dtype=object)[drawn // 1_000_000]
    suffixes = np.array(list("ABCD"), dtype=object)[rng.integers(0, 4, size=size)]
    out = np.empty(size, dtype=object)
    out[:] = [
        f"{prefix}{digits:06d}{suffix}"
        for prefix, digits, suffix in zip(
            prefixes.tolist(), (drawn % 1_000_000).tolist(), suffixes.tolist(), strict=True
        )
    ]
    return out


def _phones(rng: np.random.Generator, size: int) -> ObjArray:
    """``size`` distinct UK mobile numbers, eleven digits starting 07 (not 076, pagers)."""
    drawn = _unique_integers(rng, len(_MOBILE_SECOND_DIGITS) * 100_000_000, size)
    second = _MOBILE_SECOND_DIGITS[drawn // 100_000_000]
    out = np.empty(size, dtype=object)
    out[:] = [
        f"07{s}{rest:08d}"
        for s, rest in zip(second.tolist(), (drawn % 100_000_000).tolist(), strict=True)
    ]
    return out


def _one_owner_each(*columns: ObjArray) -> None:
    """Make every e-mail address in ``columns`` (one row per person) belong to one person,
    as a real mailbox does: an address made from a common name that another person already
    has takes a number, as e-mail providers ask ("jsmith@…" → "jsmith2@…"). Changed in
    place. The first person to have an address (down the first column, then the next) keeps
    it, and a number is one no address made yet has, so no one loses their own address to
    another's renumbering, nor ends up with the same address in two columns."""
    made = {address for column in columns for address in column.tolist() if address is not None}
    owner: dict[str, int] = {}
    for column in columns:
        for person, address in enumerate(column.tolist()):
            if address is None:
                continue
            if owner.setdefault(address, person) == person:
                continue
            local, _, domain = address.partition("@")
            number = 2
            while f"{local}{number}@{domain}" in made:
                number += 1
            fresh = f"{local}{number}@{domain}"
            made.add(fresh)
            owner[fresh] = person
            column[person] = fresh


def _emails(
    rng: np.random.Generator, pools: _Pools, first: ObjArray, surname: ObjArray, dob: IntArray
) -> ObjArray:
    """An e-mail address made from each name: "jane.smith84@…", "jsmith@…", "jane_smith7@…"."""
    size = len(first)
    style = rng.integers(0, 4, size=size).tolist()
    number = rng.integers(1, 100, size=size).tolist()
    year = ((dob // 365 + 70) % 100).tolist()  # the two digits of the year of birth, near enough
    domain = pools.email_domains[rng.integers(0, len(pools.email_domains), size=size)].tolist()
    out = np.empty(size, dtype=object)
    out[:] = [
        (
            f"{f}.{s}{y:02d}@{d}"
            if st == 0
            else f"{f[:1]}{s}@{d}"
            if st == 1
            else f"{f}_{s}{n}@{d}"
            if st == 2
            else f"{s}.{f}@{d}"
        )
        for f, s, y, n, d, st in zip(
            [name.lower() for name in first.tolist()],
            [name.lower().replace("-", "").replace(" ", "") for name in surname.tolist()],
            year,
            number,
            domain,
            style,
            strict=True,
        )
    ]
    return out


def _people(rng: np.random.Generator, pools: _Pools, cfg: Setting, wanted: int) -> _People:
    """About ``wanted`` people in households, with their identifiers and their agencies."""
    household_count = max(int(wanted / 2.42) + 1, 1)
    sizes = rng.choice(_HOUSEHOLD_SIZES, size=household_count, p=_HOUSEHOLD_SIZE_SHARES)
    count = int(sizes.sum())
    household = np.repeat(np.arange(household_count, dtype=np.int64), sizes)
    start = np.cumsum(sizes) - sizes
    position = np.arange(count, dtype=np.int64) - start[household]

    head_age = np.clip(np.rint(rng.normal(46, 17, size=household_count)), 18, 95).astype(np.int64)
    partnered = (rng.random(household_count) < _PARTNERED) & (sizes >= 2)
    is_head = position == 0
    is_partner = (position == 1) & partnered[household]
    is_other = ~is_head & ~is_partner
    head = head_age[household]
    u = rng.random(count)
    child_age = np.floor(u * np.clip(head - 17, 1, 18)).astype(np.int64)
    grown_age = 18 + np.floor(u * np.clip(head - 35, 1, 40)).astype(np.int64)
    age = np.where(
        is_head,
        head,
        np.where(
            is_partner,
            np.clip(head + np.rint(rng.normal(0, 4, size=count)).astype(np.int64), 18, 98),
            np.where(head <= 60, child_age, grown_age),
        ),
    ).astype(np.int64)
    reference = (REFERENCE_DATE - date(1970, 1, 1)).days
    dob = reference - np.floor((age + rng.random(count)) * 365.2425).astype(np.int64)

    coin = rng.random(count) < 0.5
    male = np.where(is_partner, ~np.roll(coin, 1) ^ (rng.random(count) < 0.05), coin)
    # (the partner follows the head, so roll by one gives the head's coin)

    # Surnames: the household's, a partner's own, now and then a child's own.
    common = rng.random(household_count) < cfg.common_surnames
    household_surname_index = np.where(
        common,
        _draw(rng, household_count, pools.surname_weights, len(pools.surnames)),
        _draw(rng, household_count, None, len(pools.surnames)),
    )
    household_surname = pools.surnames[household_surname_index]
    double = rng.random(household_count) < _DOUBLE_BARRELLED
    second = pools.surnames[_draw(rng, int(double.sum()), None, len(pools.surnames))]
    household_surname[double] = [
        f"{a}-{b}" if a != b else a
        for a, b in zip(household_surname[double].tolist(), second.tolist(), strict=True)
    ]

    def random_surnames(size: int) -> ObjArray:
        mixed = rng.random(size) < cfg.common_surnames
        index = np.where(
            mixed,
            _draw(rng, size, pools.surname_weights, len(pools.surnames)),
            _draw(rng, size, None, len(pools.surnames)),
        )
        result: ObjArray = pools.surnames[index]
        return result

    surname = household_surname[household]
    double_barrelled = double[household].copy()
    own = (is_partner & (rng.random(count) < 0.3)) | (is_other & (rng.random(count) < 0.08))
    surname[own] = random_surnames(int(own.sum()))
    double_barrelled[own] = False
    previous_surname = random_surnames(count)

    first = np.where(
        male,
        pools.male[_draw(rng, count, pools.male_weights, len(pools.male))],
        pools.female[_draw(rng, count, pools.female_weights, len(pools.female))],
    ).astype(np.int64)

    # Twins: the first two children of a household with at least two, born the same day.
    first_child = start + np.where(partnered, 2, 1)
    eligible = (first_child + 1 < start + sizes) & (head_age <= 60)
    twin_household = np.flatnonzero(eligible & (rng.random(household_count) < cfg.twins))
    elder, younger = first_child[twin_household], first_child[twin_household] + 1
    age[younger] = age[elder]
    dob[younger] = dob[elder]
    surname[elder] = household_surname[twin_household]
    surname[younger] = household_surname[twin_household]
    double_barrelled[elder] = double[twin_household]
    double_barrelled[younger] = double[twin_household]
    for _ in range(100):  # different first names, never nicknames of each other
        clash = pools.related[first[elder], first[younger]]
        if not clash.any():
            break
        redo = younger[clash]
        first[redo] = np.where(
            male[redo],
            pools.male[_draw(rng, len(redo), pools.male_weights, len(pools.male))],
            pools.female[_draw(rng, len(redo), pools.female_weights, len(pools.female))],
        )

    nhs = _nhs_numbers(rng, count)
    ni = np.full(count, None, dtype=object)
    adult = age >= 16
    ni[adult] = _ni_numbers(rng, int(adult.sum()))
    phone = np.full(count, None, dtype=object)
    has_phone = (age >= 14) & (rng.random(count) < 0.9)
    phone[has_phone] = _phones(rng, int(has_phone.sum()))
    email = np.full(count, None, dtype=object)
    other_email = np.full(count, None, dtype=object)
    has_email = (age >= 14) & (rng.random(count) < np.where(age > 70, 0.5, 0.8))
    first_names = pools.first_names[first]
    email[has_email] = _emails(
        rng, pools, first_names[has_email], surname[has_email], dob[has_email]
    )
    has_other = has_email & (rng.random(count) < 0.3)
    other_email[has_other] = _emails(
        rng, pools, first_names[has_other], surname[has_other], dob[has_other]
    )
    other_email[has_other & (other_email == email)] = None
    _one_owner_each(email, other_email)

    # Agencies: Gumbel top-k by each agency's weight, among those that can hold the person.
    ages = np.array([_AGENCY_AGES[agency] for agency in AGENCIES])
    can_hold = (age[:, None] >= ages[None, :, 0]) & (age[:, None] <= ages[None, :, 1])
    keys = np.log(_AGENCY_WEIGHTS)[None, :] + rng.gumbel(size=(count, len(AGENCIES)))
    keys[~can_hold] = -np.inf
    agencies = np.argsort(-keys, axis=1, kind="stable").astype(np.int64)
    wanted_count = rng.choice(len(AGENCIES), size=count, p=_AGENCY_COUNT_SHARES) + 1
    # Children are known to fewer services: halve the extra agencies under 16.
    wanted_count = np.where(age < 16, 1 + (wanted_count - 1) // 2, wanted_count)
    agency_count = np.minimum(wanted_count, can_hold.sum(axis=1)).astype(np.int64)
    agencies[younger] = agencies[elder]  # twins: the same school, the same surgery
    agency_count[younger] = agency_count[elder]

    return _People(
        count=count,
        household=household,
        age=age,
        dob=dob,
        male=male.astype(np.bool_),
        first=first,
        surname=surname,
        previous_surname=previous_surname,
        double_barrelled=double_barrelled,
        ni_number=ni,
        nhs_number=nhs,
        email=email,
        other_email=other_email,
        phone=phone,
        agencies=agencies,
        agency_count=agency_count,
    )


# --- Noise -----------------------------------------------------------------------------------


def _typo(value: str, op: int, where: float, pick: float) -> str:
    """One typing error in ``value``: 0 a keyboard neighbour for a letter, 1 two letters
    swapped, 2 a letter dropped, 3 a letter doubled. Rarely the first letter."""
    n = len(value)
    if n < 3:
        return value
    i = 1 + min(int(where * (n - 1)), n - 2)
    ch = value[i]
    if op == 0:
        near = _NEIGHBOURS.get(ch.lower(), "")
        if not near:
            return value
        new = near[int(pick * len(near))]
        return value[:i] + (new.upper() if ch.isupper() else new) + value[i + 1 :]
    if op == 1:
        i = min(i, n - 2)
        return value[:i] + value[i + 1] + value[i] + value[i + 2 :]
    if op == 2:
        return value[:i] + value[i + 1 :]
    return value[:i] + ch + value[i:]


def _postcode_typo(value: str, op: int, pick: float) -> str:
    """One keying error in a postcode: 0 a neighbouring unit (the last letter), 1 the two
    unit letters swapped, 2 a letter keyed as a look-alike digit or the reverse, 3 the
    sector digit changed."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    if op == 0:
        return value[:-1] + letters[int(pick * len(letters))]
    if op == 1:
        return value[:-2] + value[-1] + value[-2]
    if op == 2:
        for i, ch in enumerate(value):
            if ch in _CONFUSABLE:
                return value[:i] + _CONFUSABLE[ch] + value[i + 1 :]
        return value[:-2] + value[-2:][::-1]
    return value[:-3] + str(int(pick * 10)) + value[-2:]


def _apply(
    values: ObjArray, mask: BoolArray, change: Callable[[str, int], str], seeds: IntArray
) -> None:
    """Replace ``values[mask]`` (each a str) by ``change(value, seed)``, in place."""
    where = np.flatnonzero(mask)
    if len(where):
        values[where] = [
            change(value, seed)
            for value, seed in zip(
                values[where].tolist(), seeds[: len(where)].tolist(), strict=True
            )
        ]


def _given(values: ObjArray) -> BoolArray:
    """Which entries of an object array are not ``None``."""
    result: BoolArray = values != None  # noqa: E711 - element-wise, not identity
    return result


def _chance(rng: np.random.Generator, size: int, rate: float) -> BoolArray:
    if rate <= 0:
        return np.zeros(size, dtype=np.bool_)
    return rng.random(size) < rate


def _date_strings(year: IntArray, month: IntArray, day: IntArray, style: IntArray) -> ObjArray:
    """Each date written in its style: day first, ISO or compact. Each distinct date is
    formatted once."""
    key = year * 10000 + month * 100 + day
    unique, inverse = np.unique(key, return_inverse=True)
    table = np.empty((len(unique), 3), dtype=object)
    for row, value in enumerate(unique.tolist()):
        y, m, d = value // 10000, value // 100 % 100, value % 100
        table[row, _DMY] = f"{d:02d}/{m:02d}/{y:04d}"
        table[row, _ISO] = f"{y:04d}-{m:02d}-{d:02d}"
        table[row, _COMPACT] = f"{y:04d}{m:02d}{d:02d}"
    result: ObjArray = table[inverse.reshape(-1), style]
    return result


def _civil_date(days: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Year, month and day of days since 1970-01-01."""
    moments = days.astype("datetime64[D]")
    months = moments.astype("datetime64[M]")
    year = moments.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (moments - months).astype(np.int64) + 1
    return year, month, day


# --- The generator ---------------------------------------------------------------------------


def _records(
    rng: np.random.Generator, people: _People, cfg: Setting, records: int
) -> tuple[IntArray, IntArray, BoolArray] | None:
    """Which person and agency each record is, and whether it is a duplicate; ``None`` if
    these people do not make ``records`` records."""
    columns = np.arange(len(AGENCIES))
    chosen = columns[None, :] < people.agency_count[:, None]
    person = np.nonzero(chosen)[0].astype(np.int64)
    agency = people.agencies[chosen]
    duplicate = _chance(rng, len(person), cfg.duplicates)
    person = np.concatenate([person, person[duplicate]])
    agency = np.concatenate([agency, agency[duplicate]])
    is_duplicate = np.concatenate(
        [np.zeros(len(duplicate), np.bool_), np.ones(int(duplicate.sum()), np.bool_)]
    )
    if len(person) < records:
        return None
    order = np.argsort(person, kind="stable")[:records]  # whole people, the last one perhaps cut
    order = order[rng.permutation(records)]
    return person[order], agency[order].astype(np.int64), is_duplicate[order]


def generate(records: int, *, setting: str = "hard", seed: int = 1) -> pd.DataFrame:
    """Make exactly ``records`` agency records with the ground truth; see the module.

    Columns: ``record_id`` (unique, the agency and a number, "police-000123"), ``source``
    (one of :data:`AGENCIES`), ``true_person_id``, ``household_id``, the
    :data:`STANDARD_FIELDS` as text (blank is missing), then the signals of
    :data:`SIGNALS` (blank on other agencies' records; numbers, and "Y"/"N" for
    ``open_referral``). Rows are in random order. Raises ``ValueError`` for an unknown
    ``setting`` or a negative ``records``.
    """
    if setting not in SETTINGS:
        raise ValueError(f"Unknown setting {setting!r}: use one of {', '.join(SETTINGS)}.")
    if records < 0:
        raise ValueError("records must be zero or more.")
    cfg = SETTINGS[setting]
    rng = np.random.default_rng(seed)
    pools = _pools(seed)

    wanted = int(records / 1.75) + 20  # people: each has about 1.85 records
    while True:
        people = _people(rng, pools, cfg, wanted)
        drawn = _records(rng, people, cfg, records)
        if drawn is not None:
            break
        wanted = wanted * 3 // 2 + 10
    person, agency, duplicate = drawn
    households = _households(rng, pools, int(people.household.max()) + 1)
    n = records
    agency_names = np.array(AGENCIES, dtype=object)

    def agency_is(*names: str) -> BoolArray:
        result: BoolArray = np.isin(agency, [AGENCIES.index(name) for name in names])
        return result

    def seeds(size: int) -> IntArray:
        return rng.integers(0, 2**31, size=size).astype(np.int64)

    def noise(value: str, seed: int) -> str:
        return _typo(value, seed & 3, (seed >> 2 & 1023) / 1024, (seed >> 12 & 1023) / 1024)

    # Names.
    first_index = people.first[person]
    first_name = pools.first_names[first_index]
    nickname = _chance(rng, n, cfg.nickname) & pools.has_nickname[first_index]
    where = np.flatnonzero(nickname)
    picks = rng.random(len(where)).tolist()
    first_name[where] = [
        variants[int(pick * len(variants))]
        for variants, pick in zip(
            [pools.nicknames[i] for i in first_index[where].tolist()], picks, strict=True
        )
    ]
    _apply(first_name, _chance(rng, n, cfg.name_typo), noise, seeds(n))
    initial = np.flatnonzero(_chance(rng, n, cfg.initial))
    first_name[initial] = [name[:1] for name in first_name[initial].tolist()]

    surname = people.surname[person].copy()
    maiden = _chance(rng, n, cfg.surname_change) & ~people.male[person] & (people.age[person] >= 20)
    surname[maiden] = people.previous_surname[person[maiden]]
    halves = _chance(rng, n, cfg.double_barrel_part) & people.double_barrelled[person] & ~maiden
    which = rng.integers(0, 2, size=n)
    _apply(
        surname, halves, lambda value, seed: value.split("-")[seed % len(value.split("-"))], which
    )
    _apply(surname, _chance(rng, n, cfg.name_typo), noise, seeds(n))

    # Dates of birth.
    days = people.dob[person].copy()
    date_typo = _chance(rng, n, cfg.dob_typo)
    day_out = date_typo & (rng.random(n) < 0.5)
    days[day_out] += rng.choice(np.array([-1, 1]), size=int(day_out.sum()))
    year, month, day = _civil_date(days)
    year_out = date_typo & ~day_out & ~((month == 2) & (day == 29))
    year[year_out] += rng.choice(np.array([-1, 1]), size=int(year_out.sum()))
    swap = _chance(rng, n, cfg.dob_swap) & (day <= 12) & (day != month)
    month[swap], day[swap] = day[swap], month[swap]
    # An error that would put the birth after the extract date keeps the true date instead.
    reference = REFERENCE_DATE.year * 10000 + REFERENCE_DATE.month * 100 + REFERENCE_DATE.day
    future = year * 10000 + month * 100 + day > reference
    if future.any():
        true_year, true_month, true_day = _civil_date(people.dob[person[future]])
        year[future], month[future], day[future] = true_year, true_month, true_day
    usual = np.array([_AGENCY_DATE_FORMAT.get(name, _DMY) for name in AGENCIES])[agency]
    other = _chance(rng, n, cfg.dob_other_format)
    style = np.where(other, (usual + rng.integers(1, 3, size=n)) % 3, usual).astype(np.int64)
    date_of_birth = _date_strings(year, month, day, style)

    sex = np.array(["F", "M"], dtype=object)[people.male[person].astype(np.int64)]

    # Addresses: now, or before the household's last move.
    household = people.household[person]
    moved = rng.random(n) < cfg.move + _DUPLICATE_MOVE * duplicate
    address = np.where(moved, households.previous_address[household], households.address[household])
    postcode = np.where(
        moved, households.previous_postcode[household], households.postcode[household]
    )
    uprn = np.where(moved, households.previous_uprn[household], households.uprn[household])

    def abbreviate(value: str, seed: int) -> str:
        for long, short in _ABBREVIATIONS:
            if long in value:
                value = value.replace(long, short)
        del seed
        return value

    _apply(address, _chance(rng, n, cfg.address_abbreviation), abbreviate, seeds(n))
    police = agency_is("police")
    _apply(address, police, lambda value, seed: value.rsplit(", ", 1)[0], seeds(n))
    _apply(
        postcode,
        _chance(rng, n, cfg.postcode_typo),
        lambda value, seed: _postcode_typo(value, seed & 3, (seed >> 2 & 1023) / 1024),
        seeds(n),
    )
    _apply(
        postcode,
        _chance(rng, n, cfg.postcode_format),
        lambda value, seed: value.replace(" ", "") if seed & 1 else value.lower(),
        seeds(n),
    )

    # Identifiers and contact details, as each agency writes them.
    ni_number = people.ni_number[person]
    spaced = agency_is("housing", "police") & (rng.random(n) < 0.4)
    _apply(
        ni_number,
        spaced & _given(ni_number),
        lambda v, seed: f"{v[:2]} {v[2:4]} {v[4:6]} {v[6:8]} {v[8:]}".strip(),
        seeds(n),
    )
    no_suffix = agency_is("council_tax", "social_care", "health") & (rng.random(n) < 0.3)
    _apply(ni_number, no_suffix & _given(ni_number), lambda v, seed: v[:8], seeds(n))
    nhs_number = people.nhs_number[person]
    _apply(
        nhs_number,
        agency_is("health", "social_care") & (rng.random(n) < 0.4),
        lambda v, seed: f"{v[:3]} {v[3:6]} {v[6:]}",
        seeds(n),
    )
    other_email = _chance(rng, n, cfg.other_email) & _given(people.other_email[person])
    email = np.where(other_email, people.other_email[person], people.email[person])
    phone = people.phone[person]
    phone_style = rng.integers(0, 3, size=n)
    _apply(
        phone,
        (phone_style == 1) & _given(phone),
        lambda v, seed: f"{v[:5]} {v[5:]}",
        phone_style,
    )
    _apply(
        phone,
        (phone_style == 2) & agency_is("health", "jobcentre") & _given(phone),
        lambda v, seed: f"+44 {v[1:5]} {v[5:]}",
        phone_style,
    )

    # Upper case where the agency's system keys it so.
    upper = agency_is("council_tax")
    for column in (first_name, address):
        _apply(column, upper, lambda v, seed: v.upper(), seeds(n))
    _apply(surname, upper | police, lambda v, seed: v.upper(), seeds(n))

    # Blanks: the fields each agency does not hold, or did not record for this person.
    presence = np.array(
        [[FIELD_PRESENCE[a].get(f, 0.0) for f in STANDARD_FIELDS] for a in AGENCIES]
    )
    values: dict[str, ObjArray] = {
        "first_name": first_name,
        "surname": surname,
        "date_of_birth": date_of_birth,
        "sex": sex,
        "address": address,
        "postcode": postcode,
        "uprn": uprn,
        "ni_number": ni_number,
        "nhs_number": nhs_number,
        "email": email,
        "phone": phone,
    }
    for index, field in enumerate(STANDARD_FIELDS):
        rate = presence[agency, index]
        if field not in {"first_name", "surname"}:
            rate = rate * (1 - cfg.missing)
        values[field][rng.random(n) >= rate] = None  # every array here is the record's own

    # Placeholders in identifiers, and Jobcentre temporary numbers.
    for field, junk in _PLACEHOLDERS.items():
        column_values = values[field]
        bad = np.flatnonzero(_chance(rng, n, cfg.placeholder) & _given(column_values))
        column_values[bad] = np.array(junk, dtype=object)[rng.integers(0, len(junk), len(bad))]
        if field == "ni_number" and len(bad):
            temporary = bad[rng.random(len(bad)) < 1 / 3]
            born = people.dob[person[temporary]]
            y, m, d = _civil_date(born)
            column_values[temporary] = [
                f"TN{dd:02d}{mm:02d}{yy % 100:02d}{'M' if is_male else 'F'}"
                for dd, mm, yy, is_male in zip(
                    d.tolist(),
                    m.tolist(),
                    y.tolist(),
                    people.male[person[temporary]].tolist(),
                    strict=True,
                )
            ]

    frame = _frame(rng, people, person, agency, agency_names, values)
    return frame


def _signals(
    rng: np.random.Generator, people: _People, person: IntArray, agency: IntArray
) -> dict[str, Any]:
    """Each agency's signals, rising with how many agencies know the person."""
    n = len(person)
    known = people.agency_count[person].astype(np.float64) - 1  # 0 for someone known once

    def only(name: str) -> BoolArray:
        result: BoolArray = agency == AGENCIES.index(name)
        return result

    def money(name: str, base: float) -> FloatArray:
        owes = rng.random(n) < np.minimum(base + 0.1 * known, 0.9)
        amount = np.round(rng.gamma(2.0, 250.0, size=n) * (1 + 0.4 * known), 2)
        result: FloatArray = np.where(only(name), np.where(owes, amount, 0.0), np.nan)
        return result

    def count(name: str, values: IntArray) -> Any:
        result = pd.array(values.astype(np.int64), dtype="Int64")
        result[~only(name)] = pd.NA
        return result

    incidents = rng.poisson(0.3 + 0.6 * known)
    referral = np.where(rng.random(n) < np.minimum(0.25 + 0.12 * known, 0.9), "Y", "N").astype(
        object
    )
    referral[~only("social_care")] = None
    attendance = np.clip(100 - rng.exponential(3.0 + 3.0 * known, size=n), 35, 100)
    return {
        "arrears_amount": money("council_tax", 0.12),
        "rent_arrears": money("housing", 0.2),
        "incidents_12m": count("police", incidents),
        "asb_incidents_12m": count("police", rng.binomial(incidents, 0.4)),
        "open_referral": referral,
        "attendance_pct": np.where(only("schools"), np.round(attendance, 1), np.nan),
        "months_claiming": count(
            "jobcentre",
            np.minimum(np.ceil(rng.exponential(6 + 5 * known, size=n)), 240).astype(np.int64),
        ),
        "ae_attendances_12m": count("health", rng.poisson(0.3 + 0.4 * known)),
    }


def _frame(
    rng: np.random.Generator,
    people: _People,
    person: IntArray,
    agency: IntArray,
    agency_names: ObjArray,
    values: dict[str, ObjArray],
) -> pd.DataFrame:
    """Put the columns together, with record ids numbered within each agency."""
    n = len(person)
    number = np.zeros(n, dtype=np.int64)
    for index in range(len(AGENCIES)):
        rows = np.flatnonzero(agency == index)
        number[rows] = np.arange(1, len(rows) + 1)
    source = agency_names[agency]
    record_id = [
        f"{name}-{value:06d}" for name, value in zip(source.tolist(), number.tolist(), strict=True)
    ]
    person_ids = np.array([f"P{i:07d}" for i in range(people.count)], dtype=object)
    household_count = int(people.household.max()) + 1 if people.count else 0
    household_ids = np.array([f"H{i:07d}" for i in range(household_count)], dtype=object)
    columns: dict[str, Any] = {
        "record_id": np.array(record_id, dtype=object),
        "source": source,
        "true_person_id": person_ids[person],
        "household_id": household_ids[people.household[person]],
    }
    columns.update(values)
    columns.update(_signals(rng, people, person, agency))
    return pd.DataFrame(columns, columns=list(columns))


def write_agency_files(frame: pd.DataFrame, directory: Path) -> dict[str, Path]:
    """Write each agency's records to ``<directory>/<agency>.csv`` as the agency exports them.

    Each file has the agency's own record id column (:data:`AGENCY_ID_COLUMNS`) and a
    column for each standard field it holds and each of its signals, under its own headers
    (:data:`AGENCY_COLUMNS`); the ground truth (``true_person_id``, ``household_id``) is
    left out. An agency with no records gets a file with just the header. Returns
    ``{agency: path}`` for every agency in :data:`AGENCIES`.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for agency in AGENCIES:
        headers = {"record_id": AGENCY_ID_COLUMNS[agency], **AGENCY_COLUMNS[agency]}
        rows = frame.loc[frame["source"] == agency, list(headers)]
        path = directory / f"{agency}.csv"
        rows.rename(columns=headers).to_csv(path, index=False)
        paths[agency] = path
    return paths


def true_pairs_count(frame: pd.DataFrame) -> int:
    """The number of pairs of records that are the same person: the sum over people of
    n(n - 1)/2, where n is how many records the person has."""
    counts = frame["true_person_id"].value_counts().to_numpy(dtype=np.int64)
    return int((counts * (counts - 1) // 2).sum())
