"""What a member of staff is shown of the performance measures (F15; issue 7, second review):
each figure exactly where it is about the work of the viewer's own organisation, and
small-number suppression for groups outside it.

Figures are counts, not personal data, but a filter can narrow one to a group so small (a team
or an area with one person in it) that it tells the viewer about someone whose record their
organisation neither holds nor has a basis to see. So, for a viewer (``docs/oba-measures.md``,
"Small numbers"):

- **The viewer's own organisation's work** is what the measure counts with the Partner
  organisation filter set to the viewer's organisation (its cases, the referrals sent to it,
  its triages, the actions it owns, the outcomes on its cases): the organisation that holds the
  record behind the figure, as in each partner's contribution and in the drill-down's access
  decision. With the viewer's organisation chosen, every figure is exact.
- **Outside it** is the figure less the viewer's organisation's own figure for the same filters:
  what a viewer could work out by asking for both. For each count behind a figure (its
  numerator; for a percentage also its denominator and the people not counted, denominator minus
  numerator) the part outside must be 0 or at least the threshold (``DisclosureControl``, the
  versioned setting the public view uses, 5 unless changed). Otherwise the figure is hidden: the
  value, the counts and the sum of pounds. This is primary suppression of the small group outside,
  and secondary suppression of the total that would give it away by subtraction.
- **A sum of pounds** has no count of people beside it, so its group is the people behind the
  outcomes it adds up that are held by another organisation, counted in the database.

The check costs no query of its own: each calculation works out the viewer's organisation's
part of a figure in the same query as the figure (``Scope.own_organisation_id``: conditional
aggregates beside the total), and a sum of pounds counts its people held elsewhere there too.

The drill-down (``people_counts_shown``) follows the same rule for its counts of people. The
staff dashboard (``selectors.dashboard.shared_dashboard``) applies it to each partner's
contribution (``hidden_contribution``).
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from joinedup.sharing.policy import works_with_people

from ..measures import CALCULATIONS, TOTAL, Calculation, Scope, is_money_calculation
from ..models import DisclosureControl, MeasureDefinition
from .measures import (
    MeasureFilters,
    MeasureResult,
    PeopleBehind,
    _result,
    _scope,
    active_definitions,
    measures_with_contributions,
)

if TYPE_CHECKING:
    from joinedup.core.actor import Actor


@dataclass(frozen=True)
class ShownResult:
    """A measure's figure as the viewer is shown it. ``hidden``: it would show a group of fewer
    than the threshold outside the viewer's organisation's work, so neither the value nor its
    counts are shown."""

    result: MeasureResult
    hidden: bool

    @property
    def definition(self) -> MeasureDefinition:
        return self.result.definition

    @property
    def code(self) -> str:
        return self.result.code


@dataclass
class ShownQuestionGroup:
    code: str
    question: str
    results: list[ShownResult] = field(default_factory=list)


@dataclass(frozen=True)
class ShownMeasures:
    """The measures page: the figures under the three questions, and the threshold they were
    checked against (for the page to say why a figure is hidden)."""

    groups: list[ShownQuestionGroup]
    threshold: int

    @property
    def any_hidden(self) -> bool:
        return any(result.hidden for group in self.groups for result in group.results)


def _small(count: Decimal | int, threshold: int) -> bool:
    size = -count if count < 0 else count
    return 0 < size < threshold


def _outside_counts(
    definition: MeasureDefinition, total: MeasureResult, own: MeasureResult | None
) -> list[Decimal]:
    """The counts behind a figure less the viewer's organisation's own: the numerator, and for a
    percentage also the denominator and the people not counted (denominator minus numerator)."""
    numerator = total.numerator - (own.numerator if own is not None else 0)
    counts = [numerator]
    if definition.unit == MeasureDefinition.Unit.PERCENT and total.denominator is not None:
        own_denominator = own.denominator if own is not None else None
        denominator = total.denominator - (own_denominator or 0)
        counts += [denominator, denominator - numerator]
    return counts


def hidden_contribution(*, result: MeasureResult, threshold: int) -> bool:
    """Whether another organisation's contribution (``result``, from
    ``measure_results_by_organisation``: all of it outside the viewer's organisation's work)
    must be hidden from the viewer: a count behind it (the numerator; for a percentage also the
    denominator and the people not counted; for a sum of pounds the people behind it, or, not
    counted, the sum itself) from 1 to ``threshold - 1``."""
    definition = result.definition
    if is_money_calculation(definition.calculation):
        # A sum counted without its people cannot be checked: hidden unless it is nothing.
        return result.numerator != 0 if result.people is None else _small(result.people, threshold)
    return any(_small(count, threshold) for count in _outside_counts(definition, result, None))


def _people_held_elsewhere(
    calculation: Calculation,
    scope: Scope,
    definition: MeasureDefinition,
    organisation_id: uuid.UUID | None,
) -> int:
    """The people behind a figure with a record (in it) held by an organisation other than
    ``organisation_id``: one count in the database."""
    records = calculation.people(scope, definition.parameters or {})
    queryset = records.queryset.order_by().filter(**{f"{records.person_field}__isnull": False})
    if organisation_id is not None:
        queryset = queryset.exclude(**{records.holder_field: organisation_id})
    return queryset.values(records.person_field).distinct().count()


def _people_held_by(
    calculation: Calculation,
    scope: Scope,
    definition: MeasureDefinition,
    organisation_id: uuid.UUID,
) -> int:
    """The people behind a figure with a record (in it) held by ``organisation_id``."""
    records = calculation.people(scope, definition.parameters or {})
    return (
        records.queryset.order_by()
        .filter(**{f"{records.person_field}__isnull": False, records.holder_field: organisation_id})
        .values(records.person_field)
        .distinct()
        .count()
    )


def _own_scope(actor: Actor, filters: MeasureFilters, scope: Scope) -> Scope | None:
    """The same filters narrowed to the viewer's organisation; None when nothing counted can be
    its work (no organisation, or another partner chosen). With the viewer's organisation
    already chosen, the scope itself."""
    own = actor.organisation_id
    if own is None or (filters.organisation_id is not None and filters.organisation_id != own):
        return None
    if filters.organisation_id == own:
        return scope
    return dataclasses.replace(scope, organisation_id=own)


def shown_measure_results(
    *,
    actor: Actor,
    filters: MeasureFilters,
    today: date | None = None,
    codes: set[str] | None = None,
    threshold: int | None = None,
) -> list[ShownResult]:
    """Every active measure (or those in ``codes``) for the filters, in page order, each marked
    hidden when it would show a small group outside the viewer's organisation's work (see the
    module's docstring), against ``threshold`` (by default the partnership's).

    One grouped query a measure (two for people engaged who moved into work), as for the
    figures alone: the viewer's own organisation's part of each figure, and for a sum of pounds
    the people held elsewhere, are counted in the same query (``Scope.own_organisation_id``).
    With another partner chosen the viewer's part is nothing (no record is held by both), so
    every count is outside. Only a viewer without an organisation costs one more count for
    each sum of pounds."""
    if threshold is None:
        threshold = DisclosureControl.current().threshold
    scope = _scope(filters, today)
    exact = _exact_for(actor, filters)
    own_id = None if exact else actor.organisation_id
    counted = dataclasses.replace(scope, own_organisation_id=own_id)
    shown = []
    for definition in active_definitions(codes):
        figures = CALCULATIONS[definition.calculation].figures(
            counted, definition.parameters or {}, False
        )
        total = _result(definition, figures.get(TOTAL))
        own = _result(definition, figures.get(own_id)) if own_id is not None else None
        hidden = not exact and _hidden_total(
            definition=definition,
            total=total,
            own=own,
            scope=scope,
            own_id=own_id,
            threshold=threshold,
        )
        shown.append(ShownResult(result=total, hidden=hidden))
    return shown


def _exact_for(actor: Actor, filters: MeasureFilters) -> bool:
    """Whether the filters choose the viewer's own organisation: all its own work, every
    figure exact."""
    return actor.organisation_id is not None and filters.organisation_id == actor.organisation_id


def _hidden_total(
    *,
    definition: MeasureDefinition,
    total: MeasureResult,
    own: MeasureResult | None,
    scope: Scope,
    own_id: uuid.UUID | None,
    threshold: int,
) -> bool:
    """Whether a figure (``total``, with ``own``: the viewer's organisation's part of it) would
    show a small group outside the viewer's organisation's work (the module's docstring). A sum
    of pounds counted without its people held elsewhere (a viewer without an organisation)
    has them counted here."""
    if is_money_calculation(definition.calculation):
        elsewhere = total.people
        if elsewhere is None:
            calculation = CALCULATIONS[definition.calculation]
            elsewhere = _people_held_elsewhere(calculation, scope, definition, own_id)
        return _small(elsewhere, threshold)
    return any(_small(count, threshold) for count in _outside_counts(definition, total, own))


@dataclass(frozen=True)
class ShownContributions:
    """A measure on the staff dashboard: the whole figure as the viewer is shown it, and each
    organisation's contribution as counted (check each with ``hidden_contribution``)."""

    shown: ShownResult
    by_organisation: dict[uuid.UUID, MeasureResult]


def shown_measures_with_contributions(
    *,
    actor: Actor,
    filters: MeasureFilters,
    today: date | None = None,
    codes: set[str] | None = None,
    threshold: int | None = None,
) -> list[ShownContributions]:
    """``shown_measure_results`` with each organisation's contribution, for the staff
    dashboard: the whole figure is checked by the same rule, from the same counts
    (``measures_with_contributions``: one grouped query a measure that counts records each
    held by one organisation, whose whole figure and viewer's part come from the figures by
    organisation; two for the others)."""
    if threshold is None:
        threshold = DisclosureControl.current().threshold
    exact = _exact_for(actor, filters)
    own_id = None if exact else actor.organisation_id
    scope = _scope(filters, today)
    result = []
    for measure in measures_with_contributions(
        actor=actor, filters=filters, today=today, codes=codes, own_organisation_id=own_id
    ):
        hidden = not exact and _hidden_total(
            definition=measure.definition,
            total=measure.total,
            own=measure.own,
            scope=scope,
            own_id=own_id,
            threshold=threshold,
        )
        result.append(
            ShownContributions(
                shown=ShownResult(result=measure.total, hidden=hidden),
                by_organisation=measure.by_organisation,
            )
        )
    return result


def shown_measures_by_question(
    *, actor: Actor, filters: MeasureFilters, today: date | None = None
) -> ShownMeasures:
    """The measures page: ``shown_measure_results`` under the three questions."""
    threshold = DisclosureControl.current().threshold
    groups = {
        code: ShownQuestionGroup(code=code, question=str(label))
        for code, label in MeasureDefinition.Question.choices
    }
    for result in shown_measure_results(
        actor=actor, filters=filters, today=today, threshold=threshold
    ):
        groups[result.definition.question].results.append(result)
    return ShownMeasures(groups=list(groups.values()), threshold=threshold)


@dataclass(frozen=True)
class PeopleCounts:
    """Whether the drill-down may count the people behind a figure, and the threshold used."""

    shown: bool
    threshold: int


def people_counts_shown(
    *,
    actor: Actor,
    filters: MeasureFilters,
    behind: PeopleBehind,
    today: date | None = None,
) -> PeopleCounts:
    """Whether the people behind a figure (``people_behind_measure``) may be counted for the
    viewer - how many there are, how many are not named - or only named.

    Only when the measures page shows the figure, and the people not named who are outside the
    viewer's organisation's work are none or at least the threshold: otherwise "1 more person
    you do not have access to" would tell of exactly the small group the page hides. For a
    viewer who works with people, everyone not named is counted as outside (the policy names
    their own organisation's people); for one who does not (a performance analyst, who is
    named no one), those not named less those with a record held by the viewer's organisation.
    """
    definition = behind.definition
    threshold = DisclosureControl.current().threshold
    figure = shown_measure_results(
        actor=actor, filters=filters, today=today, codes={definition.code}
    )
    if not figure or figure[0].hidden:
        return PeopleCounts(shown=False, threshold=threshold)
    unnamed = behind.hidden
    if not works_with_people(actor):
        scope = _scope(filters, today)
        own_scope = _own_scope(actor, filters, scope)
        held = 0
        if own_scope is scope:
            held = behind.total
        elif own_scope is not None and actor.organisation_id is not None:
            calculation = CALCULATIONS[definition.calculation]
            held = _people_held_by(calculation, scope, definition, actor.organisation_id)
        unnamed = behind.total - held
    return PeopleCounts(shown=not _small(unnamed, threshold), threshold=threshold)
