"""The permission matrix (SEC-12): roles by organisations by information categories by routes.

Every expected answer lives in ``permission_matrix.yaml`` next to this file; this module only
expands it into parametrised cases and checks them against one world (``matrix_fixtures``):

- ``test_policy_decision``: one case per (role, organisation, category): the basis the access
  policy gives (SEC-15, SEC-18).
- ``test_route``: one case per (route, method, role, organisation): the status, the full or
  restricted view, that no field leaks, and that no row changes unless the matrix says the POST
  succeeds, in which case exactly the expected row is added or changed (SEC-11 to SEC-17).

The world is built once per module inside a transaction that is rolled back at the end; each
test runs in its own savepoint within it (pytest-django's ``db``), so a POST that succeeds is
undone before the next case.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.roles import Role
from joinedup.accounts.sessions import SESSION_LAST_SEEN
from joinedup.people.models import Person, PersonName, WarningMarker
from joinedup.sharing.categories import HOUSING
from joinedup.sharing.models import (
    AccessRequest,
    BreakGlass,
    Consent,
    Gateway,
    InformationCategory,
    LawfulBasis,
)
from joinedup.sharing.policy import access_to_person

from .matrix_fixtures import (
    DISTINCTIVE_VALUES,
    ORGANISATION_KINDS,
    PERSON_VALUES,
    WARNING_DETAILS,
    MatrixWorld,
    build_matrix_world,
)

MATRIX_FILE = Path(__file__).with_name("permission_matrix.yaml")
MATRIX: dict[str, Any] = yaml.safe_load(MATRIX_FILE.read_text(encoding="utf-8"))

METHODS = ("GET", "POST")
BASES = frozenset({"own_organisation", "consent", "lawful_basis", "none"})
STATUSES = frozenset({200, 302, 403, 404, 405})

#: The rows no refused request may change (SEC-12), with the field that says which organisation
#: owns a new row (SEC-17: never settable through the form).
WATCHED: dict[str, type[models.Model]] = {
    "Person": Person,
    "PersonName": PersonName,
    "WarningMarker": WarningMarker,
    "Consent": Consent,
    "LawfulBasis": LawfulBasis,
    "BreakGlass": BreakGlass,
    "AccessRequest": AccessRequest,
}
OWNER_FIELD = {
    "WarningMarker": "raised_by_organisation_id",
    "Consent": "recorded_by_organisation_id",
    "LawfulBasis": "requested_by_organisation_id",
    "BreakGlass": "organisation_id",
    "AccessRequest": "requesting_organisation_id",
}
NEW_PREFERRED_NAME = "Patty Matrix"
#: The fields a successful change of the preferred name may touch.
CHANGEABLE_PERSON_FIELDS = frozenset({"preferred_name", "modified_on", "modified_by_id"})
#: What must not appear in any answer that is not a 200 (SEC-13: not even the name).
NAME_FRAGMENT = str(PERSON_VALUES["family_name"])


# ----------------------------------------------------------------------------- expanding the file


@dataclass(frozen=True)
class CategoryCase:
    role: str
    org: str
    category: str
    basis: str

    def __str__(self) -> str:
        return f"{self.role}-{self.org}-{self.category}"


@dataclass(frozen=True)
class RouteCase:
    route: str
    method: str
    role: str
    org: str
    form: str
    status: int
    view: str = ""
    adds: str = ""
    changes: str = ""

    def __str__(self) -> str:
        return f"{self.route}-{self.method}-{self.role}-{self.org}"

    @property
    def succeeds(self) -> bool:
        return bool(self.adds or self.changes)


def _names(value: Any, groups: dict[str, list[str]], universe: list[str], what: str) -> set[str]:
    """A rule's ``roles`` or ``orgs``: nothing (all), a group's name, or a list of names."""
    if value is None:
        return set(universe)
    if isinstance(value, str):
        if value in groups:
            return set(groups[value])
        value = [value]
    unknown = set(value) - set(universe)
    if unknown:
        raise ValueError(f"{MATRIX_FILE.name}: unknown {what} {sorted(unknown)}")
    return set(value)


def expand_categories(matrix: dict[str, Any]) -> list[CategoryCase]:
    section = matrix["categories"]
    cases = []
    for role in matrix["roles"]:
        for org in matrix["organisations"]:
            for category in section["codes"]:
                if role in section["none_everywhere"]:
                    basis = "none"
                else:
                    basis = section["people_staff"][org][category]
                cases.append(CategoryCase(role, org, category, basis))
    return cases


def expand_routes(matrix: dict[str, Any]) -> list[RouteCase]:
    roles, orgs = list(matrix["roles"]), list(matrix["organisations"])
    cases = []
    for route, spec in matrix["routes"].items():
        for method in METHODS:
            for role in roles:
                for org in orgs:
                    rule = next(
                        (
                            rule
                            for rule in spec[method]
                            if role
                            in _names(rule.get("roles"), matrix["role_groups"], roles, "role")
                            and org
                            in _names(
                                rule.get("orgs"),
                                matrix["organisation_groups"],
                                orgs,
                                "organisation",
                            )
                        ),
                        None,
                    )
                    if rule is None:
                        raise ValueError(
                            f"{MATRIX_FILE.name}: no rule for {route} {method} {role} {org}"
                        )
                    cases.append(
                        RouteCase(
                            route=route,
                            method=method,
                            role=role,
                            org=org,
                            form=spec["form"],
                            status=int(rule["status"]),
                            view=rule.get("view", ""),
                            adds=rule.get("adds", ""),
                            changes=rule.get("changes", ""),
                        )
                    )
    return cases


CATEGORY_CASES = expand_categories(MATRIX)
ROUTE_CASES = expand_routes(MATRIX)
#: (role, org) -> the categories the policy lets that member of staff see, per the matrix.
VISIBLE_CATEGORIES: dict[tuple[str, str], frozenset[str]] = {}
for _case in CATEGORY_CASES:
    VISIBLE_CATEGORIES.setdefault((_case.role, _case.org), frozenset())
    if _case.basis != "none":
        VISIBLE_CATEGORIES[(_case.role, _case.org)] |= {_case.category}


# ----------------------------------------------------------------------------- the world


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[MatrixWorld]:
    """The matrix world, built once for the module in a transaction rolled back afterwards."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_matrix_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _snapshot() -> dict[str, dict[Any, Any]]:
    """Every watched row's id and last-modified time, in one query: a row added, removed or
    saved shows up as a difference."""
    sql = " UNION ALL ".join(
        f"SELECT '{name}', id, modified_on FROM {model._meta.db_table}"  # noqa: S608 (our own names)
        for name, model in WATCHED.items()
    )
    rows: dict[str, dict[Any, Any]] = {name: {} for name in WATCHED}
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for name, pk, modified_on in cursor.fetchall():
            rows[name][uuid.UUID(str(pk))] = modified_on
    return rows


