from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from joinedup.accounts.models import User
from joinedup.accounts.roles import Role

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
