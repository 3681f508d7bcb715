"""Performance measures (issue 7, item 5 — F15): every calculation against a small partnership
built by hand where each figure is known, including the edges (zero denominators, the first and
last day of the period, working days over Christmas), the filters, each organisation's
contribution, and query counts that do not grow with the data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinedup.accounts.models import User
from joinedup.accounts.roles import Role
from joinedup.core.working_days import add_working_days
from joinedup.performance import measures
from joinedup.performance.measures import CALCULATIONS, check_parameters
from joinedup.performance.models import Area, MeasureDefinition, PostcodeArea
from joinedup.performance.selectors.measures import (
    MeasureFilters,
    format_value,
    measure_results,
    measure_results_by_organisation,
    measures_with_contributions,
    people_behind_measure,
)

from ..conftest import actor_for
from ..factories import UserFactory
from . import test_measures_data as data
from .test_measures_data import Partnership, build_partnership

pytestmark = pytest.mark.django_db

YEAR_2025 = MeasureFilters(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
TODAY = date(2026, 2, 1)


def results(
    actor_user: User, filters: MeasureFilters = YEAR_2025, today: date = TODAY
) -> dict[str, Any]:
    return {
        r.code: r
        for r in measure_results(actor=actor_for(actor_user), filters=filters, today=today)
    }


@pytest.fixture
def partnership(shipped_defaults: None) -> Partnership:
    return build_partnership()


def figure(result: Any) -> tuple[Any, Any]:
    return result.numerator, result.denominator


# ----------------------------------------------------------------------------- each calculation


def test_the_shipped_measures_use_known_calculations() -> None:
    codes = list(MeasureDefinition.objects.values_list("code", "calculation", "parameters"))
    assert len(codes) == 15
    for code, calculation, parameters in codes:
        assert calculation in CALCULATIONS, code
        assert check_parameters(calculation, parameters) == [], code


def test_how_much_did_we_do(partnership: Partnership) -> None:
    got = results(partnership.analyst)
    # p1 (two cases, once), p3 (closed on the first day), p4 (opened on the last), p6.
    assert got["people-engaged"].value == 4
    assert got["people-engaged"].denominator is None
    assert got["referrals-received"].value == 4
    assert got["triages-completed"].value == 1
    assert got["training-activities"].value == 2


def test_how_well_did_we_do_it(partnership: Partnership) -> None:
    got = results(partnership.analyst)
    # Answered on time: r1 only; r2 late, r3 never answered and past due; r5 not due yet.
    assert figure(got["referrals-answered-on-time"]) == (1, 3)
    assert got["referrals-answered-on-time"].display == "33.3%"
    # Plans: c1 and c7 in time, c6 a day late, c4 none past its deadline.
    assert figure(got["plan-within-10-working-days"]) == (2, 4)
    assert got["plan-within-10-working-days"].value == 50
    # Open on 31 December: c1, c7 (Kim) and c4, c6 (Bo).
    assert figure(got["caseload-per-worker"]) == (4, 2)
    assert got["caseload-per-worker"].display == "2.0"
    # Due in the period, not cancelled: a1 on time, a2 a day late, a3 never done.
    assert figure(got["partner-actions-on-time"]) == (1, 3)


def test_is_anyone_better_off(partnership: Partnership) -> None:
    got = results(partnership.analyst)
    assert got["people-into-work"].value == 2  # p1 (twice, once) and p6
    assert figure(got["people-into-work-percent"]) == (2, 4)
    # 13 weeks: j1 (sustained) and j2 (started exactly 13 weeks before the end, not
    # sustained); j3 too recent. 26 weeks: only j1 had reached it.
    assert figure(got["jobs-sustained-13-weeks"]) == (1, 2)
    assert figure(got["jobs-sustained-26-weeks"]) == (1, 1)
    assert figure(got["complex-needs-improved"]) == (1, 2)
    assert got["debt-reduced"].value == Decimal("1250")
    assert got["debt-reduced"].display == "£1,250"
    assert got["income-gained"].value == Decimal("5200.50")


def test_ten_working_days_skip_weekends_and_bank_holidays() -> None:
    """The deadlines the fixture relies on, worked out by hand."""
    assert add_working_days(date(2025, 1, 1), 10) == date(2025, 1, 15)
    assert add_working_days(date(2025, 3, 1), 10) == date(2025, 3, 14)
    assert add_working_days(date(2025, 12, 19), 10) == date(2026, 1, 7)


def test_a_plan_the_day_after_the_deadline_is_late(partnership: Partnership) -> None:
    c7 = partnership.people["p6"].cases.get()
    c7.goals.update(created_on=data.moment(date(2026, 1, 8)))
    assert figure(results(partnership.analyst)["plan-within-10-working-days"]) == (1, 4)


def test_cases_still_within_their_time_are_left_out(partnership: Partnership) -> None:
    # On 5 January c4's deadline (15 January) has not come and it has no plan: left out.
    # c7's plan (made 7 January) is not there yet either... but a plan made counts at once.
    got = results(partnership.analyst, today=date(2026, 1, 5))
    assert figure(got["plan-within-10-working-days"]) == (2, 3)


def test_nothing_recorded_gives_zero_counts_and_no_percentages(shipped_defaults: None) -> None:
    analyst = UserFactory(roles=[Role.PERFORMANCE_ANALYST])
    got = results(analyst)
    assert got["people-engaged"].value == 0
    assert got["people-engaged"].display == "0"
    for code in (
        "referrals-answered-on-time",
        "plan-within-10-working-days",
        "jobs-sustained-13-weeks",
        "complex-needs-improved",
        "caseload-per-worker",
    ):
        assert got[code].value is None, code
        assert got[code].display == "No data"
    assert got["debt-reduced"].display == "£0"


def test_format_value() -> None:
    assert format_value(Decimal("66.666"), "percent") == "66.7%"
    assert format_value(Decimal("1234567.4"), "money") == "£1,234,567"
    assert format_value(Decimal("1234"), "count") == "1,234"
    assert format_value(None, "ratio") == "No data"


def test_the_period_defaults_to_the_last_12_months() -> None:
    assert MeasureFilters().period(date(2026, 2, 1)) == (date(2025, 2, 1), date(2026, 2, 1))
    assert MeasureFilters(date_to=date(2025, 6, 30)).period(TODAY) == (
        date(2024, 6, 30),
        date(2025, 6, 30),
    )


def test_a_one_day_period(partnership: Partnership) -> None:
    got = results(
        partnership.analyst,
        MeasureFilters(date_from=date(2025, 12, 31), date_to=date(2025, 12, 31)),
    )
    assert got["referrals-received"].value == 1  # r2
    assert got["training-activities"].value == 1  # the qualification
    assert got["people-into-work"].value == 1  # p6


# ----------------------------------------------------------------------------- filters


def test_organisation_filter(partnership: Partnership) -> None:
    got = results(
        partnership.analyst,
        MeasureFilters(
            date_from=date(2025, 1, 1),
            date_to=date(2025, 12, 31),
            organisation_id=partnership.council.pk,
        ),
    )
    assert got["people-engaged"].value == 3  # p1, p3, p6 on council cases
    assert got["referrals-received"].value == 2
    assert figure(got["partner-actions-on-time"]) == (1, 1)  # actions the council owns
    assert got["debt-reduced"].value == 750


def test_team_filter(partnership: Partnership) -> None:
    filters = MeasureFilters(
        date_from=date(2025, 1, 1), date_to=date(2025, 12, 31), team_id=partnership.team.pk
    )
    got = results(partnership.analyst, filters)
    assert got["people-engaged"].value == 3  # Kim's cases
    assert got["referrals-received"].value == 1  # r1, sent to the team
    assert got["triages-completed"].value == 1


def test_programme_filter(partnership: Partnership) -> None:
    filters = MeasureFilters(
        date_from=date(2025, 1, 1),
        date_to=date(2025, 12, 31),
        programme_id=partnership.other_programme.pk,
    )
    got = results(partnership.analyst, filters)
    assert got["people-engaged"].value == 1  # p1's case with Citizens Advice
    assert got["people-into-work"].value == 1  # j2
    assert got["referrals-received"].value == 0  # no referral led to a case in it


def test_area_filter_uses_the_lsoas_under_the_area(partnership: Partnership) -> None:
    district = Area.objects.create(code="E08000001", name="Northvale", level=Area.Level.DISTRICT)
    ward = Area.objects.create(
        code="E05000001", name="Riverside", level=Area.Level.WARD, parent=district
    )
    other_ward = Area.objects.create(
        code="E05000002", name="Hilltop", level=Area.Level.WARD, parent=district
    )
    Area.objects.create(code="E01000001", name="Riverside 1", level=Area.Level.LSOA, parent=ward)
    Area.objects.create(
        code="E01000002", name="Hilltop 1", level=Area.Level.LSOA, parent=other_ward
    )
    custom = Area.objects.create(code="X-WORST", name="Worst", level=Area.Level.CUSTOM)

    def engaged(area: Area) -> Any:
        filters = MeasureFilters(
            date_from=date(2025, 1, 1), date_to=date(2025, 12, 31), area_id=area.pk
        )
        return results(partnership.analyst, filters)["people-engaged"].value

    assert engaged(ward) == 1  # p1
    assert engaged(district) == 3  # p1, p3, p4 (p6's LSOA is not in it)
    assert engaged(custom) == 0  # no LSOAs chosen yet


def test_people_without_an_lsoa_are_placed_in_areas_by_their_postcode(
    partnership: Partnership,
) -> None:
    ward = Area.objects.create(code="E05000001", name="Riverside", level=Area.Level.WARD)
    lsoa = Area.objects.create(
        code="E01000001", name="Riverside 1", level=Area.Level.LSOA, parent=ward
    )
    PostcodeArea.objects.create(postcode="NV1 1AA", lsoa=lsoa)
    filters = MeasureFilters(
        date_from=date(2025, 1, 1), date_to=date(2025, 12, 31), area_id=ward.pk
    )
    before = results(partnership.analyst, filters)["people-engaged"].value
    who = data.person(partnership.council, "Gil Seven")
    who.postcode = "NV1 1AA"
    who.save(update_fields=["postcode"])
    data.case(who, partnership.council, partnership.council_worker, date(2025, 2, 1))
    elsewhere = data.person(partnership.council, "Hal Eight")
    elsewhere.postcode = "NV9 9ZZ"
    elsewhere.save(update_fields=["postcode"])
    data.case(elsewhere, partnership.council, partnership.council_worker, date(2025, 2, 1))
    assert results(partnership.analyst, filters)["people-engaged"].value == before + 1


@pytest.mark.parametrize("outside", ["few", "many"])
def test_an_area_counts_the_same_whether_few_or_many_live_outside_it(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch, outside: str
) -> None:
    """A district holding all but a few people is counted as "anyone but these" (the people
    outside, found once for the request); otherwise each measure places people itself. Both
    count the same, by hand, including a person with no LSOA placed by their postcode, one
    whose postcode is in no area, and a referral about no one."""
    if outside == "many":  # more than the filter will name: 3 live outside this district
        monkeypatch.setattr(measures, "MOST_OUTSIDE", 1)
    district = Area.objects.create(code="E08000001", name="Northvale", level=Area.Level.DISTRICT)
    ward = Area.objects.create(
        code="E05000001", name="Riverside", level=Area.Level.WARD, parent=district
    )
    riverside = Area.objects.create(
        code="E01000001", name="Riverside 1", level=Area.Level.LSOA, parent=ward
    )
    Area.objects.create(code="E01000002", name="Riverside 2", level=Area.Level.LSOA, parent=ward)
    PostcodeArea.objects.create(postcode="NV1 1AA", lsoa=riverside)
    council, worker = partnership.council, partnership.council_worker
    gil = data.person(council, "Gil Seven")  # no LSOA; placed by postcode in Riverside 1
    gil.postcode = "NV1 1AA"
    gil.save(update_fields=["postcode"])
    hal = data.person(council, "Hal Eight")  # no LSOA; a postcode in no area
    hal.postcode = "ZZ9 9ZZ"
    hal.save(update_fields=["postcode"])
    for who in (gil, hal):
        made = data.case(who, council, worker, date(2025, 2, 1))
        data.outcome(made, "job_start", date(2025, 3, 1))
        data.referral(
            who, council, date(2025, 1, 20), date(2025, 1, 27), responded=date(2025, 1, 21)
        )
    filters = MeasureFilters(
        date_from=date(2025, 1, 1), date_to=date(2025, 12, 31), area_id=district.pk
    )
    with CaptureQueriesContext(connection) as captured:
        got = results(partnership.analyst, filters)
    placements = [q for q in captured if "people_person" in q["sql"]]
    # Few outside: their placement is read once for the request; otherwise in each measure.
    assert (len(placements) == 1) is (outside == "few")
    # p1, p3, p4 and Gil; not p6 (another LSOA), p5 (nowhere) nor Hal.
    assert got["people-engaged"].value == 4
    # r1 (p1), r2 (p3), r3 (p4) and Gil's; the referral about no one is in no area.
    assert got["referrals-received"].value == 4
    assert got["triages-completed"].value == 1  # p1's
    assert got["people-into-work"].value == 2  # p1 and Gil; not p6 nor Hal
    assert figure(got["people-into-work-percent"]) == (2, 4)
    assert figure(got["partner-actions-on-time"]) == (1, 3)  # all on p1's cases
    assert got["debt-reduced"].value == Decimal("1250")  # p1's and p4's
    assert got["income-gained"].value == 0  # p6's, outside
    behind = people_behind_measure(
        actor=actor_for(worker), code="people-engaged", filters=filters, today=TODAY
    )
    assert [row.name for row in behind.page.object_list] == ["Ada One", "Cat Three", "Gil Seven"]
    assert (behind.total, behind.hidden) == (4, 1)  # Dan Four is Citizens Advice's


# ----------------------------------------------------------------------------- by organisation


def test_each_organisations_contribution(partnership: Partnership) -> None:
    by_org = measure_results_by_organisation(
        actor=actor_for(partnership.analyst), filters=YEAR_2025, today=TODAY
    )
    council = {r.code: r for r in by_org[partnership.council.pk]}
    cab = {r.code: r for r in by_org[partnership.cab.pk]}
    assert set(by_org) == {partnership.council.pk, partnership.cab.pk}
    assert council["people-engaged"].value == 3
    assert cab["people-engaged"].value == 2  # p1 counts for both partners that worked with her
    assert figure(council["referrals-answered-on-time"]) == (1, 2)
    assert figure(cab["referrals-answered-on-time"]) == (0, 1)
    assert figure(council["partner-actions-on-time"]) == (1, 1)
    assert figure(cab["partner-actions-on-time"]) == (0, 2)
    assert figure(council["people-into-work-percent"]) == (2, 3)
    assert figure(cab["people-into-work-percent"]) == (1, 2)
    assert figure(council["complex-needs-improved"]) == (1, 1)
    assert figure(cab["complex-needs-improved"]) == (0, 1)
    assert cab["debt-reduced"].value == 500
    assert cab["income-gained"].value == 0
    # Every organisation gets every measure, in the same order as the totals.
    totals = measure_results(actor=actor_for(partnership.analyst), filters=YEAR_2025, today=TODAY)
    assert [r.code for r in by_org[partnership.cab.pk]] == [r.code for r in totals]


def test_an_inactive_definition_is_not_counted(partnership: Partnership) -> None:
    MeasureDefinition.objects.filter(code="debt-reduced").update(active=False)
    assert "debt-reduced" not in results(partnership.analyst)


def test_parameters_change_the_count(partnership: Partnership) -> None:
    MeasureDefinition.objects.filter(code="plan-within-10-working-days").update(
        parameters={"working_days": 11}
    )
    # c6's plan on its 11th working day is now in time too.
    assert figure(results(partnership.analyst)["plan-within-10-working-days"]) == (3, 4)
    MeasureDefinition.objects.filter(code="plan-within-10-working-days").update(
        parameters={"working_days": 9}
    )
    # c1's and c7's plans on their 10th working day are late.
    assert figure(results(partnership.analyst)["plan-within-10-working-days"]) == (0, 4)


# ----------------------------------------------------------------------------- queries


def _queries(user: User) -> int:
    with CaptureQueriesContext(connection) as captured:
        measure_results(actor=actor_for(user), filters=YEAR_2025, today=TODAY)
        measure_results_by_organisation(actor=actor_for(user), filters=YEAR_2025, today=TODAY)
    return len(captured)


def test_query_count_does_not_grow_with_the_data(partnership: Partnership) -> None:
    before = _queries(partnership.analyst)
    # Twenty more people with cases, plans, referrals, actions and outcomes.
    for n in range(20):
        who = data.person(partnership.council, f"Extra Person{n}", "E01000001")
        made = data.case(who, partnership.council, partnership.council_worker, date(2025, 2, 1 + n))
        data.goal(made, date(2025, 2, 5 + n))
        data.referral(
            who, partnership.council, date(2025, 2, 1), date(2025, 2, 8), responded=date(2025, 2, 3)
        )
        data.action(made, partnership.cab, date(2025, 6, 1), done=date(2025, 5, 30))
        data.outcome(made, "job_start", date(2025, 4, 1))
        data.assessment(
            who, partnership.council, partnership.council_worker, date(2025, 2, 2), [(1, True)] * 5
        )
        data.assessment(
            who, partnership.council, partnership.council_worker, date(2025, 5, 2), [(3, False)] * 5
        )
    after = _queries(partnership.analyst)
    assert results(partnership.analyst)["people-engaged"].value == 24
    assert after == before
    assert before <= 2 * 2 * 15 + 2  # about one query a measure, each way


# ----------------------------------------------------------------------------- the viewer's part


def _scope_for(filters: MeasureFilters) -> measures.Scope:
    from joinedup.performance.selectors.measures import _scope

    return _scope(filters, TODAY)


@pytest.mark.parametrize("narrowed", ["none", "team", "programme", "ward", "district"])
@pytest.mark.parametrize("viewer", ["council", "cab"])
def test_the_viewers_part_is_counted_in_the_same_query_as_the_figure(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch, narrowed: str, viewer: str
) -> None:
    """Issue 7 (the measures page doubled in cost): the small-number check needs the viewer's
    own organisation's part of each figure. It is now counted beside the figure, in the same
    query, and must equal what the calculation counts with the organisation filter set to the
    viewer's organisation (what the check used to count with a second query), for every
    calculation and filter; a sum of pounds also counts the people behind it held elsewhere."""
    monkeypatch.setattr(measures, "MOST_OUTSIDE", 1)  # the district: each measure places people
    district = Area.objects.create(code="E08000001", name="Northvale", level=Area.Level.DISTRICT)
    ward = Area.objects.create(
        code="E05000001", name="Riverside", level=Area.Level.WARD, parent=district
    )
    for code in ("E01000001", "E01000002"):
        Area.objects.create(code=code, name=code, level=Area.Level.LSOA, parent=ward)
    area = {"ward": ward, "district": district}.get(narrowed)
    filters = MeasureFilters(
        date_from=YEAR_2025.date_from,
        date_to=YEAR_2025.date_to,
        team_id=partnership.team.pk if narrowed == "team" else None,
        programme_id=partnership.other_programme.pk if narrowed == "programme" else None,
        area_id=area.pk if area is not None else None,
    )
    own = getattr(partnership, viewer).pk
    scope = _scope_for(filters)
    checked = 0
    for definition in MeasureDefinition.objects.filter(active=True):
        calculation = CALCULATIONS[definition.calculation]
        parameters = definition.parameters or {}
        with CaptureQueriesContext(connection) as alone:
            plain = calculation.figures(scope, parameters, False)
        with CaptureQueriesContext(connection) as beside:
            both = calculation.figures(replace(scope, own_organisation_id=own), parameters, False)
        assert len(beside) == len(alone), definition.code  # no query of its own
        total = both[measures.TOTAL]
        assert (total.numerator, total.denominator) == (
            plain[measures.TOTAL].numerator,
            plain[measures.TOTAL].denominator,
        ), definition.code
        if calculation.category == "money_debt":
            records = calculation.people(scope, parameters)
            elsewhere = (
                records.queryset.exclude(organisation_id=own).values("person_id").distinct().count()
            )
            assert total.people == elsewhere, definition.code
            checked += elsewhere
        part = calculation.figures(replace(scope, organisation_id=own), parameters, False)[
            measures.TOTAL
        ]
        assert (both[own].numerator, both[own].denominator or 0) == (
            part.numerator,
            part.denominator or 0,
        ), definition.code
        checked += int(part.numerator)
    if narrowed == "none":
        assert checked > 0  # the partnership has something of each viewer's to count


@pytest.mark.parametrize("narrowed", ["none", "team", "ward"])
@pytest.mark.parametrize("viewer", ["council", "cab", "nobody"])
def test_the_dashboards_counting_gives_the_same_figures_with_fewer_queries(
    partnership: Partnership, narrowed: str, viewer: str
) -> None:
    """Issue 7 (dashboard speed): the dashboard counts each measure for the partnership and by
    partner together. Where each record is held by one organisation the partnership's figure is
    the partners' added up, and the viewer's part is its own figure, so one grouped query does
    for both. Every figure must be what ``measure_results``, ``measure_results_by_organisation``
    and the organisation filter give."""
    ward = Area.objects.create(code="E05000001", name="Riverside", level=Area.Level.WARD)
    for code in ("E01000001", "E01000002"):
        Area.objects.create(code=code, name=code, level=Area.Level.LSOA, parent=ward)
    filters = replace(
        YEAR_2025,
        team_id=partnership.team.pk if narrowed == "team" else None,
        area_id=ward.pk if narrowed == "ward" else None,
    )
    own = getattr(partnership, viewer).pk if viewer != "nobody" else None
    actor = actor_for(partnership.analyst)
    with CaptureQueriesContext(connection) as together:
        counted = measures_with_contributions(
            actor=actor, filters=filters, today=TODAY, own_organisation_id=own
        )
    with CaptureQueriesContext(connection) as apart:
        totals = {r.code: r for r in measure_results(actor=actor, filters=filters, today=TODAY)}
        by_org = measure_results_by_organisation(actor=actor, filters=filters, today=TODAY)
    assert len(together) < len(apart)
    assert [m.code for m in counted] == list(totals)
    if own is not None:
        owns = {
            r.code: r
            for r in measure_results(
                actor=actor, filters=replace(filters, organisation_id=own), today=TODAY
            )
        }

    def numbers(result: Any) -> tuple[Any, ...]:
        return (result.numerator, result.denominator, result.value)

    for measure in counted:
        assert numbers(measure.total) == numbers(totals[measure.code]), measure.code
        for org, results in by_org.items():
            expected = numbers(next(r for r in results if r.code == measure.code))
            got = measure.by_organisation.get(org)
            if got is None:
                assert expected[0] == 0, (measure.code, org)
            else:
                assert numbers(got) == expected, (measure.code, org)
        if own is None:
            assert measure.own is None
        else:
            assert measure.own is not None
            assert numbers(measure.own)[:2] == numbers(owns[measure.code])[:2], measure.code