def _person_row(world: MatrixWorld) -> dict[str, Any]:
    return Person.objects.filter(pk=world.person.pk).values().get()


def _date_parts(name: str, value: date) -> dict[str, str]:
    return {
        f"{name}_0": str(value.day),
        f"{name}_1": str(value.month),
        f"{name}_2": str(value.year),
    }


def _form_data(form: str, world: MatrixWorld) -> dict[str, Any]:
    """Plausible data for each kind of form, with fields no form offers (SEC-17) mixed in."""
    today = timezone.localdate()
    other_org = world.organisations["none"].pk
    back_door = {
        "person": world.household_member.pk,
        "registered_by": other_org,
        "organisation": other_org,
        "raised_by_organisation": other_org,
        "recorded_by_organisation": other_org,
        "requested_by_organisation": other_org,
        "requesting_organisation": other_org,
        "holding_organisation": other_org,
        "status": LawfulBasis.Status.APPROVED,
        "expires_at": "2099-01-01T00:00:00Z",
    }
    housing = world.category_pks[HOUSING]
    reason = "Matrix test: needed to support the person this week."
    forms: dict[str, dict[str, Any]] = {
        "none": {},
        "person": {
            **{k: v for k, v in PERSON_VALUES.items() if k != "date_of_birth"},
            **_date_parts("date_of_birth", PERSON_VALUES["date_of_birth"]),
            "ni_number": "QQ 12 34 56 C",
            "preferred_name": NEW_PREFERRED_NAME,
        },
        "other_name": {
            "kind": PersonName.Kind.PREVIOUS,
            "given_name": "Pat",
            "family_name": "Oldname",
        },
        "warning": {
            "kind": WarningMarker.Kind.LONE_VISIT,
            "details": "Matrix test: always visit this address in pairs.",
            **_date_parts("review_on", today + timedelta(days=180)),
        },
        "consent": {
            "organisations": [other_org],
            "categories": [housing],
            "purpose": "Matrix test: to help with housing.",
            "how_given": Consent.HowGiven.VERBAL,
            **_date_parts("given_on", today),
        },
        "reason": {"reason": reason},
        "lawful_basis": {
            "organisations": [other_org],
            "categories": [housing],
            "gateway": Gateway.PUBLIC_TASK_SUBSTANTIAL_PUBLIC_INTEREST,
            "justification": reason,
            **_date_parts("starts_on", today),
            **_date_parts("ends_on", today + timedelta(days=90)),
        },
    }
    return {**back_door, **forms[form]}


