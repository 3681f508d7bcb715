"""The demo partnership generator."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from joinedup.accounts.models import Membership, Organisation, Team, User
from joinedup.accounts.roles import Role
from joinedup.people.models import Household, HouseholdMember, Involvement, Person, WarningMarker
from joinedup.sharing.models import Consent, LawfulBasis

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, list[tuple[object, ...]]]:
    return {
        "organisations": sorted(
            Organisation.objects.values_list("id", "name", "organisation_type", "co_located")
        ),
        "staff": sorted(User.objects.values_list("id", "email", "full_name", "organisation_id")),
        "people": sorted(
            Person.objects.values_list(
                "id", "given_name", "family_name", "date_of_birth", "postcode"
            )
        ),
        "members": sorted(
            HouseholdMember.objects.values_list("household_id", "person_id", "relationship")
        ),
        "involvements": sorted(
            Involvement.objects.values_list("person_id", "organisation_id", "started_on")
        ),
        "consents": sorted(
            Consent.objects.values_list(
                "id", "person_id", "given_on", "expires_on", "withdrawn_on", "agreement_id"
            )
        ),
        "lawful_bases": sorted(LawfulBasis.objects.values_list("id", "person_id", "status")),
        "warnings": sorted(WarningMarker.objects.values_list("id", "person_id", "kind")),
    }


def test_builds_the_partnership_with_every_role() -> None:
    out = StringIO()
    call_command("seed_demo", "--people", "300", "--seed", "7", stdout=out)
    # The partners, plus the police and the hospital trust, which only send extracts.
    assert Organisation.objects.count() == 15
    assert Organisation.objects.filter(co_located=True).count() >= 8
    assert 35 <= User.objects.count() <= 50
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert Team.objects.count() >= 13
    assert Person.objects.count() == 300
    assert Household.objects.count() < 300
    # Every person is in exactly one household and every postcode has the UK shape.
    assert HouseholdMember.objects.count() == 300
    import re

    assert all(
        re.fullmatch(r"NV\d \d[A-Z]{2}", p)
        for p in Person.objects.values_list("postcode", flat=True)
    )
    assert "keyworker@council.northvale.example" in out.getvalue()


class _DiscardBuildError(Exception):
    """Raised to roll a build back after taking its snapshot."""


def _build_and_snapshot(*, seed: int, people: int) -> dict[str, list[tuple[object, ...]]]:
    snapshot: dict[str, list[tuple[object, ...]]] = {}
    try:
        with transaction.atomic():
            call_command(
                "seed_demo", "--people", str(people), "--seed", str(seed), stdout=StringIO()
            )
            snapshot = _snapshot()
            raise _DiscardBuildError
    except _DiscardBuildError:
        pass
    assert not Organisation.objects.exists()
    return snapshot


def test_same_seed_same_partnership() -> None:
    first = _build_and_snapshot(seed=3, people=120)
    assert first["people"]
    assert _build_and_snapshot(seed=3, people=120) == first


def test_different_seed_different_people() -> None:
    first = _build_and_snapshot(seed=1, people=50)
    second = _build_and_snapshot(seed=2, people=50)
    assert {row[1:3] for row in first["people"]} != {row[1:3] for row in second["people"]}


def test_refuses_a_database_that_already_has_a_partnership() -> None:
    call_command("seed_demo", "--people", "10", stdout=StringIO())
    with pytest.raises(CommandError, match="already has organisations"):
        call_command("seed_demo", "--people", "10", stdout=StringIO())
    assert Person.objects.count() == 10


def test_demo_code_command_gives_the_code_that_signs_in(settings) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client
    from django.urls import reverse

    from joinedup.demo.partnership import DEMO_PASSWORD

    call_command("seed_demo", "--people", "0", stdout=StringIO())
    email = "keyworker@council.northvale.example"
    client = Client()
    response = client.post(reverse("accounts:sign_in"), {"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    out, err = StringIO(), StringIO()
    call_command("demo_two_factor_code", email, stdout=out, stderr=err)
    response = client.post(reverse("accounts:two_factor"), {"code": out.getvalue().strip()})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_demo_commands_refuse_outside_the_demo(settings) -> None:  # type: ignore[no-untyped-def]
    """The demo's published password must never reach a real database."""
    settings.JOINEDUP_DEMO_MODE = False
    with pytest.raises(CommandError, match="only works on the demo"):
        call_command("demo_two_factor_code", "keyworker@council.northvale.example")
    with pytest.raises(CommandError, match="only runs where DEMO_MODE is on"):
        call_command("seed_demo", "--people", "5", stdout=StringIO())
    assert not User.objects.exists()
