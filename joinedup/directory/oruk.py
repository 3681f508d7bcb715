"""Reading and writing Open Referral UK (ORUK) service JSON. No database here: ``read_service``
turns one ORUK service into checked-shape values (``services.import_oruk`` checks and writes
them); ``service_to_oruk`` turns a service into ORUK JSON. The field mapping is in
``models``' docstring.

What is read
------------
A file is a JSON list of services, or one page of an ORUK API (``{"content": [...]}`` in the
original UK profile, ``{"contents": [...]}`` in HSDS 3). Each service may use the original UK
profile's names or HSDS 3's; both are read:

- ``eligibilitys`` (a list of ``{eligibility, minimum_age, maximum_age}``) or ``eligibility``
  (text, one such object or a list), or HSDS 3's ``eligibility_description``,
  ``minimum_age`` and ``maximum_age`` on the service;
- ``service_at_locations[].location`` (or ``locations``) with ``physical_addresses`` (or
  ``addresses``): the first address of each location is kept;
- ``contacts[]`` with ``phones[]``: the first phone number of each contact is kept;
- ``application_process`` (how to refer), ``assured_date`` (last reviewed), ``fees`` or
  ``fees_description``, ``wait_time`` ("14 days", "3 weeks" or a number of days).
- ``service_areas`` are not kept: Northvale's partners serve the whole borough.

Need areas
----------
A service's need areas come from two places, merged:

1. the JoinedUp extension field ``need_areas``: a list of need area codes (``needs.NeedArea``);
   an unknown code is a problem with the entry;
2. taxonomy terms, ``service_taxonomys[].taxonomy`` (original UK profile) or
   ``attributes[].taxonomy_term`` (HSDS 3): a term in the vocabulary
   ``NEED_AREA_VOCABULARY`` (what JoinedUp exports) is read by its ``id``/``code``; any
   other term is looked up by name, ignoring case, "&"/"and" and punctuation, in
   ``TAXONOMY_TO_NEED``. That table maps the need and service names used by the LGA's
   service and needs lists and by ORUK publishers to our codes. A term not in the table is
   left out with a warning (it is not a problem: publishers tag many things we do not use).

``TAXONOMY_TO_NEED`` (besides every need area's own code and label):

=========================  ===================================================================
need area                  term names
=========================  ===================================================================
work_skills                employment, employment support, jobs, job search, job clubs,
                           careers, careers advice, training, skills, skills and training,
                           education and training, adult education, apprenticeships,
                           work experience, back to work support
money_debt                 debt, debt advice, money, money advice, money and debt, benefits,
                           benefits advice, welfare benefits, welfare rights, financial
                           inclusion, financial support, budgeting, income maximisation,
                           credit unions, affordable credit, cost of living
housing                    housing, housing advice, housing support, homelessness,
                           homelessness prevention, tenancy support, tenancy sustainment,
                           accommodation, supported housing, rent arrears
physical_health            physical health, health, disability, disabilities, long term
                           conditions, physical disability, sensory impairment, healthy
                           lifestyles
mental_wellbeing           mental health, mental wellbeing, wellbeing, emotional wellbeing,
                           emotional support, counselling, talking therapies, anxiety,
                           depression, stress
drugs_alcohol              drugs, alcohol, drugs and alcohol, drug and alcohol, drug and
                           alcohol misuse, substance misuse, addiction, addictions,
                           recovery, gambling
offending                  offending, reoffending, reducing reoffending, probation,
                           criminal justice, ex offenders, youth justice
family_relationships       family, families, family support, parenting, parenting support,
                           relationships, domestic abuse, domestic violence, carers,
                           young carers
confidence_motivation      confidence, confidence building, motivation, self esteem,
                           volunteering, peer support, mentoring, befriending, social
                           isolation, personal development
basic_digital_skills       digital skills, digital inclusion, basic skills, essential
                           skills, functional skills, english, maths, english and maths,
                           literacy, numeracy, esol, english for speakers of other languages
practical_barriers         transport, travel, travel support, childcare, identification,
                           id documents, clothing, work clothing, food, food banks,
                           furniture, practical support
=========================  ===================================================================

What is written
---------------
``service_to_oruk`` writes the original UK profile's names (``organization``, ``eligibilitys``,
``service_at_locations``/``physical_addresses``, ``contacts``/``phones``,
``service_taxonomys`` in the ``NEED_AREA_VOCABULARY``), HSDS's ``application_process`` and
``wait_time``, and the JoinedUp extension fields ``need_areas``, ``referral_method``,
``accepting_referrals`` and ``waiting_time_days``, so an export reads back unchanged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .models import Service
from .needs import NeedArea
from .values import ContactValues, LocationValues, ServiceValues

#: The vocabulary name JoinedUp's need areas are exported under as taxonomy terms.
NEED_AREA_VOCABULARY = "joinedup-need-areas"

_TERMS: dict[str, tuple[str, ...]] = {
    NeedArea.WORK_SKILLS: (
        "employment",
        "employment support",
        "jobs",
        "job search",
        "job clubs",
        "careers",
        "careers advice",
        "training",
        "skills",
        "skills and training",
        "education and training",
        "adult education",
        "apprenticeships",
        "work experience",
        "back to work support",
    ),
    NeedArea.MONEY_DEBT: (
        "debt",
        "debt advice",
        "money",
        "money advice",
        "money and debt",
        "benefits",
        "benefits advice",
        "welfare benefits",
        "welfare rights",
        "financial inclusion",
        "financial support",
        "budgeting",
        "income maximisation",
        "credit unions",
        "affordable credit",
        "cost of living",
    ),
    NeedArea.HOUSING: (
        "housing",
        "housing advice",
        "housing support",
        "homelessness",
        "homelessness prevention",
        "tenancy support",
        "tenancy sustainment",
        "accommodation",
        "supported housing",
        "rent arrears",
    ),
    NeedArea.PHYSICAL_HEALTH: (
        "physical health",
        "health",
        "disability",
        "disabilities",
        "long term conditions",
        "physical disability",
        "sensory impairment",
        "healthy lifestyles",
    ),
    NeedArea.MENTAL_WELLBEING: (
        "mental health",
        "mental wellbeing",
        "wellbeing",
        "emotional wellbeing",
        "emotional support",
        "counselling",
        "talking therapies",
        "anxiety",
        "depression",
        "stress",
    ),
    NeedArea.DRUGS_ALCOHOL: (
        "drugs",
        "alcohol",
        "drugs and alcohol",
        "drug and alcohol",
        "drug and alcohol misuse",
        "substance misuse",
        "addiction",
        "addictions",
        "recovery",
        "gambling",
    ),
    NeedArea.OFFENDING: (
        "offending",
        "reoffending",
        "reducing reoffending",
        "probation",
        "criminal justice",
        "ex offenders",
        "youth justice",
    ),
    NeedArea.FAMILY_RELATIONSHIPS: (
        "family",
        "families",
        "family support",
        "parenting",
        "parenting support",
        "relationships",
        "domestic abuse",
        "domestic violence",
        "carers",
        "young carers",
    ),
    NeedArea.CONFIDENCE_MOTIVATION: (
        "confidence",
        "confidence building",
        "motivation",
        "self esteem",
        "volunteering",
        "peer support",
        "mentoring",
        "befriending",
        "social isolation",
        "personal development",
    ),
    NeedArea.BASIC_DIGITAL_SKILLS: (
        "digital skills",
        "digital inclusion",
        "basic skills",
        "essential skills",
        "functional skills",
        "english",
        "maths",
        "english and maths",
        "literacy",
        "numeracy",
        "esol",
        "english for speakers of other languages",
    ),
    NeedArea.PRACTICAL_BARRIERS: (
        "transport",
        "travel",
        "travel support",
        "childcare",
        "identification",
        "id documents",
        "clothing",
        "work clothing",
        "food",
        "food banks",
        "furniture",
        "practical support",
    ),
}


def term_key(name: str) -> str:
    """A taxonomy term name as compared: lower case, "&" read as "and", punctuation as spaces."""
    text = name.lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def _build_taxonomy_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, label in NeedArea.choices:
        table[term_key(code)] = code
        table[term_key(label)] = code
    for code, names in _TERMS.items():
        for name in names:
            key = term_key(name)
            if table.get(key, code) != code:
                raise ValueError(f"The taxonomy term {name!r} is mapped to two need areas.")
            table[key] = code
    return table


#: ORUK/LGA taxonomy term names (as ``term_key`` gives them) to need area codes.
TAXONOMY_TO_NEED: dict[str, str] = _build_taxonomy_table()

_STATUSES = {
    "active": "active",
    "inactive": "inactive",
    "defunct": "inactive",
    "temporarily closed": "inactive",
}
_WAIT = re.compile(r"^\s*(?:about\s+|up\s+to\s+)?(\d{1,4})\s*(day|days|week|weeks)?\s*$", re.I)
_SIX_PLACES = Decimal("0.000001")


class OrukFormatError(ValueError):
    """The file as a whole cannot be read as ORUK JSON."""


def load_entries(data: bytes | str) -> list[Any]:
    """The list of service entries in an ORUK file (not yet checked one by one)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise OrukFormatError("The file must be JSON text in UTF-8") from exc
    try:
        parsed = json.loads(data)
    except json.JSONDecodeError as exc:
        raise OrukFormatError(
            f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    if isinstance(parsed, list):
        return parsed
    if isinstance(parsed, dict):
        for key in ("content", "contents"):
            if isinstance(parsed.get(key), list):
                return list(parsed[key])
    raise OrukFormatError(
        "The file must hold a list of services, or an ORUK page with a ‘content’ list"
    )


@dataclass(frozen=True)
class OrukService:
    """One ORUK service, read into JoinedUp's values (not yet checked)."""

    oruk_id: str
    values: ServiceValues
    locations: tuple[LocationValues, ...]
    contacts: tuple[ContactValues, ...]


@dataclass
class ReadService:
    """What reading one entry gave: the service as read (``None`` only when the entry is not
    an object) and the problems with its shape."""

    oruk_id: str = ""
    name: str = ""
    organisation_name: str = ""
    service: OrukService | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Reader:
    """Reads fields of one entry, noting every problem rather than stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def text(self, obj: dict[str, Any], key: str, where: str = "") -> str:
        value = obj.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool) and key == "id":
            return str(value)
        self.problems.append(f"‘{where}{key}’ must be text")
        return ""

    def whole_number(self, obj: dict[str, Any], key: str, where: str = "") -> int | None:
        value = obj.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            pass
        elif isinstance(value, int):
            return value
        elif isinstance(value, float) and value.is_integer():
            return int(value)
        elif isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        self.problems.append(f"‘{where}{key}’ must be a whole number")
        return None

    def boolean(self, obj: dict[str, Any], key: str, default: bool) -> bool:
        value = obj.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "yes"):
            return True
        if isinstance(value, str) and value.strip().lower() in ("false", "no"):
            return False
        self.problems.append(f"‘{key}’ must be true or false")
        return default

    def day(self, obj: dict[str, Any], key: str) -> date | None:
        value = obj.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip()[:10])
            except ValueError:
                pass
        self.problems.append(f"‘{key}’ must be a date like 2026-10-31")
        return None

    def number(self, obj: dict[str, Any], key: str, where: str) -> Decimal | None:
        value = obj.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation:
                pass
            else:
                if number.is_finite():
                    return number.quantize(_SIX_PLACES)
        self.problems.append(f"‘{where}{key}’ must be a number")
        return None

    def items(self, obj: dict[str, Any], key: str, where: str = "") -> list[dict[str, Any]]:
        value = obj.get(key)
        if value is None:
            return []
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.problems.append(f"‘{where}{key}’ must be a list of objects")
            return []
        return value

    def strings(self, obj: dict[str, Any], key: str) -> list[str]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problems.append(f"‘{key}’ must be a list of need area codes")
            return []
        return value


def read_service(entry: object) -> ReadService:
    """Read one ORUK service entry. Shape problems (wrong types, no id, no organisation, an
    unknown status) are returned; the values themselves are checked by ``services``."""
    result = ReadService()
    if not isinstance(entry, dict):
        result.problems.append("The entry must be a JSON object (a service)")
        return result
    reader = _Reader()
    result.oruk_id = reader.text(entry, "id").strip()
    result.name = reader.text(entry, "name").strip()
    if not result.oruk_id:
        reader.problems.append("The service has no ‘id’, so a later import could not recognise it")
    elif len(result.oruk_id) > 255:
        reader.problems.append("The service's ‘id’ must be 255 characters or fewer")
    organization = entry.get("organization")
    if isinstance(organization, dict) or organization is None:
        if isinstance(organization, dict):
            result.organisation_name = reader.text(organization, "name", "organization.").strip()
        if not result.organisation_name:
            reader.problems.append("The service has no organisation (‘organization.name’)")
    else:
        reader.problems.append("‘organization’ must be an object with a ‘name’")

    status_text = reader.text(entry, "status").strip().lower()
    status = _STATUSES.get(status_text or "active")
    if status is None:
        reader.problems.append(
            f"‘status’ must be active, inactive, defunct or temporarily closed, not ‘{status_text}’"
        )
        status = "active"

    description, minimum_age, maximum_age = _eligibility(reader, entry)
    values = ServiceValues(
        name=result.name,
        description=reader.text(entry, "description"),
        need_areas=tuple(_need_areas(reader, entry)),
        url=reader.text(entry, "url"),
        email=reader.text(entry, "email"),
        status=status,
        eligibility_description=description,
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        how_to_refer=reader.text(entry, "application_process")
        or reader.text(entry, "how_to_refer"),
        referral_method=reader.text(entry, "referral_method").strip()
        or Service.ReferralMethod.JOINEDUP_REFERRAL,
        waiting_time_days=_waiting_time(reader, entry),
        accepting_referrals=reader.boolean(entry, "accepting_referrals", True),
        fees=reader.text(entry, "fees") or reader.text(entry, "fees_description"),
        last_reviewed=reader.day(entry, "assured_date"),
    )
    locations = tuple(_locations(reader, entry))
    contacts = tuple(_contacts(reader, entry))
    result.problems = reader.problems
    result.warnings = reader.warnings
    # Read even when there are problems, so the values' own checks are reported too.
    result.service = OrukService(
        oruk_id=result.oruk_id, values=values, locations=locations, contacts=contacts
    )
    return result


def _eligibility(reader: _Reader, entry: dict[str, Any]) -> tuple[str, int | None, int | None]:
    texts: list[str] = []
    minimum_age = maximum_age = None
    raw = entry.get("eligibility")
    if isinstance(raw, str):
        texts.append(raw)
        items = reader.items(entry, "eligibilitys")
    else:
        items = reader.items(entry, "eligibilitys") + reader.items(entry, "eligibility")
    for item in items:
        text = reader.text(item, "eligibility", "eligibilitys[].").strip()
        if text and text not in texts:
            texts.append(text)
        low = reader.whole_number(item, "minimum_age", "eligibilitys[].")
        high = reader.whole_number(item, "maximum_age", "eligibilitys[].")
        minimum_age = low if minimum_age is None else minimum_age
        maximum_age = high if maximum_age is None else maximum_age
    if entry.get("eligibility_description"):
        texts = [reader.text(entry, "eligibility_description")]
    if entry.get("minimum_age") is not None:
        minimum_age = reader.whole_number(entry, "minimum_age")
    if entry.get("maximum_age") is not None:
        maximum_age = reader.whole_number(entry, "maximum_age")
    return "\n".join(texts), minimum_age, maximum_age


def _waiting_time(reader: _Reader, entry: dict[str, Any]) -> int | None:
    if entry.get("waiting_time_days") is not None:
        return reader.whole_number(entry, "waiting_time_days")
    wait = entry.get("wait_time")
    if wait is None or wait == "":
        return None
    if isinstance(wait, int) and not isinstance(wait, bool):
        return wait
    match = _WAIT.match(wait) if isinstance(wait, str) else None
    if match is None:
        reader.warnings.append(f"the wait time ‘{wait}’ is not a number of days or weeks")
        return None
    amount = int(match.group(1))
    return amount * 7 if (match.group(2) or "").lower().startswith("week") else amount


def _need_areas(reader: _Reader, entry: dict[str, Any]) -> list[str]:
    codes = [code.strip() for code in reader.strings(entry, "need_areas")]
    terms: list[dict[str, Any]] = [
        item["taxonomy"]
        for item in reader.items(entry, "service_taxonomys")
        if isinstance(item.get("taxonomy"), dict)
    ]
    terms += [
        item["taxonomy_term"]
        for item in reader.items(entry, "attributes")
        if isinstance(item.get("taxonomy_term"), dict)
    ]
    for term in terms:
        if term.get("vocabulary") == NEED_AREA_VOCABULARY:
            code = str(term.get("code") or term.get("id") or "").strip()
            if code:
                codes.append(code)
                continue
        name = term.get("name")
        if not isinstance(name, str) or not name.strip():
            continue
        code = TAXONOMY_TO_NEED.get(term_key(name), "")
        if code:
            codes.append(code)
        else:
            reader.warnings.append(
                f"the taxonomy term ‘{name.strip()}’ matches no need area and was left out"
            )
    return codes


def _locations(reader: _Reader, entry: dict[str, Any]) -> list[LocationValues]:
    places = [
        item["location"]
        for item in reader.items(entry, "service_at_locations")
        if isinstance(item.get("location"), dict)
    ]
    places += reader.items(entry, "locations")
    locations: list[LocationValues] = []
    for place in places:
        addresses = reader.items(place, "physical_addresses", "location.") or reader.items(
            place, "addresses", "location."
        )
        address = addresses[0] if addresses else {}
        address_1 = reader.text(address, "address_1", "physical_addresses[].")
        city = reader.text(address, "city", "physical_addresses[].")
        locations.append(
            LocationValues(
                name=reader.text(place, "name", "location.").strip() or address_1.strip(),
                address_1=address_1,
                city=city,
                postcode=reader.text(address, "postal_code", "physical_addresses[]."),
                latitude=reader.number(place, "latitude", "location."),
                longitude=reader.number(place, "longitude", "location."),
            )
        )
    return locations


def _contacts(reader: _Reader, entry: dict[str, Any]) -> list[ContactValues]:
    contacts: list[ContactValues] = []
    for item in reader.items(entry, "contacts"):
        phones = reader.items(item, "phones", "contacts[].")
        contacts.append(
            ContactValues(
                name=reader.text(item, "name", "contacts[]."),
                title=reader.text(item, "title", "contacts[]."),
                phone=reader.text(phones[0], "number", "contacts[].phones[].") if phones else "",
                email=reader.text(item, "email", "contacts[]."),
            )
        )
    return contacts


def service_to_oruk(service: Service) -> dict[str, Any]:
    """One service as ORUK JSON (see the module docstring for the names used)."""
    oruk_id = service.oruk_id or str(service.pk)
    organisation = service.organisation
    codes = service.need_codes
    labels = dict(NeedArea.choices)
    eligibilitys = []
    if (
        service.eligibility_description
        or service.minimum_age is not None
        or (service.maximum_age is not None)
    ):
        eligibilitys.append(
            {
                "id": f"{oruk_id}:eligibility",
                "eligibility": service.eligibility_description,
                "minimum_age": service.minimum_age,
                "maximum_age": service.maximum_age,
            }
        )
    return {
        "id": oruk_id,
        "name": service.name,
        "description": service.description,
        "url": service.url,
        "email": service.email,
        "status": service.status,
        "fees": service.fees,
        "assured_date": service.last_reviewed.isoformat() if service.last_reviewed else None,
        "application_process": service.how_to_refer,
        "wait_time": (
            f"{service.waiting_time_days} days" if service.waiting_time_days is not None else ""
        ),
        "organization": {
            "id": str(organisation.pk),
            "name": organisation.name,
            "description": organisation.description,
        },
        "eligibilitys": eligibilitys,
        "service_at_locations": [
            {
                "id": f"{oruk_id}:{location.pk}",
                "location": {
                    "id": str(location.pk),
                    "name": location.name,
                    "latitude": _float(location.latitude),
                    "longitude": _float(location.longitude),
                    "physical_addresses": [
                        {
                            "id": f"{location.pk}:address",
                            "address_1": location.address_1,
                            "city": location.city,
                            "postal_code": location.postcode,
                            "country": "GB",
                        }
                    ],
                },
            }
            for location in service.locations.all()
        ],
        "contacts": [
            {
                "id": str(contact.pk),
                "name": contact.name,
                "title": contact.title,
                "email": contact.email,
                "phones": (
                    [{"id": f"{contact.pk}:phone", "number": contact.phone}]
                    if contact.phone
                    else []
                ),
            }
            for contact in service.contacts.all()
        ],
        "service_taxonomys": [
            {
                "id": f"{oruk_id}:{code}",
                "taxonomy": {"id": code, "name": labels[code], "vocabulary": NEED_AREA_VOCABULARY},
            }
            for code in codes
        ],
        "need_areas": codes,
        "referral_method": service.referral_method,
        "accepting_referrals": service.accepting_referrals,
        "waiting_time_days": service.waiting_time_days,
    }


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
