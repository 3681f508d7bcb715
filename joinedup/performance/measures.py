"""The calculations behind the performance measures (F15).

A ``MeasureDefinition`` row names a calculation by its key in ``CALCULATIONS`` and gives it
``parameters``; the words (name, how we count) live in the row, the counting lives here. Each
calculation counts in the database with one or two grouped queries, whatever the size of the
data, and answers either for the whole scope or for each organisation in it.

This module reads case data for aggregate counts only (counts are not personal data). The
people behind a figure are listed only through ``selectors.measures.people_behind_measure``,
which asks the access policy and audits what it shows: a calculation gives it the records
behind its numerator as a query (``Records``), never a list of people, so the list can be
counted and paged in the database whatever its length.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from joinedup.accounts.models import Membership
from joinedup.assessments.models import AreaScore, Assessment
from joinedup.cases.models import Action
from joinedup.cases.models import Case as CaseRecord
from joinedup.core.working_days import add_working_days
from joinedup.outcomes.models import Outcome
from joinedup.people.models import Person
from joinedup.referrals.models import Referral
from joinedup.sharing.categories import IDENTITY, MONEY_DEBT, WORK_SKILLS
from joinedup.triage.models import Triage

#: A figure for the whole scope has this key instead of an organisation id.
TOTAL = None

TRAINING_KINDS = ("training_started", "training_completed", "qualification")


#: The most people outside an area that the area filter will name (see ``placed``).
MOST_OUTSIDE = 2000


@dataclass(frozen=True)
class Scope:
    """What to count: the period (both ends included) and the filters, already resolved.
    ``lsoa_codes`` is None for no area filter (an empty list is an area with no LSOAs).
    ``outside``, set by ``placed``, is every person not in the area when they are few.

    ``own_organisation_id`` is for the small-number check (``selectors.measure_disclosure``):
    when it is set, a calculation answering for the whole scope also answers, in the same
    query, for that organisation's own part of the figure, under its key (what it would count
    with ``organisation_id`` set to it); and a sum of pounds counts the people behind it with
    an outcome held by another organisation (``Figure.people``)."""

    date_from: date
    date_to: date
    today: date
    programme_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    lsoa_codes: tuple[str, ...] | None = None
    outside: tuple[uuid.UUID, ...] | None = None
    own_organisation_id: uuid.UUID | None = None

    @property
    def counted_to(self) -> date:
        """The last day that can have happened: the end of the period, or yesterday."""
        return min(self.date_to, self.today - timedelta(days=1))


@dataclass(frozen=True)
class Figure:
    """A count (``numerator``), or a share or ratio (with its ``denominator``), or a sum of
    pounds. For a sum of pounds ``people`` is how many people are behind it, for the
    small-number check: by organisation, everyone behind that organisation's sum; for the whole
    scope with ``Scope.own_organisation_id``, those with an outcome in it held by any other
    organisation. None where not counted."""

    numerator: Decimal
    denominator: Decimal | None = None
    people: int | None = None


Figures = dict[uuid.UUID | None, Figure]


@dataclass(frozen=True)
class Records:
    """The records behind a figure's numerator, as a query: each is about the person in
    ``person_field`` and held by the organisation in ``holder_field``."""

    queryset: QuerySet[Any]
    person_field: str = "person_id"
    holder_field: str = "organisation_id"


@dataclass(frozen=True)
class Calculation:
    """A way of counting. ``figures`` answers per organisation (or TOTAL); ``people`` gives the
    records behind the numerator (who they are about and which organisation holds them);
    ``category`` is the information category a viewer needs to be shown those people.
    ``additive``: it counts records each held by one organisation (the field it groups by),
    so the figure for the whole scope is the sum of the organisations' figures, and an
    organisation's own part is its figure by organisation (``summed``)."""

    key: str
    label: str
    figures: Callable[[Scope, Mapping[str, Any], bool], Figures]
    people: Callable[[Scope, Mapping[str, Any]], Records]
    category: str = IDENTITY
    parameters: Mapping[str, type] = field(default_factory=dict)
    additive: bool = False


CALCULATIONS: dict[str, Calculation] = {}


def register(calculation: Calculation) -> Calculation:
    CALCULATIONS[calculation.key] = calculation
    return calculation


