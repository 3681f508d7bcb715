"""Insight: "known to several agencies" (issue 6, F13). Selectors and the one service.

- :func:`known_to_several` lists the active linked people whose records come from at least
  ``minimum`` agencies (an agency is the organisation that sent the extract), with the source
  kinds, the signals of each agency's latest extract of each kind, an age band and postcode
  district (never a name, address or full postcode) and an explainable priority, highest
  first, 25 to a page. Everything that decides who is listed and in what order (the number of
  agencies, the filters and the priority) is worked out by the database with aggregation and
  correlated subqueries; Python then describes only the page it shows. A page takes the same
  number of queries whoever is on it.
- :func:`households_known_to_several` does the same for households: the records of active
  linked people grouped by UPRN where there is one, otherwise by their address and postcode
  (each normalised); a household is known to the agencies that its members' records, all of
  them, come from. A household of one is a person, already on the people list, so households
  have at least two members.
- :func:`person_insight` is one listed person, with the signals by agency and the priority's
  reasons, and what a referral would be pre-filled with.
- :func:`refer_for_triage` is the one-click referral for triage, made by a data officer.

**Pseudonymisation.** Performance analysts and data officers see linked people by their
reference (``LinkedPerson.reference``). A name is shown only when the linked person is on
JoinedUp's shared record and the access policy gives the actor's organisation a basis for that
person's identity (performance analysts never have one: their role does not work with people);
then the name links to the record. Once a referral has been made, the list says so, with the
referral's reference for staff of the organisation that made it. Each page is audited in ONE
batch: one event per name shown (the person, "identity", the policy's basis) and one for the
pseudonymised list itself (its filters and count).

**The referral and its lawful basis.** A referral made here has no consent behind it: the
person did not ask. It is made on the lawful basis the data officer records (pre-filled from
the extracts'), kept with the referral in :class:`~joinedup.matching.models.InsightReferral`.
It goes by default to the organisation that triages residents' own referrals (the hub,
``self_referral_organisation``), because the data officer's own organisation may not triage
at all (the police, say); they may choose any active organisation. If the linked person is on
the shared record and the receiving organisation already has a basis for who they are, the
referral names the record; otherwise it carries the identity details of the most complete
(then the most recent) agency record, and triage matches them through the duplicate check,
where a data-matching referral can be matched only to a record the triaging organisation
already has its own basis for (no consent is recorded, since none was given), or a new
record is made.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import (
    Cast,
    Coalesce,
    Concat,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    Length,
    Lower,
    LPad,
    Replace,
    Substr,
    Trim,
    Upper,
)
from django.http import Http404
from django.utils import timezone

from joinedup.accounts.models import Organisation
from joinedup.accounts.roles import Role
from joinedup.audit.services import AuditEntry, record_event, record_events
from joinedup.core.actor import Actor
from joinedup.people.identifiers import normalise_postcode
from joinedup.people.models import Person
from joinedup.referrals.models import Referral
from joinedup.referrals.services import new_reference, respond_by, self_referral_organisation
from joinedup.sharing.categories import IDENTITY
from joinedup.sharing.policy import (
    PersonAccess,
    access_to_people,
    access_to_person,
    works_with_people,
)

from .cleaning import parse_date
from .models import ExtractRecord, InsightReferral, LinkedPerson, Signal, SourceKind

if TYPE_CHECKING:
    from django.db.models.expressions import BaseExpression

#: People (or households) on one page of the list.
PAGE_SIZE = 25
#: Any page number above this is past the end of every listing (and its OFFSET would not fit a
#: 64-bit integer): it is taken as the last page.
MAX_PAGE = 10**9
#: The choices of "known to at least N agencies" on the filter form.
MINIMUM_CHOICES = tuple(range(2, 8))
#: Who sees the lists (pseudonymised) and the person pages.
INSIGHT_ROLES = frozenset({Role.PERFORMANCE_ANALYST, Role.DATA_OFFICER})
#: Who may refer a listed person for triage.
REFERRING_ROLES = frozenset({Role.DATA_OFFICER})
#: A referral still in hand: waiting, or accepted and not yet closed. A second referral for the
#: same person is refused while one is.
OPEN_REFERRAL_STATUSES = (Referral.Status.NEW, Referral.Status.AWAITING, Referral.Status.ACCEPTED)
LAWFUL_BASIS_MAX = 2000
REASON_MAX = 5000
PAGE_NAME = "known to several agencies"

_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


# ----------------------------------------------------------------------------- the priority


@dataclass(frozen=True)
class SignalRule:
    """One signal over its threshold scores ``points``: when its value is ``threshold`` or
    more, or, with ``below``, when it is less than ``threshold`` (school attendance)."""

    signal: str
    points: int
    threshold: float
    #: What it says, with ``{money}``, ``{count}`` or ``{percent}`` for the value.
    says: str
    #: The condition in words, for "How priority is worked out".
    condition: str
    below: bool = False

    @property
    def label(self) -> str:
        return signal_label(self.signal)

    def applies(self, value: float) -> bool:
        return value < self.threshold if self.below else value >= self.threshold

    def lookup(self) -> Q:
        """The same test in the database, on an extract record's ``signals``."""
        operator = "lt" if self.below else "gte"
        return Q(**{f"signals__{self.signal}__{operator}": self.threshold})

    def describe(self, value: float) -> str:
        return self.says.format(money=_money(value), count=f"{value:,.0f}", percent=f"{value:g}%")


@dataclass(frozen=True)
class RecencyBand:
    """Signals from an extract taken within ``months`` months count ``percent`` per cent of
    their points."""

    months: int
    percent: int
    #: How old such an extract is, and what its signals count, in words.
    age: str
    weight: str


