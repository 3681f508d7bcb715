"""The demo partnership generator."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from joinedup.accounts.models import Membership, Organisation, Team, User
from joinedup.accounts.roles import Role
from joinedup.demo.partnership import totp_key_for
from joinedup.people.models import Household, HouseholdMember, Person

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
    }


def test_builds_the_partnership_with_every_role() -> None:
    out = StringIO()
    call_command("seed_demo", "--people", "300", "--seed", "7", stdout=out)
    assert Organisation.objects.count() == 13
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


def test_same_seed_same_partnership() -> None:
    call_command("seed_demo", "--people", "120", "--seed", "3", stdout=StringIO())
    first = _snapshot()
    Membership.objects.all().delete()
    HouseholdMember.objects.all().delete()
    Person.objects.all().delete()
    Household.objects.all().delete()
    User.objects.all().delete()
    Team.objects.all().delete()
    Organisation.objects.all().delete()
    call_command("seed_demo", "--people", "120", "--seed", "3", stdout=StringIO())
    assert _snapshot() == first


def test_different_seed_different_people() -> None:
    call_command("seed_demo", "--people", "50", "--seed", "1", stdout=StringIO())
    first = set(Person.objects.values_list("given_name", "family_name"))
    HouseholdMember.objects.all().delete()
    Person.objects.all().delete()
    Membership.objects.all().delete()
    User.objects.all().delete()
    Team.objects.all().delete()
    Organisation.objects.all().delete()
    call_command("seed_demo", "--people", "50", "--seed", "2", stdout=StringIO())
    assert set(Person.objects.values_list("given_name", "family_name")) != first


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
    user = User.objects.get(email=email)
    assert user.totpdevice_set.get().key == totp_key_for(1, email)
    client = Client()
    response = client.post(reverse("accounts:sign_in"), {"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    out, err = StringIO(), StringIO()
    call_command("demo_two_factor_code", email, stdout=out, stderr=err)
    response = client.post(reverse("accounts:two_factor"), {"code": out.getvalue().strip()})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_demo_code_command_refuses_outside_the_demo(settings) -> None:  # type: ignore[no-untyped-def]
    settings.JOINEDUP_DEMO_MODE = False
    with pytest.raises(CommandError, match="only works on the demo"):
        call_command("demo_two_factor_code", "keyworker@council.northvale.example")
