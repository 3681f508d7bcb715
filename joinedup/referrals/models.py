"""Referrals (F5). A referral is about a person (matched to the one person record, or, for a
self-referral not yet triaged, holding the details the resident gave) and goes to an
organisation, optionally a team or a directory service."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from joinedup.core.models import BaseModel
from joinedup.sharing.categories import IDENTITY


class Referral(BaseModel):
    class Source(models.TextChoices):
        STAFF = "staff", "A member of staff"
        SELF = "self", "Self-referral"
        DATA_MATCHING = "data_matching", "Data matching"
        OTHER_SYSTEM = "other_system", "Another system"

    class Status(models.TextChoices):
        NEW = "new", "New"
        AWAITING = "awaiting", "Awaiting response"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        CLOSED = "closed", "Closed"

    class Urgency(models.TextChoices):
        ROUTINE = "routine", "Routine"
        SOON = "soon", "Soon: within 2 working days"
        URGENT = "urgent", "Urgent: today"

    OPEN_STATUSES: ClassVar[tuple[str, ...]] = (Status.NEW, Status.AWAITING)
    CATEGORY: ClassVar[str] = IDENTITY

    reference = models.CharField(max_length=12, unique=True, editable=False)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    referred_by_organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="referrals_received"
    )
    to_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    to_service = models.ForeignKey(
        "directory.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    reason = models.TextField(max_length=5000)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    consent_to_share = models.BooleanField(
        default=False,
        help_text="The person agreed to this referral and to the details being shared.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    received_on = models.DateTimeField(db_index=True)
    respond_by = models.DateField(db_index=True)
    responded_on = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decline_reason = models.TextField(blank=True, max_length=2000)
    outcome = models.TextField(
        blank=True, max_length=2000, help_text="What happened, so the referrer knows (closed loop)."
    )
    # What a resident told us on the public form, kept until triage matches them to a record.
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    contact_preference = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-received_on"]
        indexes = [
            models.Index(
                fields=["to_organisation", "status", "received_on"], name="referral_inbox"
            ),
            # The inbox's tab counts (with overdue) are answered from this index alone, and
            # the open tabs are read in "answer by" order (bench/referral_inbox.py).
            models.Index(
                fields=["to_organisation", "status", "respond_by", "received_on"],
                name="referral_inbox_due",
            ),
            models.Index(fields=["referred_by_organisation", "received_on"], name="referral_sent"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ReferralNeed(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="needs")
    need = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "need"], name="one_need_per_referral"),
        ]

    def __str__(self) -> str:
        return self.need


class ResponseTarget(BaseModel):
    """How many working days an organisation (or one of its teams) has to answer a referral.
    Without a row, the default is 5 working days (setting REFERRAL_RESPONSE_DAYS)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    working_days = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "team"], name="one_target_per_team"),
        ]

    def __str__(self) -> str:
        return f"{self.working_days} working days"