def summed(figures: Figures) -> Figure | None:
    """The whole scope's figure of an ``additive`` calculation from its figures by
    organisation: the numerators added up, and the denominators (None when no organisation
    has anything counted)."""
    parts = [figure for org, figure in figures.items() if org is not TOTAL]
    if not parts:
        return None
    denominators = [f.denominator for f in parts if f.denominator is not None]
    return Figure(
        sum((f.numerator for f in parts), Decimal(0)),
        sum(denominators, Decimal(0)) if denominators else None,
    )


# ----------------------------------------------------------------------------- helpers


def _team_members(team_id: uuid.UUID) -> QuerySet[Any]:
    return Membership.objects.filter(team_id=team_id).values("user_id")


def _placements(codes: tuple[str, ...]) -> tuple[Q, Q]:
    """People in the LSOAs ``codes``, as two conditions on a person: by the LSOA on their
    record, or, where it is blank, by their postcode in the ONS postcode lookup (so people are
    placed in areas by postcode)."""
    from .models import PostcodeArea

    postcodes = PostcodeArea.objects.filter(lsoa__code__in=list(codes)).values("postcode")
    return Q(lsoa_code__in=list(codes)), Q(lsoa_code="", postcode__in=postcodes)


def _placed_in(codes: tuple[str, ...]) -> Q:
    by_lsoa, by_postcode = _placements(codes)
    return by_lsoa | by_postcode


def placed(scope: Scope) -> Scope:
    """Place the people in the area once for the request, before counting.

    Each measure would otherwise look up the placement of everyone its records are about
    (a join with the people table in every query). An area holding all but a few of the
    people known (a whole district, say) is better said as "anyone but these": one query
    here finds the people outside it, and when there are at most ``MOST_OUTSIDE`` of them
    the measures leave out just those, without reading anyone's placement again. Otherwise
    each measure places people itself, from the index of LSOA and postcode."""
    if scope.lsoa_codes is None or scope.outside is not None:
        return scope
    outside = list(
        Person.objects.exclude(_placed_in(scope.lsoa_codes))
        .order_by()
        .values_list("pk", flat=True)[: MOST_OUTSIDE + 1]
    )
    if len(outside) > MOST_OUTSIDE:
        return scope
    return replace(scope, outside=tuple(outside))


def _in_area(scope: Scope, prefix: str = "", *, may_have_no_person: bool = False) -> Q:
    """Records (about the person reached by ``prefix``) of people in the scope's area. A
    record with no person (``may_have_no_person``: a referral before it is matched) is in no
    area."""
    assert scope.lsoa_codes is not None
    person = f"{prefix}person_id"
    if scope.outside is None:
        # Two lists of people, each read from the placement index, that records are looked up
        # in: cheaper than a join testing every person's LSOA or postcode.
        by_lsoa, by_postcode = _placements(scope.lsoa_codes)
        return Q(**{f"{person}__in": Person.objects.filter(by_lsoa).values("pk")}) | Q(
            **{f"{person}__in": Person.objects.filter(by_postcode).values("pk")}
        )
    q = Q(**{f"{person}__isnull": False}) if may_have_no_person else Q()
    if scope.outside:
        q &= ~Q(**{f"{person}__in": scope.outside})
    return q


def _case_filter(scope: Scope, prefix: str = "") -> Q:
    """The programme, lead organisation, team (the key worker's) and area filters, on a case
    reached by ``prefix`` (e.g. ``"case__"``)."""
    q = Q()
    if scope.programme_id:
        q &= Q(**{f"{prefix}programme_id": scope.programme_id})
    if scope.organisation_id:
        q &= Q(**{f"{prefix}organisation_id": scope.organisation_id})
    if scope.team_id:
        q &= Q(**{f"{prefix}key_worker_id__in": _team_members(scope.team_id)})
    if scope.lsoa_codes is not None:
        q &= _in_area(scope, prefix)
    return q


def _active_in_period(scope: Scope, prefix: str = "") -> Q:
    return Q(**{f"{prefix}opened_on__lte": scope.date_to}) & (
        Q(**{f"{prefix}closed_on__isnull": True})
        | Q(**{f"{prefix}closed_on__gte": scope.date_from})
    )


def _dec(value: Any) -> Decimal:
    return Decimal(value or 0)


