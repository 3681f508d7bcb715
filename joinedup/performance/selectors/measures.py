"""Reads for performance measures (F15): the figures for a programme, partner, team, area and
period, computed live from case data by the calculations in ``performance.measures``; the
definitions and their history for the "how we count" page; and the people behind a figure.

Figures are aggregate counts, not personal data, but the figures here are exact: a filter can
narrow one to a group small enough to tell a member of staff about someone outside their own
organisation's work. Pages show staff a figure only through ``selectors.measure_disclosure``
(``shown_measure_results``), which hides such small groups; the exact figures here are for
it, for the staff dashboard (which applies the same rule to each partner's contribution) and
for the public view (which applies its own disclosure control). The people behind a figure
are personal data: they are listed only when the access policy gives the viewer a basis for
the record behind the figure, and each person shown is audited; the others are counted but
not named (rules 1-3, SEC-14)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet, Value
from django.db.models.functions import Concat, Lower
from django.http import Http404
from django.utils import timezone

from joinedup.accounts.models import Organisation, Team
from joinedup.audit.services import AuditEntry, record_events
from joinedup.cases.models import Programme
from joinedup.people.models import Person
from joinedup.sharing.categories import IDENTITY
from joinedup.sharing.policy import access_to_people, records_seen_by, works_with_people

from ..measures import CALCULATIONS, TOTAL, Figure, Scope, placed, summed
from ..models import Area, DefinitionVersion, MeasureDefinition
from .areas import lsoa_codes_in

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

PEOPLE_PER_PAGE = 25
#: The longest period the page will count over, to keep the counting quick.
LONGEST_PERIOD_DAYS = 366 * 5


@dataclass(frozen=True)
class MeasureFilters:
    """What to count: the period (both ends included; by default the last 12 months) and
    optional programme, partner organisation, team and area."""

    date_from: date | None = None
    date_to: date | None = None
    programme_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    area_id: uuid.UUID | None = None

    def period(self, today: date) -> tuple[date, date]:
        date_to = self.date_to or today
        date_from = self.date_from or (date_to - timedelta(days=365))
        return date_from, date_to


@dataclass(frozen=True)
class MeasureResult:
    """One measure's figure: ``value`` is the number to show (a count, a percentage, a ratio
    or pounds), None when there is nothing to divide by. ``people``: for a sum of pounds, the
    people behind it when the calculation counted them (``measures.Figure.people``)."""

    definition: MeasureDefinition
    numerator: Decimal
    denominator: Decimal | None
    value: Decimal | None
    unit: str
    people: int | None = None

    @property
    def code(self) -> str:
        return self.definition.code

    @property
    def display(self) -> str:
        return format_value(self.value, self.unit)


@dataclass
class PersonBehind:
    person_id: uuid.UUID
    name: str


@dataclass
class PeopleBehind:
    definition: MeasureDefinition
    page: Page[PersonBehind]
    total: int
    hidden: int


def format_value(value: Decimal | None, unit: str) -> str:
    if value is None:
        return "No data"
    if unit == MeasureDefinition.Unit.PERCENT:
        return f"{value.quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    if unit == MeasureDefinition.Unit.MONEY:
        return f"£{value.quantize(Decimal('1'), ROUND_HALF_UP):,}"
    if unit == MeasureDefinition.Unit.RATIO:
        return f"{value.quantize(Decimal('0.1'), ROUND_HALF_UP)}"
    return f"{value.quantize(Decimal('1'), ROUND_HALF_UP):,}"


def _value(figure: Figure, unit: str) -> Decimal | None:
    if figure.denominator is None:
        return figure.numerator
    if not figure.denominator:
        return None
    ratio = figure.numerator / figure.denominator
    return ratio * 100 if unit == MeasureDefinition.Unit.PERCENT else ratio


def _result(definition: MeasureDefinition, figure: Figure | None) -> MeasureResult:
    figure = figure or Figure(
        Decimal(0), None if definition.unit == MeasureDefinition.Unit.COUNT else Decimal(0)
    )
    if definition.unit == MeasureDefinition.Unit.MONEY:
        figure = Figure(figure.numerator, None, figure.people)
    return MeasureResult(
        definition=definition,
        numerator=figure.numerator,
        denominator=figure.denominator,
        value=_value(figure, definition.unit),
        unit=definition.unit,
        people=figure.people,
    )


def _scope(filters: MeasureFilters, today: date | None = None) -> Scope:
    today = today or timezone.localdate()
    date_from, date_to = filters.period(today)
    codes: tuple[str, ...] | None = None
    if filters.area_id:
        area = Area.objects.filter(pk=filters.area_id).first()
        codes = tuple(lsoa_codes_in(area=area)) if area is not None else ()
    return placed(
        Scope(
            date_from=date_from,
            date_to=date_to,
            today=today,
            programme_id=filters.programme_id,
            organisation_id=filters.organisation_id,
            team_id=filters.team_id,
            lsoa_codes=codes,
        )
    )


def active_definitions(codes: set[str] | None = None) -> list[MeasureDefinition]:
    """The active definitions with a known calculation (only those in ``codes`` when given), in
    question and page order."""
    definitions = MeasureDefinition.objects.filter(active=True)
    if codes is not None:
        definitions = definitions.filter(code__in=codes)
    return [
        d
        for d in definitions.order_by("question", "order", "name")
        if d.calculation in CALCULATIONS
    ]


def measure_results(
    *,
    actor: Actor,
    filters: MeasureFilters,
    today: date | None = None,
    codes: set[str] | None = None,
) -> list[MeasureResult]:
    """Every active measure (or those in ``codes``) for the filters, in question and page
    order. About one grouped query per measure, whatever the size of the data."""
    scope = _scope(filters, today)
    results = []
    for definition in active_definitions(codes):
        calculation = CALCULATIONS[definition.calculation]
        figures = calculation.figures(scope, definition.parameters or {}, False)
        results.append(_result(definition, figures.get(TOTAL)))
    return results


def measure_results_by_organisation(
    *,
    actor: Actor,
    filters: MeasureFilters,
    today: date | None = None,
    codes: set[str] | None = None,
) -> dict[uuid.UUID, list[MeasureResult]]:
    """Each organisation's contribution: for every organisation with something counted, every
    active measure (or those in ``codes``; zero where it has nothing), in the same order as
    ``measure_results``; a sum of pounds with the people behind it (``MeasureResult.people``).
    One grouped query per measure (two for people engaged who moved into work)."""
    scope = _scope(filters, today)
    definitions = active_definitions(codes)
    per_measure = [
        CALCULATIONS[d.calculation].figures(scope, d.parameters or {}, True) for d in definitions
    ]
    organisations = sorted(
        {org for figures in per_measure for org in figures if org is not None}, key=str
    )
    return {
        org: [
            _result(definition, figures.get(org))
            for definition, figures in zip(definitions, per_measure, strict=True)
        ]
        for org in organisations
    }


@dataclass(frozen=True)
class CountedMeasure:
    """A measure counted for the whole scope and for each organisation (the dashboard):
    ``own`` is ``own_organisation_id``'s part of the whole figure (None when not asked for)."""

    definition: MeasureDefinition
    total: MeasureResult
    own: MeasureResult | None
    by_organisation: dict[uuid.UUID, MeasureResult]

    @property
    def code(self) -> str:
        return self.definition.code