@dataclass(frozen=True)
class PriorityScheme:
    """The points: ``agency_points`` for each agency that knows the person, and each signal
    rule that applies to the latest extract of each kind from each agency, weighted by how old
    that extract is (the first recency band it falls in; none if it is in none)."""

    agency_points: int
    rules: tuple[SignalRule, ...]
    recency: tuple[RecencyBand, ...]
    #: Older extracts, in words.
    older_age: str
    older_weight: str

    def __post_init__(self) -> None:
        # Weighted points must be whole, so the database's sum and the reasons agree exactly.
        for rule in self.rules:
            for band in self.recency:
                if rule.points * band.percent % 100:
                    raise ValueError(f"{rule.signal}: {band.percent}% of {rule.points} points")

    def percent_for(self, extract_date: date, today: date) -> int:
        for band in self.recency:
            if extract_date >= months_before(today, band.months):
                return band.percent
        return 0

    def band_for(self, extract_date: date, today: date) -> RecencyBand | None:
        for band in self.recency:
            if extract_date >= months_before(today, band.months):
                return band
        return None


PRIORITY_SCHEME = PriorityScheme(
    agency_points=5,
    rules=(
        SignalRule(Signal.ARREARS_AMOUNT, 20, 500, "Council tax arrears {money}", "£500 or more"),
        SignalRule(Signal.RENT_ARREARS, 20, 500, "Rent arrears {money}", "£500 or more"),
        SignalRule(
            Signal.INCIDENTS_12M, 20, 3, "{count} police incidents in 12 months", "3 or more"
        ),
        SignalRule(
            Signal.ASB_INCIDENTS_12M,
            10,
            2,
            "{count} anti-social behaviour incidents in 12 months",
            "2 or more",
        ),
        SignalRule(Signal.OPEN_REFERRAL, 30, 1, "Open social care referral", "a referral is open"),
        SignalRule(
            Signal.ATTENDANCE_PCT,
            20,
            90,
            "School attendance {percent}",
            "less than 90%",
            below=True,
        ),
        SignalRule(
            Signal.MONTHS_CLAIMING,
            10,
            12,
            "Claiming out-of-work benefits for {count} months",
            "12 months or more",
        ),
        SignalRule(
            Signal.AE_ATTENDANCES_12M, 20, 3, "{count} A&E attendances in 12 months", "3 or more"
        ),
    ),
    recency=(
        RecencyBand(6, 100, "less than 6 months old", "full points"),
        RecencyBand(12, 50, "6 to 12 months old", "half points"),
    ),
    older_age="more than 12 months old",
    older_weight="no points (the signal is still shown)",
)
"""The early-intervention priority, as data (shown on the page as "How priority is worked
out").

priority = 5 × the number of agencies that know the person
         + for each agency and kind of extract, its latest extract's signals over threshold:
             council tax arrears £500 or more         20
             rent arrears £500 or more                20
             police incidents in 12 months, 3 or more 20
             anti-social behaviour incidents, 2+      10
             an open social care referral             30
             school attendance under 90%              20
             claiming out-of-work benefits 12+ months 10
             A&E attendances in 12 months, 3 or more  20
           each × 100% if the extract was taken in the last 6 months, × 50% if 6 to 12 months
           ago, × 0% if older.

Every point comes with a reason ("Rent arrears £1,240 (housing, Oct 2026)", "Known to 4
agencies"), so anyone can check the number. The list is in priority order, then by the number
of agencies, then by reference. The database computes the same sum to sort the whole list
(``_signal_points``); change the rules here and both follow."""


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day if it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def signal_label(code: str) -> str:
    """The signal's name without its unit ("Rent arrears", not "Rent arrears (£)"): the
    values are shown with theirs."""
    return re.sub(r" \((£|%)\)$", "", str(Signal(code).label))


def _money(value: float) -> str:
    return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def kind_word(kind: str) -> str:
    """The kind of extract in a word or two, for reasons: "council tax", "housing"."""
    return kind.replace("_", " ")


@dataclass(frozen=True)
class Reason:
    text: str
    points: int

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "points": self.points}


def agency_reason(agency_count: int) -> Reason:
    noun = "agency" if agency_count == 1 else "agencies"
    return Reason(f"Known to {agency_count} {noun}", agency_count * PRIORITY_SCHEME.agency_points)


