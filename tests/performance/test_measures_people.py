"""The people behind a measure's figure (F15, SEC-14): for every measure, the names a viewer is
shown and the count of the others, by hand; that exactly the people the access policy allows
are named, on every basis it knows (own organisation, consent, sharing agreement, lawful
basis, break-glass) and none it refuses; and that the work is in proportion to the page shown,
not to the people behind the figure."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinedup.accounts.models import Organisation, User
from joinedup.accounts.roles import Role
from joinedup.audit.models import AuditEvent
from joinedup.people.models import Person
from joinedup.performance.measures import CALCULATIONS
from joinedup.performance.models import MeasureDefinition
from joinedup.performance.selectors import measures as selectors
from joinedup.performance.selectors.measures import MeasureFilters, people_behind_measure
from joinedup.sharing.categories import IDENTITY, MONEY_DEBT
from joinedup.sharing.models import (
    BreakGlass,
    Consent,
    Gateway,
    InformationCategory,
    LawfulBasis,
    SharingAgreement,
)
from joinedup.sharing.policy import access_to_people

from ..conftest import actor_for, client_for
from ..factories import OrganisationFactory, UserFactory
from . import test_measures_data as data
from .test_measures_data import Partnership, build_partnership

pytestmark = pytest.mark.django_db

YEAR_2025 = MeasureFilters(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
PERIOD = "date_from_0=1&date_from_1=1&date_from_2=2025&date_to_0=31&date_to_1=12&date_to_2=2025"
TODAY = date(2026, 2, 1)


@pytest.fixture
def partnership(shipped_defaults: None) -> Partnership:
    return build_partnership()


def _all_names(user: User, code: str) -> tuple[set[str], int, int]:
    """Every name shown over every page of the drill-down, the total and the hidden count."""
    names: set[str] = set()
    number = 1
    while True:
        behind = people_behind_measure(
            actor=actor_for(user), code=code, filters=YEAR_2025, page=number, today=TODAY
        )
        names |= {row.name for row in behind.page.object_list}
        if not behind.page.has_next():
            return names, behind.total, behind.hidden
        number += 1


# ----------------------------------------------------------------------------- by hand

# Measure: (people behind the figure, named to the council key worker, named to Citizens
# Advice's key worker). Worked out from the comments in test_measures_data.build_partnership.
BY_HAND: dict[str, tuple[set[str], set[str], set[str]]] = {
    "people-engaged": (
        {"Ada One", "Cat Three", "Dan Four", "Fay Six"},
        {"Ada One", "Cat Three", "Fay Six"},
        {"Ada One", "Dan Four"},
    ),
    # r1 (Ada, to the council), r2 (Cat, to the council), r3 (Dan, to Citizens Advice); the
    # referral with no person is not a person.
    "referrals-received": (
        {"Ada One", "Cat Three", "Dan Four"},
        {"Ada One", "Cat Three"},
        {"Dan Four"},
    ),
    "triages-completed": ({"Ada One"}, {"Ada One"}, set()),
    "training-activities": ({"Ada One"}, {"Ada One"}, set()),
    "referrals-answered-on-time": ({"Ada One"}, {"Ada One"}, set()),
    # c1 (Ada) and c7 (Fay), both the council's, had a plan in time.
    "plan-within-10-working-days": ({"Ada One", "Fay Six"}, {"Ada One", "Fay Six"}, set()),
    # Open on 31 December: c1 (Ada, council), c7 (Fay, council), c4 (Dan), c6 (Ada, CAB).
    "caseload-per-worker": (
        {"Ada One", "Dan Four", "Fay Six"},
        {"Ada One", "Fay Six"},
        {"Ada One", "Dan Four"},
    ),
    # a1, owned by the council, done on time.
    "partner-actions-on-time": ({"Ada One"}, {"Ada One"}, set()),
    # Job starts: j1 on c1 (council), Ada's on c6 (CAB), Fay's on c7 (council).
    "people-into-work": ({"Ada One", "Fay Six"}, {"Ada One", "Fay Six"}, {"Ada One"}),
    "people-into-work-percent": ({"Ada One", "Fay Six"}, {"Ada One", "Fay Six"}, {"Ada One"}),
    "jobs-sustained-13-weeks": ({"Ada One"}, {"Ada One"}, set()),
    "jobs-sustained-26-weeks": ({"Ada One"}, {"Ada One"}, set()),
    # Ada improved; her baseline is with the council.
    "complex-needs-improved": ({"Ada One"}, {"Ada One"}, set()),
    "debt-reduced": ({"Ada One", "Dan Four"}, {"Ada One"}, {"Dan Four"}),
    "income-gained": ({"Fay Six"}, {"Fay Six"}, set()),
}


def test_every_shipped_measure_has_a_drill_down_worked_out_by_hand() -> None:
    assert set(BY_HAND) == set(MeasureDefinition.objects.values_list("code", flat=True))


@pytest.mark.parametrize("code", sorted(BY_HAND))
def test_the_people_behind_each_measure_by_hand(partnership: Partnership, code: str) -> None:
    """SEC-14: each viewer is named only the people whose record behind the figure the
    policy lets them see; the others are counted."""
    everyone, council_sees, cab_sees = BY_HAND[code]
    for user, expected in (
        (partnership.council_worker, council_sees),
        (partnership.cab_worker, cab_sees),
    ):
        names, total, hidden = _all_names(user, code)
        assert names == expected, user
        assert total == len(everyone)
        assert hidden == len(everyone) - len(expected)
    names, total, hidden = _all_names(partnership.analyst, code)
    assert names == set() and total == hidden == len(everyone)


# ----------------------------------------------------------------------------- every basis


def _categories(*codes: str) -> list[InformationCategory]:
    return list(InformationCategory.objects.filter(code__in=codes))


def _consent(
    who: Person,
    recorder: Organisation,
    organisations: list[Organisation],
    codes: tuple[str, ...],
    **fields: Any,
) -> Consent:
    made = Consent.objects.create(
        person=who,
        purpose="To work together on one plan.",
        how_given=Consent.HowGiven.WRITTEN,
        given_on=fields.pop("given_on", timezone.localdate() - timedelta(days=30)),
        recorded_by_organisation=recorder,
        **fields,
    )
    made.organisations.set(organisations)
    made.categories.set(_categories(*codes))
    return made


def _lawful_basis(
    who: Person, organisation: Organisation, codes: tuple[str, ...], status: str, **fields: Any
) -> LawfulBasis:
    today = timezone.localdate()
    made = LawfulBasis.objects.create(
        person=who,
        gateway=Gateway.VITAL_INTERESTS,
        justification="Risk to life.",
        starts_on=fields.pop("starts_on", today - timedelta(days=10)),
        ends_on=fields.pop("ends_on", today + timedelta(days=10)),
        requested_by_organisation=organisation,
        status=status,
    )
    made.organisations.set([organisation])
    made.categories.set(_categories(*codes))
    return made


def _people_with_every_basis(partnership: Partnership) -> dict[str, Person]:
    """People held by Citizens Advice (a case and a debt outcome each in 2025), each with one
    way, or failed way, for the council to see them."""
    council, cab = partnership.council, partnership.cab
    jcp = OrganisationFactory(name="Jobcentre Plus")
    now = timezone.now()
    today = timezone.localdate()
    made: dict[str, Person] = {}
    for name in (
        "Consent Both",
        "Consent Identity",
        "Consent Money",
        "Consent Withdrawn",
        "Consent Expired",
        "Consent Future",
        "Consent Elsewhere",
        "Agreement Current",
        "Agreement Ended",
        "Lawful Approved",
        "Lawful Pending",
        "Lawful Expired",
        "Glass Mine",
        "Glass Theirs",
        "Glass Expired",
        "Nobody Atall",
    ):
        who = data.person(cab, name)
        held = data.case(who, cab, partnership.cab_worker, date(2025, 4, 1))
        data.outcome(
            held, "debt_reduced", date(2025, 5, 1), debt_before=100, debt_after=data.pounds("0")
        )
        made[name] = who
    both = (IDENTITY, MONEY_DEBT)
    _consent(made["Consent Both"], cab, [council], both)
    _consent(made["Consent Identity"], cab, [council], (IDENTITY,))
    _consent(made["Consent Money"], cab, [council], (MONEY_DEBT,))
    _consent(made["Consent Withdrawn"], cab, [council], both, withdrawn_on=now)
    _consent(made["Consent Expired"], cab, [council], both, expires_on=today - timedelta(days=1))
    _consent(made["Consent Future"], cab, [council], both, given_on=today + timedelta(days=1))
    _consent(made["Consent Elsewhere"], cab, [jcp], both)
    current = SharingAgreement.objects.create(
        name="Northvale ISA", purpose="One plan", starts_on=date(2024, 1, 1)
    )
    current.parties.set([council, cab])
    current.categories.set(_categories(IDENTITY))
    ended = SharingAgreement.objects.create(
        name="Old ISA", purpose="One plan", starts_on=date(2020, 1, 1), ends_on=date(2021, 1, 1)
    )
    ended.parties.set([council, cab])
    ended.categories.set(_categories(*both))
    _consent(made["Agreement Current"], cab, [], both, agreement=current)
    _consent(made["Agreement Ended"], cab, [], both, agreement=ended)
    _lawful_basis(made["Lawful Approved"], council, both, LawfulBasis.Status.APPROVED)
    _lawful_basis(made["Lawful Pending"], council, both, LawfulBasis.Status.PENDING)
    _lawful_basis(
        made["Lawful Expired"],
        council,
        both,
        LawfulBasis.Status.APPROVED,
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=1),
    )
    other_worker = UserFactory(organisation=council, roles=[Role.KEY_WORKER])
    for name, user, expires in (
        ("Glass Mine", partnership.council_worker, now + timedelta(hours=1)),
        ("Glass Theirs", other_worker, now + timedelta(hours=1)),
        ("Glass Expired", partnership.council_worker, now - timedelta(minutes=1)),
    ):
        BreakGlass.objects.create(
            person=made[name],
            user=user,
            organisation=council,
            reason="Emergency",
            expires_at=expires,
        )
    # An archived person on a council case: behind the figure, never named.
    archived = data.person(council, "Archie Ved")
    data.case(archived, council, partnership.council_worker, date(2025, 4, 1))
    Person.objects.filter(pk=archived.pk).update(archived_on=now)
    return made


def _as_the_policy_decides(user: User, code: str) -> tuple[set[str], int]:
    """The reference: every record behind the figure, and the access policy asked person by
    person (``access_to_people``), exactly as the drill-down did before it was made quick."""
    definition = MeasureDefinition.objects.get(code=code)
    calculation = CALCULATIONS[definition.calculation]
    behind = calculation.people(selectors._scope(YEAR_2025, TODAY), definition.parameters)
    holders: dict[Any, set[Any]] = {}
    for person_id, holder_id in (
        behind.queryset.filter(**{f"{behind.person_field}__isnull": False})
        .values_list(behind.person_field, behind.holder_field)
        .distinct()
    ):
        holders.setdefault(person_id, set()).add(holder_id)
    people = Person.objects.filter(pk__in=list(holders), archived_on__isnull=True)
    allowed = set()
    for person_id, access in access_to_people(actor=actor_for(user), people=people).items():
        if any(
            access.allows(calculation.category, holder) and access.allows(IDENTITY, holder)
            for holder in holders[person_id]
        ):
            allowed.add(person_id)
    names = {f"{p.given_name} {p.family_name}" for p in Person.objects.filter(pk__in=list(allowed))}
    return names, len(holders)


def test_the_drill_down_names_exactly_whom_the_policy_allows_on_every_basis(
    partnership: Partnership,
) -> None:
    """SEC-14, SEC-15, SEC-19: consent (in force, for the organisation or under a current
    agreement, covering the category), an approved current lawful basis, and the viewer's own
    unexpired break-glass let a partner be named; withdrawn, expired, future, someone else's,
    pending or ended ones do not; an archived person is never named."""
    _people_with_every_basis(partnership)
    worker = partnership.council_worker
    engaged, total, hidden = _all_names(worker, "people-engaged")
    own = {"Ada One", "Cat Three", "Fay Six"}
    assert engaged == own | {
        "Consent Both",
        "Consent Identity",
        "Agreement Current",
        "Lawful Approved",
        "Glass Mine",
    }
    assert (total, hidden) == (4 + 16 + 1, 4 + 16 + 1 - len(engaged))
    debt, total, hidden = _all_names(worker, "debt-reduced")
    # Money needs money and identity: not "Consent Identity", "Consent Money" nor the
    # identity-only agreement.
    assert debt == {"Ada One", "Consent Both", "Lawful Approved", "Glass Mine"}
    assert (total, hidden) == (2 + 16, 2 + 16 - 4)
    for code in ("people-engaged", "debt-reduced"):
        for user in (worker, partnership.cab_worker, partnership.analyst):
            names, total, hidden = _all_names(user, code)
            assert (names, total) == _as_the_policy_decides(user, code), (code, user)


def test_each_name_shown_is_audited_with_the_basis_that_allowed_it(
    partnership: Partnership,
) -> None:
    """SEC-20: one audit event per person shown, with the basis of the category shown."""
    made = _people_with_every_basis(partnership)
    html = (
        client_for(partnership.council_worker)
        .get(f"/performance/measures/debt-reduced/people/?{PERIOD}")
        .content.decode()
    )
    assert "18 people are behind this figure" in html
    assert "14 more people you do not have access to" in html
    events = {
        event.person_id: event
        for event in AuditEvent.objects.filter(action="view")
        if event.detail.get("measure") == "debt-reduced"
    }
    assert {pk: e.basis for pk, e in events.items()} == {
        partnership.people["p1"].pk: "own_organisation",
        made["Consent Both"].pk: "consent",
        made["Lawful Approved"].pk: "lawful_basis",
        made["Glass Mine"].pk: "break_glass",
    }
    assert all(sorted(e.categories) == [IDENTITY, MONEY_DEBT] for e in events.values())


# ----------------------------------------------------------------------------- speed


def _add_people(partnership: Partnership, count: int, prefix: str) -> None:
    """``count`` more people engaged with the council (named to its worker) and as many with
    Citizens Advice (hidden from it)."""
    for n in range(count):
        mine = data.person(partnership.council, f"{prefix} Council{n:03d}")
        data.case(mine, partnership.council, partnership.council_worker, date(2025, 2, 1))
        theirs = data.person(partnership.cab, f"{prefix} Cab{n:03d}")
        data.case(theirs, partnership.cab, partnership.cab_worker, date(2025, 2, 1))


def test_the_drill_down_works_in_proportion_to_the_page_not_the_people_behind(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The policy is asked person by person only about the people on the page; the number
    of queries and their size do not grow with the people behind the figure."""
    monkeypatch.setattr(selectors, "PEOPLE_PER_PAGE", 5)
    asked: list[int] = []
    real = selectors.access_to_people

    def counting(*, actor: Any, people: Any, **kwargs: Any) -> Any:
        people = list(people)
        asked.append(len(people))
        return real(actor=actor, people=people, **kwargs)

    monkeypatch.setattr(selectors, "access_to_people", counting)
    client = client_for(partnership.council_worker)
    url = f"/performance/measures/people-engaged/people/?{PERIOD}"

    def shape() -> tuple[int, int]:
        client.get(url)  # the session and its checks are warm
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{url}&page=2")
        assert response.status_code == 200
        longest = max(len(re.sub(r"'[^']*'|\d+", "", q["sql"])) for q in captured)
        return len(captured), longest

    _add_people(partnership, 10, "Bea")  # page 2 is full either way
    small = shape()
    _add_people(partnership, 40, "Eli")
    asked.clear()
    large = shape()
    assert large == small
    assert asked and max(asked) <= 5
    # Named: Ada, Bea Council000-009, Cat, Eli Council000-039, Fay (53, so 11 pages).
    behind = people_behind_measure(
        actor=actor_for(partnership.council_worker),
        code="people-engaged",
        filters=YEAR_2025,
        page=11,
        today=TODAY,
    )
    assert (behind.total, behind.hidden) == (4 + 100, 1 + 50)
    assert [row.name for row in behind.page.object_list] == [
        "Eli Council038",
        "Eli Council039",
        "Fay Six",
    ]


def test_a_page_past_the_end_shows_the_last_page_and_a_bad_page_the_first(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "PEOPLE_PER_PAGE", 2)
    actor = actor_for(partnership.council_worker)

    def names(page: Any) -> list[str]:
        behind = people_behind_measure(
            actor=actor, code="people-engaged", filters=YEAR_2025, page=page, today=TODAY
        )
        return [row.name for row in behind.page.object_list]

    assert names(1) == ["Ada One", "Cat Three"]
    assert names(99) == names(2) == ["Fay Six"]
    assert names("nonsense") == names(1)