def _narrowed(aggregate: Any, condition: Q) -> Any:
    """``aggregate`` counting only the rows that also meet ``condition`` (a FILTER clause, or
    CASE WHEN on databases without one). ``condition`` is tested first, so a costlier filter
    of the aggregate's own (a subquery) is not worked out again for the rows it leaves out."""
    narrowed = aggregate.copy()
    narrowed.filter = condition if aggregate.filter is None else condition & aggregate.filter
    return narrowed


def _grouped(
    qs: QuerySet[Any],
    org_field: str,
    by_organisation: bool,
    *,
    own: uuid.UUID | None = None,
    **aggregates: Any,
) -> list[dict[str, Any]]:
    """One query: the aggregates for the whole scope, or per organisation (key ``org``).

    For the whole scope with ``own`` (``Scope.own_organisation_id``), the same query also gives
    each aggregate over just the records ``own`` holds (``org_field``), as a second row keyed
    ``own``: what the calculation counts with the organisation filter set to ``own``, since
    each calculation filters an organisation by the field it groups by."""
    qs = qs.order_by()
    if by_organisation:
        return list(qs.values(org=F(org_field)).annotate(**aggregates))
    if own is None:
        return [{"org": TOTAL, **qs.aggregate(**aggregates)}]
    held = Q(**{org_field: own})
    row = qs.aggregate(
        **aggregates,
        **{f"own__{name}": _narrowed(aggregate, held) for name, aggregate in aggregates.items()},
    )
    return [
        {"org": TOTAL, **{name: row[name] for name in aggregates}},
        {"org": own, **{name: row[f"own__{name}"] for name in aggregates}},
    ]


def _count_figures(rows: list[dict[str, Any]]) -> Figures:
    return {row["org"]: Figure(_dec(row["n"])) for row in rows}


def _records_counted(records: QuerySet[Any], org_field: str, scope: Scope, by_org: bool) -> Figures:
    """How many ``records``: for the whole scope with the viewer's own part, or by
    organisation (``org_field``)."""
    return _count_figures(
        _grouped(records, org_field, by_org, own=scope.own_organisation_id, n=Count("id"))
    )


def _share_figures(rows: list[dict[str, Any]]) -> Figures:
    return {row["org"]: Figure(_dec(row["n"]), _dec(row["d"])) for row in rows}


def _people(qs: QuerySet[Any], holder_field: str) -> Records:
    return Records(qs.order_by(), "person_id", holder_field)


# ----------------------------------------------------------------------------- how much


def _cases_engaged(scope: Scope) -> QuerySet[Any]:
    return CaseRecord.objects.filter(_case_filter(scope) & _active_in_period(scope))


register(
    Calculation(
        key="people_engaged",
        label="People with a case open at any time in the period",
        figures=lambda scope, params, by_org: _count_figures(
            _grouped(
                _cases_engaged(scope),
                "organisation_id",
                by_org,
                own=scope.own_organisation_id,
                n=Count("person_id", distinct=True),
            )
        ),
        people=lambda scope, params: _people(_cases_engaged(scope), "organisation_id"),
    )
)


def _day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the partnership's time zone."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _on_days(field_name: str, scope: Scope) -> Q:
    """``field_name`` (a date and time) falls on a day of the period: a range the database can
    answer from an index, with no per-row date conversion."""
    return Q(
        **{
            f"{field_name}__gte": _day_start(scope.date_from),
            f"{field_name}__lt": _day_start(scope.date_to + timedelta(days=1)),
        }
    )


def _referral_filter(scope: Scope) -> Q:
    q = _on_days("received_on", scope)
    if scope.programme_id:
        q &= Q(triage__case__programme_id=scope.programme_id)
    if scope.organisation_id:
        q &= Q(to_organisation_id=scope.organisation_id)
    if scope.team_id:
        q &= Q(to_team_id=scope.team_id)
    if scope.lsoa_codes is not None:
        q &= _in_area(scope, may_have_no_person=True)
    return q


def _referrals(scope: Scope) -> QuerySet[Any]:
    return Referral.objects.filter(_referral_filter(scope))


register(
    Calculation(
        key="referrals_received",
        label="Referrals received in the period",
        figures=lambda scope, params, by_org: _records_counted(
            _referrals(scope), "to_organisation_id", scope, by_org
        ),
        people=lambda scope, params: _people(_referrals(scope), "to_organisation_id"),
        additive=True,
    )
)


