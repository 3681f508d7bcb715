from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client

from joinedup.accounts.models import User
from joinedup.accounts.roles import Role
from joinedup.core.actor import Actor

from .factories import OrganisationFactory, UserFactory
from .helpers import log_in_verified


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    cache.clear()


@pytest.fixture
def organisation():  # type: ignore[no-untyped-def]
    return OrganisationFactory(name="Northvale Borough Council")


@pytest.fixture
def other_organisation():  # type: ignore[no-untyped-def]
    return OrganisationFactory(name="Citizens Advice Northvale", organisation_type="voluntary")


@pytest.fixture
def key_worker(organisation) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=organisation, roles=[Role.KEY_WORKER], full_name="Kirsty Walker"
    )


@pytest.fixture
def org_admin(organisation) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=organisation, roles=[Role.ORGANISATION_ADMIN], full_name="Martin Doyle"
    )


@pytest.fixture
def system_admin(organisation) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=organisation, roles=[Role.SYSTEM_ADMIN], full_name="Helen Brooks"
    )


def _client_for(user: User) -> Client:
    client = Client()
    log_in_verified(client, user)
    return client


@pytest.fixture
def key_worker_client(key_worker: User) -> Client:
    return _client_for(key_worker)


@pytest.fixture
def org_admin_client(org_admin: User) -> Client:
    return _client_for(org_admin)


@pytest.fixture
def system_admin_client(system_admin: User) -> Client:
    return _client_for(system_admin)


# ----------------------------------------------------------------------------- a small partnership


@pytest.fixture
def council():  # type: ignore[no-untyped-def]
    return OrganisationFactory(name="Northvale Borough Council")


@pytest.fixture
def cab():  # type: ignore[no-untyped-def]
    return OrganisationFactory(name="Citizens Advice Northvale", organisation_type="voluntary")


@pytest.fixture
def jcp():  # type: ignore[no-untyped-def]
    return OrganisationFactory(name="Jobcentre Plus Northvale")


@pytest.fixture
def council_worker(council) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(organisation=council, roles=[Role.KEY_WORKER], full_name="Kirsty Walker")


@pytest.fixture
def council_ig(council) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=council, roles=[Role.INFORMATION_GOVERNANCE], full_name="Grace Okafor"
    )


@pytest.fixture
def cab_adviser(cab) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(organisation=cab, roles=[Role.PARTNER_PRACTITIONER], full_name="Sam Clarke")


@pytest.fixture
def jcp_coach(jcp) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=jcp, roles=[Role.PARTNER_PRACTITIONER], full_name="Daniel Evans"
    )


def actor_for(user: User) -> Actor:
    return Actor.for_user(user, process="test")


@pytest.fixture
def person(council_worker: User):  # type: ignore[no-untyped-def]
    """Jordan Ellis, registered by the council, with details that must not leak."""
    from joinedup.people.services import register_person

    return register_person(
        actor=actor_for(council_worker),
        values={
            "given_name": "Jordan",
            "family_name": "Ellis",
            "date_of_birth": date(1988, 3, 27),
            "postcode": "nv1 4ab",
            "ni_number": "qq 12 34 56 c",
            "email": "jordan.ellis@example.com",
            "ethnicity": "Secret Ethnicity Value",
        },
    )


def client_for(user: User) -> Client:
    return _client_for(user)


@pytest.fixture
def shipped_defaults() -> None:
    """The information categories, assessment scale, rating rules, programme and complexity
    weights that data migrations ship. A transactional test's flush removes them for the
    transactional tests that follow, so put them back (with the migrations' own functions)
    when they are missing."""
    import importlib

    from django.apps import apps

    from joinedup.assessments.models import AssessmentScale
    from joinedup.cases.models import Programme
    from joinedup.sharing.models import InformationCategory

    for model, migration in (
        (InformationCategory, "joinedup.sharing.migrations.0002_default_categories"),
        (AssessmentScale, "joinedup.assessments.migrations.0002_default_scale_and_rules"),
        (Programme, "joinedup.cases.migrations.0002_default_weights_and_programme"),
    ):
        if not model.objects.exists():
            importlib.import_module(migration).add_defaults(apps, None)