def signal_reasons(
    *, kind: str, extract_date: date, signals: Mapping[str, Any], today: date
) -> list[Reason]:
    """The reasons one record's signals give, weighted by the age of its extract."""
    percent = PRIORITY_SCHEME.percent_for(extract_date, today)
    band = PRIORITY_SCHEME.band_for(extract_date, today)
    found = []
    for rule in PRIORITY_SCHEME.rules:
        value = _number(signals.get(rule.signal))
        if value is None or not rule.applies(value):
            continue
        text = f"{rule.describe(value)} ({kind_word(kind)}, {extract_date:%b %Y})"
        if band is None:
            text += f": no points, the extract is {PRIORITY_SCHEME.older_age}"
        elif band.percent != 100:
            text += f": {band.weight}, the extract is {band.age}"
        found.append(Reason(text, rule.points * percent // 100))
    return found


def _signal_points(today: date) -> BaseExpression:
    """A record's signal points times its recency percentage, in the database (the Python side is
    :func:`signal_reasons`; the two agree because every weighted point is whole)."""
    points: Combinable = Value(0)
    for rule in PRIORITY_SCHEME.rules:
        points = points + Case(
            When(rule.lookup(), then=Value(rule.points)),
            default=Value(0),
            output_field=IntegerField(),
        )
    recency = Case(
        *(
            When(
                extract__extract_date__gte=months_before(today, band.months),
                then=Value(band.percent),
            )
            for band in PRIORITY_SCHEME.recency
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    return ExpressionWrapper(points * recency, output_field=IntegerField())


# ----------------------------------------------------------------------------- database parts


def _latest_of_its_source() -> Any:
    """True for a record that is its person's latest from its agency and kind of extract: no
    record of the same person, agency and kind comes from a later extract (or, the same day,
    has a higher id). Used on ``ExtractRecord``."""
    later = ExtractRecord.objects.filter(
        linked_person_id=OuterRef("linked_person_id"),
        extract__organisation_id=OuterRef("extract__organisation_id"),
        extract__source_kind=OuterRef("extract__source_kind"),
    ).filter(
        Q(extract__extract_date__gt=OuterRef("extract__extract_date"))
        | Q(extract__extract_date=OuterRef("extract__extract_date"), pk__gt=OuterRef("pk"))
    )
    return ~Exists(later)


def _with_district(records: QuerySet[ExtractRecord]) -> QuerySet[Any]:
    """Records with a postcode of a postcode's length, annotated with its district (the
    outward code: everything before the last three characters, spaces ignored)."""
    return (
        records.annotate(_compact=Upper(Replace(F("postcode"), Value(" "), Value(""))))
        .annotate(_length=Length("_compact"))
        .filter(_length__gte=5, _length__lte=7)
        .annotate(district=Substr("_compact", 1, F("_length") - 3))
    )


def _people(
    *,
    today: date,
    minimum: int,
    area: str = "",
    agency_id: Any = None,
    reference: str = "",
) -> QuerySet[Any]:
    """Active linked people known to ``minimum`` or more agencies, in priority order, as rows
    of ``linked_person_id``, ``reference``, ``person_id``, ``agency_count``, ``area`` and
    ``priority_x100`` (the priority times 100).

    One pass over the records, grouped by person: only each person's latest record from each
    agency and kind counts (every agency that knows them has one, so the number of agencies
    is the same as over all their records), and their signal points are summed there. The
    area is the postcode district of the most recent of those records with a postcode: the
    greatest "date, record id, district" text, so that it too is an aggregate."""
    dated_district = Case(
        When(
            _length__gte=5,
            _length__lte=7,
            then=Concat(
                # The date as eight digits (yyyymmdd), whatever the database's date style.
                Cast(
                    ExtractYear("extract__extract_date") * 10000
                    + ExtractMonth("extract__extract_date") * 100
                    + ExtractDay("extract__extract_date"),
                    output_field=CharField(),
                ),
                LPad(Cast("pk", output_field=CharField()), 20, Value("0")),
                Substr("_compact", 1, F("_length") - 3),
            ),
        ),
        default=None,
        output_field=CharField(),
    )
    records = ExtractRecord.objects.filter(linked_person__status=LinkedPerson.Status.ACTIVE)
    if reference:
        records = records.filter(linked_person__reference=reference)
    people = (
        records.filter(_latest_of_its_source())
        .annotate(_compact=Upper(Replace(F("postcode"), Value(" "), Value(""))))
        .annotate(_length=Length("_compact"), _dated_district=dated_district)
        .values(
            "linked_person_id",
            reference=F("linked_person__reference"),
            person_id=F("linked_person__person_id"),
        )
        .annotate(
            agency_count=Count("extract__organisation", distinct=True),
            signal_x100=Sum(_signal_points(today)),
            area=Coalesce(
                Substr(Max("_dated_district"), _DATED_DISTRICT_AT),
                Value(""),
                output_field=CharField(),
            ),
        )
        .filter(agency_count__gte=minimum)
    )
    if agency_id:
        people = people.annotate(
            from_agency=Count("pk", filter=Q(extract__organisation_id=agency_id))
        ).filter(from_agency__gt=0)
    if area:
        people = people.filter(area=area)
    return people.annotate(
        priority_x100=ExpressionWrapper(
            F("agency_count") * (PRIORITY_SCHEME.agency_points * 100)
            + Coalesce(F("signal_x100"), Value(0)),
            output_field=IntegerField(),
        )
    ).order_by("-priority_x100", "-agency_count", "reference")


#: Where the district starts in "date (8 digits), record id (20), district".
_DATED_DISTRICT_AT = 29
_PERSON_COLUMNS = (
    "linked_person_id",
    "reference",
    "person_id",
    "agency_count",
    "area",
    "priority_x100",
)


# ----------------------------------------------------------------------------- what is shown


@dataclass
class SourceSignals:
    """What one agency's latest extract of one kind says about the person."""

    kind: str
    kind_label: str
    extract_reference: str
    extract_date: date
    lawful_basis: str
    #: (signal label, value as written), in the order of ``Signal``.
    signals: list[tuple[str, str]]


@dataclass
class AgencySignals:
    organisation_id: uuid.UUID
    organisation: str
    sources: list[SourceSignals]


@dataclass(frozen=True)
class ReferralMade:
    """A referral made from this list. ``reference`` is blank for staff of other
    organisations than the one that made it."""

    made_on: datetime
    reference: str
    referral_id: uuid.UUID | None
    status: str
    is_open: bool


@dataclass
class ListedPerson:
    linked_person_id: uuid.UUID
    reference: str
    age_band: str
    district: str
    agency_count: int
    agencies: list[AgencySignals]
    kinds: list[str]
    priority: int
    reasons: list[Reason]
    #: Only when the actor's organisation has a basis for the person's identity.
    name: str = ""
    person_id: uuid.UUID | None = None
    referral: ReferralMade | None = None
    #: The shared-record person (only to decide and audit; never shown without a basis).
    _person: Person | None = field(default=None, repr=False)
    _access: PersonAccess | None = field(default=None, repr=False)

    @property
    def agency_names(self) -> list[str]:
        return [a.organisation for a in self.agencies]


AGE_BANDS: tuple[tuple[int, str], ...] = (
    (65, "65 and over"),
    (55, "55 to 64"),
    (45, "45 to 54"),
    (35, "35 to 44"),
    (25, "25 to 34"),
    (18, "18 to 24"),
    (16, "16 to 17"),
    (0, "Under 16"),
)


def age_band(born: date | None, today: date) -> str:
    if born is None or born > today:
        return "Not known"
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return next(label for lowest, label in AGE_BANDS if age >= lowest)


def _date_of_birth(text: str) -> date | None:
    iso, parsed = parse_date(text)
    return date.fromisoformat(iso) if parsed and iso else None


def _format_signal(code: str, value: float) -> str:
    if code in (Signal.ARREARS_AMOUNT, Signal.RENT_ARREARS):
        return _money(value)
    if code == Signal.ATTENDANCE_PCT:
        return f"{value:g}%"
    if code == Signal.OPEN_REFERRAL:
        return "Yes" if value >= 1 else "No"
    return f"{value:,.0f}"


def _require_insight(actor: Actor) -> None:
    user = actor.user
    if user is None or not user.is_active or not user.has_any_role(INSIGHT_ROLES):
        raise PermissionDenied("Only performance analysts and data officers see this list.")


_RECORD_COLUMNS = (
    "pk",
    "linked_person_id",
    "date_of_birth",
    "signals",
    "extract__reference",
    "extract__source_kind",
    "extract__extract_date",
    "extract__lawful_basis",
    "extract__organisation_id",
    "extract__organisation__name",
)


def _describe(actor: Actor, found: Sequence[Mapping[str, Any]], today: date) -> list[ListedPerson]:
    """The page's people as shown: three queries for the records, the shared-record people and
    the referrals, then the access policy's (at most three) for the names."""
    ids = [row["linked_person_id"] for row in found]
    records: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for record in (
        ExtractRecord.objects.filter(linked_person_id__in=ids)
        .order_by("-extract__extract_date", "-pk")
        .values(*_RECORD_COLUMNS)
    ):
        records[record["linked_person_id"]].append(record)
    # Only staff whose work is with people can have a basis for a name (not analysts).
    person_ids = [row["person_id"] for row in found if row["person_id"]]
    people = (
        {
            p.pk: p
            for p in Person.objects.filter(pk__in=person_ids, archived_on__isnull=True).only(
                "pk", "given_name", "family_name", "registered_by_id"
            )
        }
        if person_ids and works_with_people(actor)
        else {}
    )
    access = access_to_people(actor=actor, people=people.values()) if people else {}
    referrals: dict[uuid.UUID, InsightReferral] = {}
    for insight_referral in (
        InsightReferral.objects.filter(linked_person_id__in=ids)
        .select_related("referral")
        .order_by("-made_on", "-id")
    ):
        referrals.setdefault(insight_referral.linked_person_id, insight_referral)

    rows = []
    for row in found:
        mine = records[row["linked_person_id"]]  # newest first
        by_agency: dict[uuid.UUID, AgencySignals] = {}
        seen_sources: set[tuple[uuid.UUID, str]] = set()
        reasons = [agency_reason(row["agency_count"])]
        for record in mine:
            organisation_id = record["extract__organisation_id"]
            kind = record["extract__source_kind"]
            if (organisation_id, kind) in seen_sources:
                continue  # an older record from the same agency and kind
            seen_sources.add((organisation_id, kind))
            signals = record["signals"] or {}
            agency = by_agency.setdefault(
                organisation_id,
                AgencySignals(organisation_id, record["extract__organisation__name"], []),
            )
            agency.sources.append(
                SourceSignals(
                    kind=kind,
                    kind_label=str(SourceKind(kind).label) if kind in SourceKind.values else kind,
                    extract_reference=record["extract__reference"],
                    extract_date=record["extract__extract_date"],
                    lawful_basis=record["extract__lawful_basis"],
                    signals=[
                        (signal_label(code), _format_signal(code, value))
                        for code in Signal
                        if (value := _number(signals.get(code.value))) is not None
                    ],
                )
            )
            reasons.extend(
                signal_reasons(
                    kind=kind,
                    extract_date=record["extract__extract_date"],
                    signals=signals,
                    today=today,
                )
            )
        born = next(
            (d for r in mine if r["date_of_birth"] and (d := _date_of_birth(r["date_of_birth"]))),
            None,
        )
        reasons[1:] = sorted(reasons[1:], key=lambda r: -r.points)
        person = people.get(row["person_id"]) if row["person_id"] else None
        person_access = access.get(person.pk) if person is not None else None
        shown = person is not None and person_access is not None and person_access.allows(IDENTITY)
        made = referrals.get(row["linked_person_id"])
        district = row["area"] if _DISTRICT.match(row["area"] or "") else ""
        rows.append(
            ListedPerson(
                linked_person_id=row["linked_person_id"],
                reference=row["reference"],
                age_band=age_band(born, today),
                district=district,
                agency_count=row["agency_count"],
                agencies=sorted(by_agency.values(), key=lambda a: a.organisation),
                kinds=sorted({str(s.kind_label) for a in by_agency.values() for s in a.sources}),
                priority=row["priority_x100"] // 100,
                reasons=reasons,
                name=str(person) if shown and person is not None else "",
                person_id=person.pk if shown and person is not None else None,
                referral=_referral_made(actor, made) if made is not None else None,
                _person=person,
                _access=person_access,
            )
        )
    return rows


def _referral_made(actor: Actor, made: InsightReferral) -> ReferralMade:
    referral = made.referral
    ours = (
        actor.organisation_id is not None
        and referral.referred_by_organisation_id == actor.organisation_id
    )
    return ReferralMade(
        made_on=made.made_on,
        reference=referral.reference if ours else "",
        referral_id=referral.pk if ours else None,
        status=referral.get_status_display(),
        is_open=referral.status in OPEN_REFERRAL_STATUSES,
    )


def _name_entries(rows: Iterable[ListedPerson], page: str) -> list[AuditEntry]:
    entries = []
    for row in rows:
        if row.name and row._person is not None and row._access is not None:
            entries.append(
                AuditEntry(
                    person_id=row._person.pk,
                    categories=[IDENTITY],
                    basis=row._access.audit_basis([IDENTITY])[0],
                    detail={"page": page, "linked person": row.reference},
                )
            )
    return entries


# ----------------------------------------------------------------------------- the filters


@dataclass(frozen=True)
class FilterChoices:
    districts: list[str]
    agencies: list[tuple[uuid.UUID, str]]


def filter_choices(*, actor: Actor) -> FilterChoices:
    """The postcode districts of active linked people's records and the organisations that
    sent extracts, for the filter form (two queries; no personal data)."""
    _require_insight(actor)
    districts = (
        _with_district(
            ExtractRecord.objects.filter(linked_person__status=LinkedPerson.Status.ACTIVE)
        )
        .values_list("district", flat=True)
        .distinct()
        .order_by("district")
    )
    agencies = (
        Organisation.objects.filter(extracts__isnull=False)
        .distinct()
        .order_by("name")
        .values_list("pk", "name")
    )
    return FilterChoices(
        districts=[d for d in districts if _DISTRICT.match(d or "")],
        agencies=list(agencies),
    )


def _agency_id(agency: Organisation | uuid.UUID | str | None) -> Any:
    return agency.pk if isinstance(agency, Organisation) else agency or None


def _clean_minimum(minimum: Any) -> int:
    try:
        value = int(minimum)
    except (TypeError, ValueError):
        return int(settings.JOINEDUP_SEVERAL_AGENCIES)
    return max(1, value)


# ----------------------------------------------------------------------------- pages


def _page_of(rows: QuerySet[Any], page: Any) -> Page[Any]:
    """One page of a grouped listing, with the number of rows in the whole listing counted by
    the same query (``COUNT(*) OVER ()``): the grouping is the expensive part, so it is done
    once, not once for the count and again for the page. A page past the end gives the last
    page (two more queries), as ``Paginator.get_page`` does."""
    try:
        number = max(1, int(page))
    except (TypeError, ValueError, OverflowError):
        number = 1
    if number > MAX_PAGE:
        # Far past any listing's end, and too large for the database's OFFSET: the last page.
        number = max(1, -(-rows.count() // PAGE_SIZE))
    counted = rows.annotate(_total=Window(Count("*")))
    found = list(counted[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    if not found and number > 1:
        last = max(1, -(-rows.count() // PAGE_SIZE))
        return _page_of(rows, last) if last < number else _page_of(rows, 1)
    # The paginator only needs the length: a range of it stands in for the listing.
    paginator: Paginator[Any] = Paginator(range(found[0]["_total"] if found else 0), PAGE_SIZE)
    return Page(found, number, paginator)


# ----------------------------------------------------------------------------- the people list


@dataclass
class InsightPage:
    page: Page[Any]
    rows: list[ListedPerson]
    minimum: int
    area: str
    agency_id: Any
    today: date


def known_to_several(
    *,
    actor: Actor,
    minimum: int | None = None,
    area: str | None = None,
    agency: Organisation | uuid.UUID | str | None = None,
    page: Any = 1,
) -> InsightPage:
    """Active linked people known to ``minimum`` (default JOINEDUP_SEVERAL_AGENCIES) or more
    agencies, highest priority first, optionally only those whose latest postcode is in the
    district ``area`` or who are known to ``agency``; 25 to a page. Audited as one batch."""
    _require_insight(actor)
    today = timezone.localdate()
    wanted = _clean_minimum(minimum if minimum is not None else settings.JOINEDUP_SEVERAL_AGENCIES)
    area = (area or "").strip().upper()
    agency_id = _agency_id(agency)
    listing = _people(today=today, minimum=wanted, area=area, agency_id=agency_id).values(
        *_PERSON_COLUMNS
    )
    result = _page_of(listing, page)
    rows = _describe(actor, list(result.object_list), today)
    with transaction.atomic():
        record_events(
            actor=actor,
            action="view",
            entries=[
                *_name_entries(rows, PAGE_NAME),
                AuditEntry(
                    person_id=None,
                    detail={
                        "page": PAGE_NAME,
                        "list": "people",
                        "filters": {
                            "minimum agencies": wanted,
                            "area": area,
                            "agency": str(agency_id or ""),
                        },
                        "count": result.paginator.count,
                        "page number": result.number,
                        "linked people": [row.reference for row in rows],
                    },
                ),
            ],
        )
    return InsightPage(
        page=result, rows=rows, minimum=wanted, area=area, agency_id=agency_id, today=today
    )


# ----------------------------------------------------------------------------- households


def _household_key(records: QuerySet[Any]) -> QuerySet[Any]:
    """Records annotated with ``household``: "u:" and the UPRN (trimmed, without leading
    zeros) where there is one, else "a:" and the address (lower case, without spaces, commas
    and full stops) with the postcode (upper case, without spaces), else blank."""
    return (
        records.annotate(
            _uprn=Func(Trim("uprn"), Value("0"), function="LTRIM", output_field=CharField()),
            _address=Lower(
                Replace(
                    Replace(Replace(F("address"), Value(","), Value("")), Value("."), Value("")),
                    Value(" "),
                    Value(""),
                )
            ),
            _postcode=Upper(Replace(F("postcode"), Value(" "), Value(""))),
        )
        .annotate(
            household=Case(
                When(~Q(_uprn=""), then=Concat(Value("u:"), "_uprn")),
                When(
                    ~Q(_address="") & ~Q(_postcode=""),
                    then=Concat(Value("a:"), "_address", Value("|"), "_postcode"),
                ),
                default=Value(""),
                output_field=CharField(),
            )
        )
        .exclude(household="")
    )


def household_label(key: str) -> str:
    """A pseudonymous label for a household: a keyed hash of its key, so that the address
    cannot be worked out from it."""
    digest = hmac.new(settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256).hexdigest()
    return "H" + digest[:7].upper()


@dataclass
class ListedHousehold:
    label: str
    district: str
    agency_count: int
    member_count: int
    #: (reference, linked person id) of each member, by reference.
    members: list[tuple[str, uuid.UUID]]
    agencies: list[str]
    kinds: list[str]
    latest_extract: date | None


@dataclass
class HouseholdPage:
    page: Page[Any]
    rows: list[ListedHousehold]
    minimum: int
    area: str
    agency_id: Any


def households_known_to_several(
    *,
    actor: Actor,
    minimum: int | None = None,
    area: str | None = None,
    agency: Organisation | uuid.UUID | str | None = None,
    page: Any = 1,
) -> HouseholdPage:
    """Households of two or more active linked people whose records together come from
    ``minimum`` or more agencies, most agencies first; filters as for people (the area is the
    household's postcode district). No names. Audited as one event."""
    _require_insight(actor)
    wanted = _clean_minimum(minimum if minimum is not None else settings.JOINEDUP_SEVERAL_AGENCIES)
    area = (area or "").strip().upper()
    agency_id = _agency_id(agency)
    records = ExtractRecord.objects.filter(linked_person__status=LinkedPerson.Status.ACTIVE)
    keyed = _household_key(_with_district(records) if area else records)
    if area:
        keyed = keyed.filter(district=area)
    groups = (
        keyed.values("household")
        .annotate(
            agency_count=Count("linked_person__records__extract__organisation", distinct=True),
            member_count=Count("linked_person", distinct=True),
        )
        .filter(agency_count__gte=wanted, member_count__gte=2)
    )
    if agency_id:
        groups = groups.annotate(
            known_to_agency=Count(
                "linked_person__records",
                filter=Q(linked_person__records__extract__organisation_id=agency_id),
            )
        ).filter(known_to_agency__gt=0)
    groups = groups.order_by("-agency_count", "-member_count", "household")
    result = _page_of(groups, page)
    found = list(result.object_list)
    keys = [g["household"] for g in found]
    members: dict[str, dict[uuid.UUID, str]] = defaultdict(dict)
    districts: dict[str, str] = {}
    if keys:
        for key, person_id, reference, postcode in (
            _household_key(records)
            .filter(household__in=keys)
            .values_list("household", "linked_person_id", "linked_person__reference", "postcode")
        ):
            members[key][person_id] = reference
            parts = normalise_postcode(postcode) if postcode else None
            if parts:
                districts.setdefault(key, parts.split(" ")[0])
    member_ids = {pk for found_members in members.values() for pk in found_members}
    sources: dict[uuid.UUID, list[tuple[str, str, date]]] = defaultdict(list)
    for person_id, organisation, kind, taken in ExtractRecord.objects.filter(
        linked_person_id__in=member_ids
    ).values_list(
        "linked_person_id",
        "extract__organisation__name",
        "extract__source_kind",
        "extract__extract_date",
    ):
        sources[person_id].append((organisation, kind, taken))
    rows = []
    for group in found:
        key = group["household"]
        theirs = [s for pk in members[key] for s in sources[pk]]
        rows.append(
            ListedHousehold(
                label=household_label(key),
                district=districts.get(key, ""),
                agency_count=group["agency_count"],
                member_count=group["member_count"],
                members=sorted(((ref, pk) for pk, ref in members[key].items())),
                agencies=sorted({organisation for organisation, _, _ in theirs}),
                kinds=sorted(
                    {
                        str(SourceKind(kind).label) if kind in SourceKind.values else kind
                        for _, kind, _ in theirs
                    }
                ),
                latest_extract=max((taken for _, _, taken in theirs), default=None),
            )
        )
    with transaction.atomic():
        record_event(
            actor=actor,
            action="view",
            detail={
                "page": PAGE_NAME,
                "list": "households",
                "filters": {
                    "minimum agencies": wanted,
                    "area": area,
                    "agency": str(agency_id or ""),
                },
                "count": result.paginator.count,
                "page number": result.number,
                "households": [row.label for row in rows],
            },
        )
    return HouseholdPage(page=result, rows=rows, minimum=wanted, area=area, agency_id=agency_id)


# ----------------------------------------------------------------------------- one person


@dataclass
class PersonInsight:
    person: ListedPerson
    linked_person: LinkedPerson
    #: Every referral made from the list for them, newest first.
    referrals: list[ReferralMade]
    #: A referral still open: no second one may be made.
    open_referral: ReferralMade | None
    may_refer: bool
    #: What the referral form is pre-filled with.
    lawful_basis: str
    reason: str


def _one(actor: Actor, reference: str, today: date) -> tuple[LinkedPerson, ListedPerson]:
    found = list(_people(today=today, minimum=0, reference=reference).values(*_PERSON_COLUMNS))
    if not found:
        raise Http404("No such person on the list.")
    (row,) = _describe(actor, found, today)
    return LinkedPerson.objects.get(pk=row.linked_person_id), row


def may_refer(actor: Actor) -> bool:
    user = actor.user
    return bool(
        user is not None
        and user.is_active
        and actor.organisation_id is not None
        and user.has_any_role(REFERRING_ROLES)
    )


def default_lawful_basis(row: ListedPerson) -> str:
    """The lawful bases of the extracts the signals come from, each once."""
    bases: list[str] = []
    for agency in row.agencies:
        for source in agency.sources:
            if source.lawful_basis.strip() and source.lawful_basis.strip() not in bases:
                bases.append(source.lawful_basis.strip())
    return "\n".join(bases)


def default_reason(row: ListedPerson) -> str:
    counted = [r.text for r in row.reasons if r.points > 0]
    return (
        f"Identified by multi-agency data matching (linked person {row.reference}, priority "
        f"{row.priority}) for early intervention: " + "; ".join(counted) + "."
    )


def merged_family(linked_person: LinkedPerson) -> list[Any]:
    """The ids of ``linked_person`` and of every linked person merged into it, directly or
    through others (``LinkedPerson.absorbed``): a referral made for any of them is theirs."""
    ids = [linked_person.pk]
    frontier = [linked_person.pk]
    while frontier:
        frontier = [
            pk
            for pk in LinkedPerson.objects.filter(merged_into__in=frontier).values_list(
                "pk", flat=True
            )
            if pk not in ids
        ]
        ids.extend(frontier)
    return ids


def person_insight(*, actor: Actor, reference: str) -> PersonInsight:
    """One active linked person as the list shows them, with every referral made for them and
    what a referral would be pre-filled with. Audited (the name, if shown, and the page)."""
    _require_insight(actor)
    today = timezone.localdate()
    linked_person, row = _one(actor, reference, today)
    made = [
        _referral_made(actor, m)
        # With those made for the ids merged into this one: one open referral per person.
        for m in InsightReferral.objects.filter(linked_person__in=merged_family(linked_person))
        .select_related("referral")
        .order_by("-made_on", "-id")
    ]
    with transaction.atomic():
        record_events(
            actor=actor,
            action="view",
            entries=[
                *_name_entries([row], PAGE_NAME + ": person"),
                AuditEntry(
                    person_id=None,
                    detail={"page": PAGE_NAME + ": person", "linked person": row.reference},
                ),
            ],
        )
    return PersonInsight(
        person=row,
        linked_person=linked_person,
        referrals=made,
        open_referral=next((m for m in made if m.is_open), None),
        may_refer=may_refer(actor),
        lawful_basis=default_lawful_basis(row),
        reason=default_reason(row),
    )


def referral_organisations(*, actor: Actor) -> tuple[list[Organisation], Organisation | None]:
    """The organisations a referral may go to (every active one) and the default: the one that
    triages residents' own referrals (the hub), else the actor's own."""
    organisations = list(Organisation.objects.active().order_by("name"))
    try:
        default: Organisation | None = self_referral_organisation()
    except PermissionDenied:
        default = next((o for o in organisations if o.pk == actor.organisation_id), None)
    return organisations, default


# ----------------------------------------------------------------------------- the referral


class _AnyMemberOf:
    """The access policy's view of "someone at this organisation who works with people": what
    the organisation itself may see (its own records, and consents and approved lawful bases
    that name it), never anyone's break-glass, which is personal to the one who broke it."""

    pk = None
    is_active = True

    def has_any_role(self, roles: Iterable[str]) -> bool:
        return True


def organisation_may_see(*, actor: Actor, person: Person, organisation: Organisation) -> bool:
    """Whether ``organisation`` has its own basis for ``person``'s identity (the policy,
    asked on its behalf)."""
    on_behalf = Actor(
        user=_AnyMemberOf(),
        organisation_id=organisation.pk,
        request_id=actor.request_id,
        process="insight referral",
    )
    return access_to_person(actor=on_behalf, person=person).allows(IDENTITY)


_IDENTITY_FIELDS = ("first_name", "surname", "date_of_birth", "postcode", "phone", "email")


def _identity_from_records(linked_person: LinkedPerson, actor: Actor) -> dict[str, Any]:
    """The identity details of the most complete record (then the most recent) among those
    the referring officer's organisation may see, as a referral holds them, for triage's
    duplicate check."""
    from .selectors import record_access

    allowed = record_access(actor=actor)
    best: dict[str, Any] = {}
    best_rank: tuple[int, date, int] | None = None
    for record in (
        ExtractRecord.objects.filter(linked_person=linked_person)
        .order_by("-extract__extract_date", "-pk")
        .values(
            "pk",
            "extract__extract_date",
            "extract__organisation_id",
            "extract__agreement_id",
            *_IDENTITY_FIELDS,
        )
    ):
        if not allowed.basis(record["extract__organisation_id"], record["extract__agreement_id"]):
            continue
        born = _date_of_birth(record["date_of_birth"]) if record["date_of_birth"] else None
        postcode = normalise_postcode(record["postcode"]) if record["postcode"] else None
        email = record["email"].strip()
        try:
            validate_email(email)
        except ValidationError:
            email = ""
        values = {
            "given_name": record["first_name"].strip()[:100],
            "family_name": record["surname"].strip()[:100],
            "date_of_birth": born,
            "postcode": postcode or "",
            "phone": record["phone"].strip()[:32],
            "email": email,
        }
        rank = (
            sum(1 for v in values.values() if v),
            record["extract__extract_date"],
            record["pk"],
        )
        if best_rank is None or rank > best_rank:
            best, best_rank = values, rank
    return best


def _require_referrer(actor: Actor) -> None:
    if not may_refer(actor):
        raise PermissionDenied("Only data and insight officers refer people from this list.")


def refer_for_triage(
    *,
    actor: Actor,
    linked_person: LinkedPerson,
    to_organisation: Organisation,
    lawful_basis: str,
    reason: str,
) -> InsightReferral:
    """Refer a listed person for triage, on the lawful basis the data officer records.

    Makes a ``Referral`` (source: data matching; no consent) to ``to_organisation`` and the
    ``InsightReferral`` that keeps the lawful basis and the priority's reasons. The referral
    names the shared-record person when the receiving organisation already has a basis for
    their identity; otherwise it holds the most complete agency record's identity details for
    triage to match. Refused while an earlier referral for the same person is still open.
    Audited ("create", with the referral and the lawful basis)."""
    _require_referrer(actor)
    lawful_basis, reason = lawful_basis.strip(), reason.strip()
    errors: dict[str, str] = {}
    if not lawful_basis:
        errors["lawful_basis"] = "Enter the lawful basis for sharing their details"
    elif len(lawful_basis) > LAWFUL_BASIS_MAX:
        errors["lawful_basis"] = (
            f"The lawful basis must be {LAWFUL_BASIS_MAX:,} characters or fewer"
        )
    if not reason:
        errors["reason"] = "Enter why they should be triaged"
    elif len(reason) > REASON_MAX:
        errors["reason"] = f"The reason must be {REASON_MAX:,} characters or fewer"
    if to_organisation.archived_on is not None:
        errors["to_organisation"] = "Choose an organisation that is still in the partnership"
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        # One referral at a time per person: the row lock makes a second click (or a second
        # officer) wait, then see the first referral.
        locked = LinkedPerson.objects.select_for_update().get(pk=linked_person.pk)
        if locked.status != LinkedPerson.Status.ACTIVE:
            raise ValidationError("This person has been merged into another. Refer them instead.")
        earlier = (
            InsightReferral.objects.filter(
                linked_person__in=merged_family(locked),
                referral__status__in=OPEN_REFERRAL_STATUSES,
            )
            .select_related("referral")
            .first()
        )
        if earlier is not None:
            ours = earlier.referral.referred_by_organisation_id == actor.organisation_id
            raise ValidationError(
                f"{locked.reference} was already referred for triage on "
                f"{timezone.localtime(earlier.made_on):%-d %B %Y}"
                + (f" (referral {earlier.referral.reference})" if ours else "")
                + " and that referral is still open. A second referral cannot be made until it "
                "is closed or declined."
            )
        _, row = _one(actor, locked.reference, today)
        person = locked.person
        if person is not None and (
            person.archived_on is not None
            or not organisation_may_see(actor=actor, person=person, organisation=to_organisation)
        ):
            person = None
        identity = {} if person is not None else _identity_from_records(locked, actor)
        referral = Referral(
            person=person,
            source=Referral.Source.DATA_MATCHING,
            referred_by_organisation_id=actor.org,
            referred_by=actor.user,
            to_organisation=to_organisation,
            reason=reason,
            urgency=Referral.Urgency.ROUTINE,
            consent_to_share=False,
            received_on=now,
            respond_by=respond_by(
                organisation_id=to_organisation.pk,
                team_id=None,
                received=timezone.localdate(now),
                urgency=Referral.Urgency.ROUTINE,
            ),
            **identity,
        ).stamp(actor)
        referral.full_clean(exclude=["reference", "to_organisation", "person"])
        _save_referral(referral)
        made = InsightReferral.objects.create(
            linked_person=locked,
            referral=referral,
            lawful_basis=lawful_basis,
            reasons=[r.as_json() for r in row.reasons],
            priority=row.priority,
            made_by=actor.user,
            made_on=now,
        )
        record_event(
            actor=actor,
            action="create",
            # The shared record's person, if the matching linked them (for "who looked" and
            # subject access), whether or not the referral names the record.
            person_id=locked.person_id,
            categories=[IDENTITY],
            basis="lawful_basis",
            detail={
                "referral": referral.reference,
                "lawful basis": lawful_basis,
                "linked person": locked.reference,
                "to": to_organisation.name,
                "source": "data matching",
                "priority": row.priority,
            },
        )
    return made


def _save_referral(referral: Referral) -> None:
    for _ in range(5):
        referral.reference = new_reference()
        try:
            with transaction.atomic():
                referral.save()
        except IntegrityError:
            continue
        return
    raise IntegrityError("Could not find a free referral reference.")


def linked_person_for_referral(*, actor: Actor, reference: str) -> LinkedPerson:
    """The active linked person a referral is about to be made for (no personal data)."""
    _require_referrer(actor)
    try:
        return LinkedPerson.objects.get(reference=reference, status=LinkedPerson.Status.ACTIVE)
    except LinkedPerson.DoesNotExist as exc:
        raise Http404("No such person on the list.") from exc