def _triages(scope: Scope) -> QuerySet[Any]:
    q = _on_days("completed_on", scope)
    if scope.programme_id:
        q &= Q(case__programme_id=scope.programme_id)
    if scope.organisation_id:
        q &= Q(organisation_id=scope.organisation_id)
    if scope.team_id:
        q &= Q(triaged_by_id__in=_team_members(scope.team_id))
    if scope.lsoa_codes is not None:
        q &= _in_area(scope)
    return Triage.objects.filter(q)


register(
    Calculation(
        key="triages_completed",
        label="Triages completed in the period",
        figures=lambda scope, params, by_org: _records_counted(
            _triages(scope), "organisation_id", scope, by_org
        ),
        people=lambda scope, params: _people(_triages(scope), "organisation_id"),
        additive=True,
    )
)


def _outcomes(scope: Scope, kinds: Any) -> QuerySet[Any]:
    """Outcomes of ``kinds`` in the period, by their case's programme, organisation and team,
    and placed in an area by the person they are about (always their case's person), which
    spares the join with the case when only the area is chosen."""
    q = _case_filter(replace(scope, lsoa_codes=None), "case__")
    if scope.lsoa_codes is not None:
        q &= _in_area(scope)
    return Outcome.objects.filter(
        q,
        kind__in=list(kinds),
        achieved_on__gte=scope.date_from,
        achieved_on__lte=scope.date_to,
    )