def _row_problems(
    case: RouteCase,
    world: MatrixWorld,
    before: dict[str, dict[Any, Any]],
    after: dict[str, dict[Any, Any]],
    person_before: dict[str, Any] | None,
) -> list[str]:
    problems = []
    actor_org = world.organisations[case.org].pk
    for name, model in WATCHED.items():
        added = after[name].keys() - before[name].keys()
        removed = before[name].keys() - after[name].keys()
        changed = [
            pk
            for pk in before[name].keys() & after[name].keys()
            if before[name][pk] != after[name][pk]
        ]
        expected_added = 1 if case.adds == name else 0
        expected_changed = 1 if case.changes == name else 0
        if len(added) != expected_added or removed or len(changed) != expected_changed:
            problems.append(
                f"{name}: {len(added)} added, {len(removed)} removed, {len(changed)} changed; "
                f"expected {expected_added} added, 0 removed, {expected_changed} changed"
            )
            continue
        new_rows = model._default_manager.filter(pk__in=added).values() if added else []
        for row in new_rows:
            # SEC-17: the person and the owner come from the URL and the actor, not the form.
            if row["person_id"] != world.person.pk:
                problems.append(f"{name}: the new row is about someone else")
            owner = OWNER_FIELD.get(name)
            if owner and row[owner] != actor_org:
                problems.append(f"{name}: the new row's {owner} is not the actor's organisation")
            if name == "LawfulBasis" and row["status"] != LawfulBasis.Status.PENDING:
                problems.append(f"LawfulBasis: a new request has status {row['status']!r}")
            if name == "BreakGlass" and row["user_id"] != world.user(case.org, case.role).pk:
                problems.append("BreakGlass: the new row is not the actor's")
        if changed and person_before is not None:
            person_after = _person_row(world)
            if changed != [world.person.pk]:
                problems.append("Person: a different person's row changed")
            touched = {f for f in person_before if person_before[f] != person_after[f]}
            if touched - CHANGEABLE_PERSON_FIELDS:
                problems.append(
                    f"Person: fields changed beyond the preferred name: {sorted(touched)}"
                )
            if person_after["preferred_name"] != NEW_PREFERRED_NAME:
                problems.append("Person: the preferred name was not changed")
    return problems


def _leak_problems(case: RouteCase, world: MatrixWorld, response: Any) -> list[str]:
    problems = []
    text = response.content.decode("utf-8", errors="replace") + response.get("Location", "")
    shown_in_full = response.status_code == 200 and case.view != "restricted"
    visible = VISIBLE_CATEGORIES[(case.role, case.org)] if shown_in_full else frozenset()
    for leak in DISTINCTIVE_VALUES:
        if leak.text in text and leak.category not in visible:
            problems.append(f"leaks {leak.text!r} ({leak.category})")
    if response.status_code != 200:
        for value in (NAME_FRAGMENT, WARNING_DETAILS):
            if value in text:
                problems.append(f"a {response.status_code} answer shows {value!r}")
    return problems


def _view_problems(case: RouteCase, world: MatrixWorld, response: Any) -> list[str]:
    if response.status_code != 200 or not case.view:
        return []
    body = response.content.decode("utf-8", errors="replace")
    problems = []
    restricted = 'data-testid="restricted-view"' in body
    full = 'data-testid="section-identity_contact"' in body
    if case.view == "restricted" and (not restricted or full):
        problems.append("expected the restricted view")
    if case.view == "full" and (restricted or not full):
        problems.append("expected the full record")
    # Shown to everyone who may find the person, whatever else they see (SEC-16).
    if WARNING_DETAILS not in body:
        problems.append("the staff-safety warning is not shown")
    if world.organisations["holder"].name not in body:
        problems.append("the agencies involved are not shown")
    if "Pat Matrixtest" not in body:
        problems.append("the person's name is not shown")
    if case.view == "full":  # what the actor may see is really there, so the leak check bites
        visible = VISIBLE_CATEGORIES[(case.role, case.org)]
        for value in DISTINCTIVE_VALUES:
            if value.on_record_page and value.category in visible and value.text not in body:
                problems.append(f"the full record does not show {value.text!r} ({value.category})")
    return problems


