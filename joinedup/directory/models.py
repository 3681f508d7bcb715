"""The partner service directory (F12): what each partner offers, for whom, and how to refer.

The records follow Open Referral UK (ORUK, the UK profile of the Human Services Data
Specification) so a directory can be imported from, and exported to, other ORUK publishers
(see ``oruk.py``). Field names are ORUK's where the meaning is the same; where JoinedUp needs
something ORUK has no field for, the export carries it as an extension field.

=======================================  ==================================================
JoinedUp                                 ORUK (original UK profile; HSDS 3 name in brackets)
=======================================  ==================================================
Service.oruk_id                          service.id (unique per organisation here)
Service.organisation                     service.organization.name (resolved, never created)
Service.name / description / url /       service.name / description / url / email
email
Service.status                           service.status: "active"; "inactive", "defunct" and
                                         "temporarily closed" are all stored as inactive
Service.fees                             service.fees (fees_description)
Service.eligibility_description          service.eligibilitys[0].eligibility
                                         (eligibility_description)
Service.minimum_age / maximum_age        service.eligibilitys[0].minimum_age / maximum_age
                                         (service.minimum_age / maximum_age)
Service.how_to_refer                     service.application_process (HSDS)
Service.last_reviewed                    service.assured_date
Service.referral_method                  extension: service.referral_method
Service.accepting_referrals              extension: service.accepting_referrals
Service.waiting_time_days                extension: service.waiting_time_days (HSDS wait_time
                                         is free text; it is exported as well, for reading)
ServiceNeed.need                         extension: service.need_areas (list of codes), and
                                         read from service_taxonomys / attributes via
                                         ``oruk.TAXONOMY_TO_NEED``
ServiceLocation                          service.service_at_locations[].location
  name / latitude / longitude              .name / .latitude / .longitude
  address_1 / city / postcode              .physical_addresses[0].address_1 / city /
                                           postal_code (addresses[0] in HSDS 3)
ServiceContact                           service.contacts[]
  name / title                             .name / .title
  phone                                    .phones[0].number
  email                                    .email (HSDS 3)
=======================================  ==================================================

The directory is not personal data: any member of staff who has passed two-factor may read
it. Organisation admins change their own organisation's services; system admins any.
"""

from __future__ import annotations

from django.db import models

from joinedup.accounts.models import Organisation
from joinedup.core.models import ArchivableModel, BaseModel

from .needs import NeedArea


class Service(ArchivableModel):
    """A service a partner offers (ORUK ``service``)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Running"
        INACTIVE = "inactive", "Not running at the moment"

    class ReferralMethod(models.TextChoices):
        JOINEDUP_REFERRAL = "joinedup_referral", "Referral through JoinedUp"
        PHONE = "phone", "Phone"
        EMAIL = "email", "Email"
        WEB = "web", "Online form"
        DROP_IN = "drop_in", "Drop in"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="directory_services"
    )
    oruk_id = models.CharField(
        "ORUK id",
        max_length=255,
        help_text="The service's id in Open Referral UK data. Imports match on it.",
    )
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=4000)
    url = models.URLField("website", max_length=500, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    eligibility_description = models.TextField("who it is for", max_length=2000, blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    how_to_refer = models.TextField(max_length=2000, blank=True)
    referral_method = models.CharField(
        max_length=32, choices=ReferralMethod.choices, default=ReferralMethod.JOINEDUP_REFERRAL
    )
    waiting_time_days = models.PositiveSmallIntegerField(
        "usual wait in days",
        null=True,
        blank=True,
        help_text="How long people usually wait to be seen. Empty when not known.",
    )
    accepting_referrals = models.BooleanField(default=True)
    fees = models.CharField(max_length=500, blank=True)
    last_reviewed = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "oruk_id"], name="service_oruk_id_unique_per_organisation"
            ),
            models.CheckConstraint(
                condition=models.Q(minimum_age__isnull=True)
                | models.Q(maximum_age__isnull=True)
                | models.Q(minimum_age__lte=models.F("maximum_age")),
                name="service_minimum_age_not_above_maximum",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_running(self) -> bool:
        return self.status == self.Status.ACTIVE and not self.is_archived

    @property
    def need_codes(self) -> list[str]:
        """The service's need area codes, in the vocabulary's order (uses prefetched needs)."""
        codes = {need.need for need in self.needs.all()}
        return [code for code in NeedArea.values if code in codes]

    @property
    def need_labels(self) -> list[str]:
        labels = dict(NeedArea.choices)
        return [labels[code] for code in self.need_codes]

    @property
    def age_range(self) -> str:
        """Who it is for by age, in words ("" when open to every age)."""
        low, high = self.minimum_age, self.maximum_age
        if low is not None and high is not None:
            return f"{low} to {high}"
        if low is not None:
            return f"{low} and over"
        if high is not None:
            return f"Up to {high}"
        return ""


class ServiceNeed(BaseModel):
    """A need area a service helps with. A table, not a list field, so that "services for this
    need" is an indexed query on SQLite and PostgreSQL alike."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="needs")
    need = models.CharField(max_length=32, choices=NeedArea.choices)

    class Meta:
        ordering = ["need"]
        constraints = [
            models.UniqueConstraint(fields=["service", "need"], name="service_need_unique"),
        ]
        indexes = [models.Index(fields=["need"])]

    def __str__(self) -> str:
        return self.get_need_display()


class ServiceLocation(BaseModel):
    """Where a service is delivered (ORUK ``location`` with its ``physical_address``)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200)
    address_1 = models.CharField("address", max_length=200, blank=True)
    city = models.CharField("town or city", max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def address_lines(self) -> list[str]:
        return [part for part in (self.address_1, self.city, self.postcode) if part]


class ServiceContact(BaseModel):
    """Someone to contact about a service (ORUK ``contact`` with its first ``phone``)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200, blank=True)
    title = models.CharField("job title", max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(max_length=254, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.title or self.phone or self.email