def _kinds(params: Mapping[str, Any], default: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(params.get("kinds") or default)


register(
    Calculation(
        key="outcomes_recorded",
        label="Outcomes of the given kinds achieved in the period",
        figures=lambda scope, params, by_org: _records_counted(
            _outcomes(scope, _kinds(params, TRAINING_KINDS)), "case__organisation_id", scope, by_org
        ),
        people=lambda scope, params: _people(
            _outcomes(scope, _kinds(params, TRAINING_KINDS)), "organisation_id"
        ),
        category=WORK_SKILLS,
        parameters={"kinds": list},
        additive=True,
    )
)


# ----------------------------------------------------------------------------- how well


def _referrals_due(scope: Scope) -> QuerySet[Any]:
    """Referrals received in the period that have been answered or are past their answer-by
    date (those still within their time are not counted either way)."""
    return _referrals(scope).filter(Q(responded_on__isnull=False) | Q(respond_by__lt=scope.today))


_ANSWERED_ON_TIME = Q(responded_on__isnull=False, responded_on__date__lte=F("respond_by"))

register(
    Calculation(
        key="referrals_answered_on_time",
        label="Share of referrals answered by their answer-by date",
        figures=lambda scope, params, by_org: _share_figures(
            _grouped(
                _referrals_due(scope),
                "to_organisation_id",
                by_org,
                own=scope.own_organisation_id,
                n=Count("id", filter=_ANSWERED_ON_TIME),
                d=Count("id"),
            )
        ),
        people=lambda scope, params: _people(
            _referrals_due(scope).filter(_ANSWERED_ON_TIME), "to_organisation_id"
        ),
        additive=True,
    )
)


def _first_day(model: Any) -> TruncDate:
    """The day the case's first ``model`` (goal or action) was recorded: one row read through
    the case index, returned as a date (cheap to read back)."""
    return TruncDate(
        Subquery(
            model.objects.filter(case_id=OuterRef("pk"))
            .order_by("created_on")
            .values("created_on")[:1],
            output_field=DateTimeField(),
        )
    )


def _plan_cases(scope: Scope) -> QuerySet[Any]:
    """Cases opened in the period, with the day of their first goal and first action."""
    from joinedup.cases.models import Goal

    return (
        CaseRecord.objects.filter(
            _case_filter(scope), opened_on__gte=scope.date_from, opened_on__lte=scope.date_to
        )
        .order_by()
        .annotate(goal_day=_first_day(Goal), action_day=_first_day(Action))
    )


class _Deadlines(dict[date, date]):
    """The last day for a plan, by the day the case opened (worked out once a day)."""

    def __init__(self, working_days: int) -> None:
        super().__init__()
        self.working_days = working_days

    def __missing__(self, opened: date) -> date:
        self[opened] = due = add_working_days(opened, self.working_days)
        return due


def _plan_verdict(
    deadlines: _Deadlines, today: date, opened: date, goal_day: Any, action_day: Any
) -> bool | None:
    """True: a plan by the deadline; False: late or none after the deadline; None: not
    counted (no plan yet, and the deadline has not passed)."""
    due = deadlines[opened]
    made = [day for day in (goal_day, action_day) if day is not None]
    if not made:
        return None if due >= today else False
    return min(made) <= due


def _plan_figures(scope: Scope, params: Mapping[str, Any], by_org: bool) -> Figures:
    """One query: cases grouped by lead organisation, opening day and the days of their first
    goal and action (a few thousand groups at most a year); the working-day deadline of each
    opening day is worked out here, from the bank holiday calendar. The groups carry their
    organisation, so ``Scope.own_organisation_id``'s part is tallied from the same rows."""
    deadlines = _Deadlines(int(params.get("working_days", 10)))
    rows = (
        _plan_cases(scope)
        .values_list("organisation_id", "opened_on", "goal_day", "action_day")
        .annotate(n=Count("id"))
    )
    own = None if by_org else scope.own_organisation_id
    tallies: dict[uuid.UUID | None, list[int]] = {} if by_org else {TOTAL: [0, 0]}
    if own is not None:
        tallies[own] = [0, 0]
    for org_id, opened, goal_day, action_day, n in rows:
        verdict = _plan_verdict(deadlines, scope.today, opened, goal_day, action_day)
        if verdict is None:
            continue
        keys = [org_id] if by_org else [TOTAL]
        if own is not None and org_id == own:
            keys.append(own)
        for key in keys:
            tally = tallies.setdefault(key, [0, 0])
            tally[0] += n if verdict else 0
            tally[1] += n
    return {key: Figure(Decimal(n), Decimal(d)) for key, (n, d) in tallies.items()}


def _plan_people(scope: Scope, params: Mapping[str, Any]) -> Records:
    """The cases with a plan in time (``_plan_verdict`` True), as a query: each opening day's
    deadline is worked out here (one small query for the opening days) and compared in the
    database with the days of the first goal and action."""
    deadlines = _Deadlines(int(params.get("working_days", 10)))
    cases = _plan_cases(scope)
    days = cases.values_list("opened_on", flat=True).distinct()
    whens = [When(opened_on=day, then=Value(deadlines[day])) for day in sorted(days)]
    if not whens:
        return Records(CaseRecord.objects.none())
    in_time = cases.annotate(due=Case(*whens, output_field=DateField())).filter(
        Q(goal_day__lte=F("due")) | Q(action_day__lte=F("due"))
    )
    return Records(in_time)


register(
    Calculation(
        key="plan_within_working_days",
        label="Share of cases opened in the period with a plan within N working days",
        figures=_plan_figures,
        people=_plan_people,
        parameters={"working_days": int},
        additive=True,
    )
)


def _caseload_cases(scope: Scope) -> QuerySet[Any]:
    """Cases open on the last day of the period."""
    return CaseRecord.objects.filter(
        _case_filter(scope),
        Q(closed_on__isnull=True) | Q(closed_on__gt=scope.date_to),
        opened_on__lte=scope.date_to,
    )


register(
    Calculation(
        key="caseload_per_worker",
        label="Cases open at the end of the period per key worker holding them",
        figures=lambda scope, params, by_org: _share_figures(
            _grouped(
                _caseload_cases(scope),
                "organisation_id",
                by_org,
                own=scope.own_organisation_id,
                n=Count("id"),
                d=Count("key_worker_id", distinct=True),
            )
        ),
        people=lambda scope, params: _people(_caseload_cases(scope), "organisation_id"),
    )
)


def _actions_due(scope: Scope) -> QuerySet[Any]:
    """Plan actions due in the period (up to yesterday), not cancelled. The organisation
    filter picks the partner that owns the action."""
    q = _case_filter(replace(scope, organisation_id=None), "case__")
    if scope.organisation_id:
        q &= Q(owner_organisation_id=scope.organisation_id)
    return Action.objects.filter(
        q, due_on__gte=scope.date_from, due_on__lte=scope.counted_to
    ).exclude(status=Action.Status.CANCELLED)


_DONE_ON_TIME = Q(status=Action.Status.DONE, completed_on__isnull=False) & Q(
    completed_on__lte=F("due_on")
)

register(
    Calculation(
        key="actions_done_on_time",
        label="Share of partner actions due in the period that were done by their due date",
        figures=lambda scope, params, by_org: _share_figures(
            _grouped(
                _actions_due(scope),
                "owner_organisation_id",
                by_org,
                own=scope.own_organisation_id,
                n=Count("id", filter=_DONE_ON_TIME),
                d=Count("id"),
            )
        ),
        people=lambda scope, params: Records(
            _actions_due(scope).filter(_DONE_ON_TIME).order_by(),
            "case__person_id",
            "owner_organisation_id",
        ),
        additive=True,
    )
)


# ----------------------------------------------------------------------------- better off

_JOB_START = ("job_start",)

register(
    Calculation(
        key="people_into_work",
        label="People who started a job in the period",
        figures=lambda scope, params, by_org: _count_figures(
            _grouped(
                _outcomes(scope, _JOB_START),
                "case__organisation_id",
                by_org,
                own=scope.own_organisation_id,
                n=Count("person_id", distinct=True),
            )
        ),
        people=lambda scope, params: _people(_outcomes(scope, _JOB_START), "organisation_id"),
        category=WORK_SKILLS,
    )
)


def _into_work_share(scope: Scope, params: Mapping[str, Any], by_org: bool) -> Figures:
    """Of the people engaged, those with a job start in the period on a case that was open in
    it. Two grouped queries (people engaged; people into work), not a per-case subquery."""
    engaged = _count_figures(
        _grouped(
            _cases_engaged(scope),
            "organisation_id",
            by_org,
            own=scope.own_organisation_id,
            n=Count("person_id", distinct=True),
        )
    )
    started = _count_figures(
        _grouped(
            _outcomes(scope, _JOB_START).filter(_active_in_period(scope, "case__")),
            "case__organisation_id",
            by_org,
            own=scope.own_organisation_id,
            n=Count("person_id", distinct=True),
        )
    )
    return {
        org: Figure(started[org].numerator if org in started else Decimal(0), figure.numerator)
        for org, figure in engaged.items()
    }


register(
    Calculation(
        key="people_into_work_share",
        label="Share of people engaged in the period who started a job in it",
        figures=_into_work_share,
        people=lambda scope, params: _people(
            _outcomes(scope, _JOB_START).filter(_active_in_period(scope, "case__")),
            "organisation_id",
        ),
        category=WORK_SKILLS,
    )
)


def _job_starts_reaching(scope: Scope, weeks: int) -> QuerySet[Any]:
    """Job starts in the period that had reached ``weeks`` weeks by its end (or yesterday)."""
    last_start = scope.counted_to - timedelta(weeks=weeks)
    return _outcomes(scope, _JOB_START).filter(achieved_on__lte=last_start)


def _sustained(weeks: int) -> Exists:
    return Exists(Outcome.objects.filter(job_start_id=OuterRef("pk"), weeks__gte=weeks))


def _sustained_figures(scope: Scope, params: Mapping[str, Any], by_org: bool) -> Figures:
    weeks = int(params.get("weeks", 13))
    return _share_figures(
        _grouped(
            _job_starts_reaching(scope, weeks),
            "case__organisation_id",
            by_org,
            own=scope.own_organisation_id,
            n=Count("id", filter=Q(_sustained(weeks))),
            d=Count("id"),
        )
    )


def _sustained_people(scope: Scope, params: Mapping[str, Any]) -> Records:
    weeks = int(params.get("weeks", 13))
    return _people(_job_starts_reaching(scope, weeks).filter(_sustained(weeks)), "organisation_id")


register(
    Calculation(
        key="jobs_sustained",
        label="Share of job starts that reached N weeks and were still in work at N weeks",
        figures=_sustained_figures,
        people=_sustained_people,
        category=WORK_SKILLS,
        parameters={"weeks": int},
        additive=True,
    )
)


@dataclass(frozen=True)
class _Progress:
    improved: bool
    case_id: uuid.UUID  # the case that places the person with their lead organisation
    organisations: frozenset[uuid.UUID]  # every organisation with a case of theirs engaged


def _complex_progress(
    scope: Scope, params: Mapping[str, Any]
) -> dict[tuple[uuid.UUID, uuid.UUID], _Progress]:
    """For each (person, lead organisation) engaged in the period whose first assessment had at
    least ``min_issues`` complex issues and who has a later assessment by the end of the
    period: did they improve (a higher score) in at least ``min_improved`` areas? With the
    case that places them with that organisation, and every organisation engaging them (the
    person counts in each one's own figure, as with the organisation filter).

    Two grouped queries: the complex people's first and latest assessments, then the scores
    of just those assessments."""
    min_issues = int(params.get("min_issues", 4))
    min_improved = int(params.get("min_improved", 2))
    engaged = _cases_engaged(scope).order_by().values("person_id")
    assessments = Assessment.objects.filter(
        person_id__in=engaged, assessed_on__lte=scope.date_to, scores__score__isnull=False
    ).order_by()
    spans = {
        row["person_id"]: (row["first"], row["last"])
        for row in assessments.values("person_id").annotate(
            first=Min("assessed_on"), last=_max_date("assessed_on")
        )
        if row["first"] != row["last"]
    }
    if not spans:
        return {}
    rows = (
        AreaScore.objects.filter(
            assessment__person_id__in=list(spans), assessment__assessed_on__lte=scope.date_to
        )
        .order_by("assessment__assessed_on", "assessment__created_on")
        .values_list(
            "assessment__person_id",
            "assessment__assessed_on",
            "area_id",
            "score",
            "complex_issue",
        )
    )
    first: dict[uuid.UUID, dict[Any, tuple[int | None, bool]]] = {}
    last: dict[uuid.UUID, dict[Any, int | None]] = {}
    for person_id, on, area_id, score, complex_issue in rows:
        start, end = spans[person_id]
        if on == start:
            first.setdefault(person_id, {})[area_id] = (score, complex_issue)
        if on == end:
            last.setdefault(person_id, {})[area_id] = score
    result: dict[tuple[uuid.UUID, uuid.UUID], _Progress] = {}
    holders: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]] = {}
    engaging: dict[uuid.UUID, set[uuid.UUID]] = {}
    for person_id, org_id, case_id in (
        _cases_engaged(scope)
        .filter(person_id__in=list(first))
        .order_by("person_id", "-opened_on")
        .values_list("person_id", "organisation_id", "id")
    ):
        holders[person_id] = (org_id, case_id)  # the last, the earliest opened, is kept
        engaging.setdefault(person_id, set()).add(org_id)
    for person_id, baseline in first.items():
        if sum(1 for _, is_complex in baseline.values() if is_complex) < min_issues:
            continue
        latest = last.get(person_id, {})
        improved = sum(
            1
            for area_id, (score, _) in baseline.items()
            if score is not None and (latest.get(area_id) or 0) > score
        )
        org_id, case_id = holders[person_id]
        result[(person_id, org_id)] = _Progress(
            improved=improved >= min_improved,
            case_id=case_id,
            organisations=frozenset(engaging[person_id]),
        )
    return result


