"""A triage: one per referral, held by the organisation that triaged it (the one the referral
was made to). It links the referral, the person and the first assessment, and records the
outcome. "Open a case" hands the person to a named key worker; the case itself is opened by
case management, which marks the handoff taken."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from joinedup.core.models import BaseModel
from joinedup.sharing.categories import IDENTITY


class Triage(BaseModel):
    class Outcome(models.TextChoices):
        OPEN_CASE = "open_case", "Open a case with a key worker"
        SIGNPOST = "signpost", "Signpost to a partner service"
        NO_FURTHER_ACTION = "no_further_action", "No further action"

    #: The fact of a triage and its outcome are identity and contact information, held by the
    #: triaging organisation; the assessment's areas carry their own categories.
    CATEGORY: ClassVar[str] = IDENTITY

    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="triage"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="triages")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.OneToOneField(
        "assessments.Assessment", on_delete=models.PROTECT, related_name="triage"
    )
    identified_needs = models.JSONField(
        default=list,
        blank=True,
        help_text="Need area codes: the areas the assessment found complex, and what the "
        "person asked for help with.",
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    completed_on = models.DateTimeField(null=True, blank=True, db_index=True)
    key_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handoffs",
        help_text="Open a case: the key worker who will be the person's single point of contact.",
    )
    handoff_note = models.TextField(blank=True, max_length=2000)
    case_opened_on = models.DateTimeField(
        null=True, blank=True, help_text="When case management took the handoff."
    )
    signposted_service = models.ForeignKey(
        "directory.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    onward_referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Signpost: the referral sent to the service, when one was sent.",
    )
    no_further_action_reason = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_on"]
        indexes = [
            models.Index(fields=["key_worker", "outcome", "case_opened_on"], name="triage_handoff"),
        ]

    def __str__(self) -> str:
        return f"Triage of referral {self.referral_id}"

    @property
    def is_complete(self) -> bool:
        return self.completed_on is not None
