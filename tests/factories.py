"""factory_boy factories for the records tests need."""

from __future__ import annotations

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.accounts.models import Membership, Organisation, Team, User
from joinedup.accounts.roles import Role

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Partner Organisation {n}")
    organisation_type = Organisation.Type.STATUTORY
    co_located = True


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A member of staff with a password and (unless two_factor=False) a confirmed authenticator."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@partner.example")
    full_name = factory.Faker("name", locale="en_GB")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if not create:
            return
        for role in extracted if extracted is not None else [Role.KEY_WORKER]:
            Membership.objects.create(user=self, role=role)

    @factory.post_generation
    def two_factor(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted is not False:
            TOTPDevice.objects.create(user=self, name="Authenticator app", confirmed=True)