def _max_date(field_name: str) -> Any:
    from django.db.models import Max

    return Max(field_name)


def _complex_figures(scope: Scope, params: Mapping[str, Any], by_org: bool) -> Figures:
    """Tallied from ``_complex_progress``: by lead organisation, or for the whole scope (and
    ``Scope.own_organisation_id``'s part: the people it engages)."""
    own = None if by_org else scope.own_organisation_id
    figures: dict[uuid.UUID | None, list[int]] = {}
    if not by_org:
        figures[TOTAL] = [0, 0]
    if own is not None:
        figures[own] = [0, 0]
    for (_, org), progress in _complex_progress(scope, params).items():
        keys: list[uuid.UUID | None] = [org] if by_org else [TOTAL]
        if own is not None and own in progress.organisations:
            keys.append(own)
        for key in keys:
            tally = figures.setdefault(key, [0, 0])
            tally[0] += int(progress.improved)
            tally[1] += 1
    return {key: Figure(Decimal(n), Decimal(d)) for key, (n, d) in figures.items()}


def _complex_people(scope: Scope, params: Mapping[str, Any]) -> Records:
    improved = [
        progress.case_id
        for progress in _complex_progress(scope, params).values()
        if progress.improved
    ]
    return Records(CaseRecord.objects.filter(pk__in=improved))


