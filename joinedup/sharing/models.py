"""Information categories, sharing agreements, the consent ledger, lawful bases, break-glass
and access requests (F3). The decisions themselves are made in ``sharing.policy`` only."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from joinedup.core.models import ArchivableModel, BaseModel


class InformationCategory(BaseModel):
    """A kind of information. Everything about a person carries one, so the policy can decide
    who sees it (architecture rule 4). Shipped with defaults; names and descriptions editable."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, max_length=2000)
    special_category = models.BooleanField(
        default=False,
        help_text="UK GDPR special category or criminal offence data (Art. 9 or 10).",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "information categories"

    def __str__(self) -> str:
        return self.name


class Gateway(models.TextChoices):
    """Legal gateways for sharing without consent. Each needs approval by information
    governance before it gives anyone access."""

    PUBLIC_TASK_SUBSTANTIAL_PUBLIC_INTEREST = (
        "uk_gdpr_6_1_e_9_2_g",
        "UK GDPR Art. 6(1)(e) public task, with Art. 9(2)(g) substantial public interest",
    )
    PUBLIC_TASK_HEALTH_SOCIAL_CARE = (
        "uk_gdpr_6_1_e_9_2_h",
        "UK GDPR Art. 6(1)(e) public task, with Art. 9(2)(h) health or social care",
    )
    VITAL_INTERESTS = ("uk_gdpr_6_1_d_9_2_c", "UK GDPR Art. 6(1)(d) and 9(2)(c) vital interests")
    LEGAL_OBLIGATION = ("uk_gdpr_6_1_c", "UK GDPR Art. 6(1)(c) legal obligation")
    CRIME_AND_DISORDER = ("cda_1998_s115", "Crime and Disorder Act 1998 s.115")
    DIGITAL_ECONOMY = (
        "dea_2017_part5",
        "Digital Economy Act 2017 Part 5 (public service delivery, multiple disadvantages)",
    )
    CARE_ACT_SAFEGUARDING = ("care_act_2014_s42", "Care Act 2014 s.42 safeguarding enquiry")
    CHILDREN_ACT = ("children_act_2004_s11", "Children Act 2004 s.11 safeguarding children")


class SharingAgreement(ArchivableModel):
    """An information sharing agreement between organisations (ICO code: parties, purposes,
    categories, dates)."""

    name = models.CharField(max_length=200)
    reference = models.CharField(max_length=50, blank=True)
    purpose = models.TextField(max_length=4000)
    parties = models.ManyToManyField("accounts.Organisation", related_name="sharing_agreements")
    categories = models.ManyToManyField(InformationCategory, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def is_current(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return (
            not self.is_archived
            and self.starts_on <= on
            and (self.ends_on is None or on <= self.ends_on)
        )


class Consent(BaseModel):
    """One entry in a person's consent ledger: who may see which categories, why, how it was
    given, until when; and, when withdrawn, who withdrew it, when and why."""

    class HowGiven(models.TextChoices):
        WRITTEN = "written", "Written (signed form)"
        VERBAL = "verbal", "Verbal (recorded by staff)"
        DIGITAL = "digital", "Digital (online form or e-signature)"

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="consents")
    agreement = models.ForeignKey(
        SharingAgreement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents",
        help_text="Consent to sharing between the parties of this agreement.",
    )
    organisations = models.ManyToManyField(
        "accounts.Organisation",
        blank=True,
        related_name="+",
        help_text="Organisations the person agreed may see the information.",
    )
    categories = models.ManyToManyField(InformationCategory, related_name="+")
    purpose = models.TextField(max_length=2000)
    how_given = models.CharField(max_length=10, choices=HowGiven.choices)
    given_on = models.DateField()
    recorded_by_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    expires_on = models.DateField(null=True, blank=True)
    referral_reference = models.CharField(
        max_length=12,
        blank=True,
        db_index=True,
        help_text="The referral this consent was captured with, if any.",
    )
    evidence = models.FileField(upload_to="consent-evidence/%Y/%m/", blank=True, max_length=300)
    withdrawn_on = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-given_on", "-created_on"]

    def __str__(self) -> str:
        return f"Consent of {self.given_on:%d %b %Y}"

    def is_active(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return (
            self.withdrawn_on is None
            and self.given_on <= on
            and (self.expires_on is None or on <= self.expires_on)
        )

    @property
    def status(self) -> str:
        if self.withdrawn_on is not None:
            return "Withdrawn"
        today = timezone.localdate()
        if self.expires_on is not None and self.expires_on < today:
            return "Expired"
        if self.given_on > today:
            return "Not yet started"
        return "Active"


class LawfulBasis(BaseModel):
    """Sharing without consent under a legal gateway. Gives access only once approved by an
    information governance officer, and only for its organisations, categories and dates."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        ENDED = "ended", "Ended early"

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="lawful_bases"
    )
    organisations = models.ManyToManyField("accounts.Organisation", related_name="+")
    categories = models.ManyToManyField(InformationCategory, related_name="+")
    gateway = models.CharField(max_length=40, choices=Gateway.choices)
    justification = models.TextField(max_length=4000)
    starts_on = models.DateField()
    ends_on = models.DateField()
    requested_by_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_on"]
        verbose_name_plural = "lawful bases"

    def __str__(self) -> str:
        return f"{self.get_gateway_display()} ({self.get_status_display()})"

    def is_active(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.status == self.Status.APPROVED and self.starts_on <= on <= self.ends_on


class BreakGlass(BaseModel):
    """Emergency access to a person's whole record by one member of staff: a reason is
    required, it lasts a limited time and every use lands in information governance review."""

    class Outcome(models.TextChoices):
        APPROPRIATE = "appropriate", "Appropriate"
        INAPPROPRIATE = "inappropriate", "Not appropriate: followed up"

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(max_length=2000)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_on = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=15, choices=Outcome.choices, blank=True)
    review_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_on"]
        verbose_name_plural = "break-glass accesses"

    def __str__(self) -> str:
        return f"Break-glass by {self.user} until {self.expires_at:%d %b %H:%M}"

    def is_active(self) -> bool:
        return self.expires_at > timezone.now()


class AccessRequest(BaseModel):
    """A partner without a basis asks the organisations that hold the record for access. The
    holders see it in their review queue; granting it means recording consent or a lawful
    basis, never a silent switch."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for an answer"
        ANSWERED = "answered", "Answered"

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requesting_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    holding_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="access_requests"
    )
    reason = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_on = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_on"]

    def __str__(self) -> str:
        return f"Access request from {self.requesting_organisation}"