def measures_with_contributions(
    *,
    actor: Actor,
    filters: MeasureFilters,
    today: date | None = None,
    codes: set[str] | None = None,
    own_organisation_id: uuid.UUID | None = None,
) -> list[CountedMeasure]:
    """Every active measure (or those in ``codes``) for the whole scope, with
    ``own_organisation_id``'s part (``Scope.own_organisation_id``), and by organisation, in
    page order: ``measure_results`` and ``measure_results_by_organisation`` together, for less.

    A calculation that counts records each held by one organisation (``additive``: referrals,
    triages, outcomes, actions, cases with a plan, job starts sustained) is counted once, by
    organisation, and its whole figure is the organisations' added up (the own part is the
    organisation's own figure). The others (people counted once however many partners help
    them, key workers, sums of pounds with the people behind them) count the whole scope, with
    the own part, in one more grouped query."""
    scope = _scope(filters, today)
    counted = replace(scope, own_organisation_id=own_organisation_id)
    measures = []
    for definition in active_definitions(codes):
        calculation = CALCULATIONS[definition.calculation]
        parameters = definition.parameters or {}
        by_org = calculation.figures(scope, parameters, True)
        if calculation.additive:
            total, own = summed(by_org), by_org.get(own_organisation_id)
        else:
            figures = calculation.figures(counted, parameters, False)
            total, own = figures.get(TOTAL), figures.get(own_organisation_id)
        measures.append(
            CountedMeasure(
                definition=definition,
                total=_result(definition, total),
                own=_result(definition, own) if own_organisation_id is not None else None,
                by_organisation={
                    org: _result(definition, figure)
                    for org, figure in by_org.items()
                    if org is not None
                },
            )
        )
    return measures


# ----------------------------------------------------------------------------- filter choices


def programme_choices(*, actor: Actor) -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Programme.objects.values_list("pk", "name")]


def organisation_choices(*, actor: Actor) -> list[tuple[str, str]]:
    return [
        (str(pk), name)
        for pk, name in Organisation.objects.filter(archived_on__isnull=True)
        .order_by("name")
        .values_list("pk", "name")
    ]


def team_choices(*, actor: Actor) -> list[tuple[str, str]]:
    return [
        (str(pk), f"{team} ({org})")
        for pk, team, org in Team.objects.filter(archived_on__isnull=True)
        .order_by("organisation__name", "name")
        .values_list("pk", "name", "organisation__name")
    ]