register(
    Calculation(
        key="complex_needs_improved",
        label="Share of people with many complex issues who improved in several areas",
        figures=_complex_figures,
        people=_complex_people,
        parameters={"min_issues": int, "min_improved": int},
    )
)

_MONEY: Any = DecimalField(max_digits=14, decimal_places=2)


#: The organisation holding an outcome behind a sum of pounds (the one that recorded it), as
#: the drill-down and the small-number check see it.
_MONEY_HOLDER = "organisation_id"


def _money_figures(kind: str, amount: Any) -> Callable[[Scope, Mapping[str, Any], bool], Figures]:
    """The sum of ``amount`` over the outcomes of ``kind`` (by their case's organisation), with
    the people behind it (``Figure.people``) counted in the same query: by organisation,
    everyone behind each organisation's sum; for the whole scope with
    ``Scope.own_organisation_id``, those with an outcome held by another organisation (beside
    that organisation's own part of the sum)."""

    def pounds(condition: Q | None = None) -> Coalesce:
        return Coalesce(
            Sum(amount, filter=condition, output_field=_MONEY),
            Value(Decimal(0)),
            output_field=_MONEY,
        )

    def figures(scope: Scope, params: Mapping[str, Any], by_org: bool) -> Figures:
        outcomes = _outcomes(scope, (kind,)).order_by()
        own = scope.own_organisation_id
        if by_org:
            rows = outcomes.values(org=F("case__organisation_id")).annotate(
                n=pounds(), p=Count("person_id", distinct=True)
            )
            return {row["org"]: Figure(_dec(row["n"]), None, row["p"]) for row in rows}
        if own is None:
            return {TOTAL: Figure(_dec(outcomes.aggregate(n=pounds())["n"]))}
        row = outcomes.aggregate(
            n=pounds(),
            own_n=pounds(Q(case__organisation_id=own)),
            p=Count("person_id", distinct=True, filter=~Q(**{_MONEY_HOLDER: own})),
        )
        return {TOTAL: Figure(_dec(row["n"]), None, row["p"]), own: Figure(_dec(row["own_n"]))}

    return figures


