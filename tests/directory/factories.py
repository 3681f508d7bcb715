"""Factories for directory records (the shared ones are in tests/factories.py)."""

from __future__ import annotations

import uuid

import factory

from joinedup.directory.models import Service, ServiceContact, ServiceLocation, ServiceNeed
from joinedup.directory.needs import NeedArea

from ..factories import OrganisationFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    """A running service taking referrals. ``needs=[...]`` sets its need areas (default:
    work and skills)."""

    class Meta:
        model = Service
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    oruk_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    name = factory.Sequence(lambda n: f"Service {n:03d}")
    description = "Helps Northvale residents."
    status = Service.Status.ACTIVE
    accepting_referrals = True

    @factory.post_generation
    def needs(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if not create:
            return
        for need in extracted if extracted is not None else [NeedArea.WORK_SKILLS]:
            ServiceNeed.objects.create(service=self, need=need)


class ServiceLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceLocation

    service = factory.SubFactory(ServiceFactory)
    name = "Northvale Works Hub"
    address_1 = "12 Market Street"
    city = "Northvale"
    postcode = "NV1 4AB"


class ServiceContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceContact

    service = factory.SubFactory(ServiceFactory)
    name = "Jo Bell"
    title = "Referrals coordinator"
    phone = "01632 960001"
    email = "referrals@partner.example"