# ----------------------------------------------------------------------------- the tests


def test_matrix_file_covers_every_role_organisation_category_and_route(db: None) -> None:
    """SEC-11, SEC-12: the matrix lists every role, every organisation kind of the world, the
    shipped categories it names, and routes that exist, each with GET and POST; every case
    resolves to a known answer."""
    assert set(MATRIX["roles"]) == set(Role.values)
    assert tuple(MATRIX["organisations"]) == ORGANISATION_KINDS
    codes = MATRIX["categories"]["codes"]
    assert set(codes) <= set(InformationCategory.objects.values_list("code", flat=True))
    people_staff = MATRIX["categories"]["people_staff"]
    assert set(people_staff) == set(ORGANISATION_KINDS)
    for org, answers in people_staff.items():
        assert set(answers) == set(codes), org
        assert set(answers.values()) <= BASES, org
    assert set(MATRIX["categories"]["none_everywhere"]).isdisjoint(
        MATRIX["role_groups"]["people_staff"]
    )
    for route, spec in MATRIX["routes"].items():
        assert set(spec) == {"form", *METHODS}, route
        reverse(route, kwargs={"person_id": "00000000-0000-0000-0000-000000000000"})
    for case in ROUTE_CASES:
        assert case.status in STATUSES, case
        assert not case.succeeds or case.status == 302, case
        assert not case.view or (case.route == "people:detail" and case.status == 200), case
        assert case.adds in {"", *WATCHED} and case.changes in {"", "Person"}, case
    roles, orgs, categories = len(MATRIX["roles"]), len(ORGANISATION_KINDS), len(codes)
    assert len(CATEGORY_CASES) == roles * orgs * categories
    assert len(ROUTE_CASES) == len(MATRIX["routes"]) * len(METHODS) * roles * orgs


@pytest.mark.parametrize("case", CATEGORY_CASES, ids=str)
def test_policy_decision(case: CategoryCase, world: MatrixWorld, db: None) -> None:
    """SEC-12, SEC-15, SEC-18: asked directly, the access policy gives each role in each
    organisation the basis the matrix lists for the category (own organisation, consent, an
    approved lawful basis, or none: withdrawn or expired consent and roles that do not work with
    people give none)."""
    actor = world.actor(case.org, case.role)
    decision = access_to_person(actor=actor, person=world.person).decide(case.category)
    assert (decision.basis.value, decision.allowed) == (case.basis, case.basis != "none"), case


@pytest.mark.parametrize("case", ROUTE_CASES, ids=str)
def test_route(case: RouteCase, world: MatrixWorld, db: None) -> None:
    """SEC-11, SEC-12, SEC-13, SEC-15, SEC-16, SEC-17: the route answers this role in this
    organisation with the status (and, on the record page, the full or restricted view) the
    matrix lists; no value of the record leaks beyond what the policy allows (and a refusal
    shows not even the name); no row changes unless the matrix says the POST succeeds, and then
    exactly the expected row, owned by the actor's organisation whatever the form says."""
    client = world.client(case.org, case.role)
    session = client.session  # signed in when the world was built: not idle since (SEC-08)
    session[SESSION_LAST_SEEN] = timezone.now().isoformat()
    session.save()
    url = reverse(case.route, kwargs={"person_id": world.person.pk})
    person_before = _person_row(world) if case.changes else None
    before = _snapshot()
    if case.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, _form_data(case.form, world))
    after = _snapshot()

    problems = []
    if response.status_code != case.status:
        problems.append(f"status {response.status_code}, expected {case.status}")
    problems += _view_problems(case, world, response)
    problems += _leak_problems(case, world, response)
    problems += _row_problems(case, world, before, after, person_before)
    if problems:
        pytest.fail(f"{case}:\n  " + "\n  ".join(problems), pytrace=False)