register(
    Calculation(
        key="debt_reduced",
        label="Pounds of debt reduced (before minus after) in the period",
        figures=_money_figures(
            "debt_reduced",
            ExpressionWrapper(
                Coalesce(F("debt_before"), Value(Decimal(0)))
                - Coalesce(F("debt_after"), Value(Decimal(0))),
                output_field=_MONEY,
            ),
        ),
        people=lambda scope, params: _people(_outcomes(scope, ("debt_reduced",)), _MONEY_HOLDER),
        category=MONEY_DEBT,
    )
)

register(
    Calculation(
        key="income_gained",
        label="Pounds a year of income gained in the period",
        figures=_money_figures("income_gained", F("income_gained_per_year")),
        people=lambda scope, params: _people(_outcomes(scope, ("income_gained",)), _MONEY_HOLDER),
        category=MONEY_DEBT,
    )
)


def is_money_calculation(calculation_key: str) -> bool:
    """Whether a calculation sums pounds (never published, whatever its definition's unit)."""
    calculation = CALCULATIONS.get(calculation_key)
    return calculation is not None and calculation.category == MONEY_DEBT


def check_parameters(calculation_key: str, parameters: Any) -> list[str]:
    """Problems with a definition's calculation and parameters, in words (empty when fine)."""
    calculation = CALCULATIONS.get(calculation_key)
    if calculation is None:
        return [f"There is no calculation called {calculation_key!r}."]
    if not isinstance(parameters, dict):
        return ['Parameters must be a JSON object, like {"working_days": 10}.']
    problems = []
    for name, value in parameters.items():
        expected = calculation.parameters.get(name)
        if expected is None:
            allowed = ", ".join(sorted(calculation.parameters)) or "none"
            problems.append(f"{calculation_key} takes no parameter {name!r} (it takes: {allowed}).")
        elif expected is int and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 1000
        ):
            problems.append(f"{name} must be a whole number from 1 to 1000.")
        elif expected is list and not (
            isinstance(value, list) and value and all(v in Outcome.Kind.values for v in value)
        ):
            kinds = ", ".join(Outcome.Kind.values)
            problems.append(f"{name} must be a list of outcome kinds from: {kinds}.")
    return problems