def area_choices(*, actor: Actor) -> list[tuple[str, str]]:
    return [
        (str(pk), f"{name} ({Area.Level(level).label})")
        for pk, name, level in Area.objects.exclude(level=Area.Level.LSOA)
        .order_by("level", "name")
        .values_list("pk", "name", "level")
    ]


# ----------------------------------------------------------------------------- definitions


def measure_definition(*, actor: Actor, code: str) -> MeasureDefinition:
    try:
        return MeasureDefinition.objects.get(code=code)
    except MeasureDefinition.DoesNotExist as exc:
        raise Http404("No such measure.") from exc


def how_we_count(*, actor: Actor) -> list[tuple[MeasureDefinition, list[DefinitionVersion]]]:
    """Every measure definition (active first) with its versions, newest first. Two queries."""
    definitions = list(MeasureDefinition.objects.order_by("-active", "question", "order", "name"))
    versions: dict[str, list[DefinitionVersion]] = {}
    for version in DefinitionVersion.objects.filter(
        kind=DefinitionVersion.Kind.MEASURE
    ).select_related("created_by"):
        versions.setdefault(version.code, []).append(version)
    return [(d, versions.get(d.code, [])) for d in definitions]


def definition_history(*, actor: Actor, kind: str, code: str) -> QuerySet[DefinitionVersion]:
    return DefinitionVersion.objects.filter(kind=kind, code=code).select_related("created_by")


# ----------------------------------------------------------------------------- drill-down


def people_behind_measure(
    *,
    actor: Actor,
    code: str,
    filters: MeasureFilters,
    page: Any = 1,
    today: date | None = None,
) -> PeopleBehind:
    """The people behind a measure's figure (its numerator) whom the viewer may see: those
    whose record behind the figure the access policy lets the viewer see (the calculation's
    information category, held by the organisation holding that record). The others are
    counted in ``hidden``. Each person shown is audited; if the audit cannot be written,
    nothing is returned (SEC-21).

    The work is in proportion to the page, not to the people behind the figure: the database
    counts them and picks the page by the policy's own condition (``records_seen_by``); the
    policy then decides again for just the people on the page, giving the basis audited, and
    anyone it does not allow is left off. A fixed number of queries, whatever the figure."""
    definition = measure_definition(actor=actor, code=code)
    calculation = CALCULATIONS.get(definition.calculation)
    if calculation is None:
        raise Http404("No such measure.")
    behind = calculation.people(_scope(filters, today), definition.parameters or {})
    person_field, holder_field = behind.person_field, behind.holder_field
    records = behind.queryset.order_by().filter(**{f"{person_field}__isnull": False})
    total = records.values(person_field).distinct().count()
    categories = sorted({IDENTITY, calculation.category})
    visible = Person.objects.none()
    if works_with_people(actor):
        seen = records.filter(
            records_seen_by(
                actor=actor,
                categories=categories,
                person_field=person_field,
                holder_field=holder_field,
            )
        ).values(person_field)
        visible = Person.objects.filter(pk__in=seen, archived_on__isnull=True)
    listing = (
        visible.annotate(sort_name=Lower(Concat("given_name", Value(" "), "family_name")))
        .order_by("sort_name", "pk")
        .only("pk", "given_name", "family_name", "registered_by_id")
    )
    paginator: Paginator[Any] = Paginator(listing, PEOPLE_PER_PAGE)
    shown = paginator.get_page(page)
    on_page: list[Person] = list(shown.object_list)
    holders: dict[uuid.UUID, set[Any]] = {}
    if on_page:
        for person_id, holder_id in (
            records.filter(**{f"{person_field}__in": [p.pk for p in on_page]})
            .values_list(person_field, holder_field)
            .distinct()
        ):
            holders.setdefault(person_id, set()).add(holder_id)
    access = access_to_people(actor=actor, people=on_page) if on_page else {}
    rows: list[PersonBehind] = []
    decisions: dict[uuid.UUID, str] = {}
    for person in on_page:
        person_access = access[person.pk]
        # The viewer's own organisation's record first: the plainest basis to audit.
        for holder_id in sorted(
            holders.get(person.pk, ()), key=lambda h: (h != actor.organisation_id, str(h))
        ):
            decision = person_access.decide(calculation.category, holder_id)
            if decision.allowed and person_access.allows(IDENTITY, holder_id):
                rows.append(
                    PersonBehind(
                        person_id=person.pk, name=f"{person.given_name} {person.family_name}"
                    )
                )
                decisions[person.pk] = decision.basis.value
                break
    record_events(
        actor=actor,
        action="view",
        entries=[
            AuditEntry(
                person_id=row.person_id,
                categories=categories,
                basis=decisions[row.person_id],
                detail={"page": "performance measure people", "measure": definition.code},
            )
            for row in rows
        ],
    )
    return PeopleBehind(
        definition=definition,
        page=Page(rows, shown.number, paginator),
        total=total,
        hidden=total - paginator.count,
    )
