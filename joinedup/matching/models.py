"""Agency extracts, linkage runs, the clerical review queue and stable person ids (F13).

- An :class:`Extract` is one file from one agency (council tax, housing, police…): its
  organisation, extract date and lawful basis or sharing agreement, loaded whole through a
  saved :class:`ColumnMapping`. Its rows are :class:`ExtractRecord` rows: the standard person
  fields as the agency gave them, plus the agency's signals (arrears, incidents…).
- A :class:`LinkageRun` is one background matching job with its progress and figures; the
  trained model and its term-frequency tables are kept on the run, so incremental runs
  score new records without retraining.
- Each record belongs to one :class:`LinkedPerson`: our own persistent id, which survives
  runs (Splink's cluster ids do not). :class:`ClusterChange` records each merge and split,
  and a data officer can undo them.
- Pairs between the thresholds wait in the review queue as :class:`CandidatePair`; the
  decision is a :class:`PairDecision` on the two records, reused by every later run.

Records are keyed for linkage as ``r<number>`` (an extract record) and ``p<uuid>`` (a
person on JoinedUp's shared record, so that extracts link to existing people too).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from joinedup.core.models import BaseModel


class SourceKind(models.TextChoices):
    COUNCIL_TAX = "council_tax", "Council tax"
    HOUSING = "housing", "Housing and rent accounts"
    POLICE = "police", "Police contacts and anti-social behaviour"
    SOCIAL_CARE = "social_care", "Social care"
    SCHOOLS = "schools", "Schools attendance"
    JOBCENTRE = "jobcentre", "Jobcentre claimants"
    HEALTH = "health", "Health contacts"
    OTHER = "other", "Other"


#: The standard person fields an extract's columns are mapped to, with their labels.
STANDARD_FIELDS: dict[str, str] = {
    "first_name": "First name",
    "surname": "Surname",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "address": "Address",
    "postcode": "Postcode",
    "uprn": "UPRN",
    "ni_number": "National Insurance number",
    "nhs_number": "NHS number",
    "email": "Email address",
    "phone": "Phone number",
}


class Signal(models.TextChoices):
    """What an agency's record says about the person's circumstances; numeric values, the
    higher the more concerning, except attendance (lower is worse)."""

    ARREARS_AMOUNT = "arrears_amount", "Council tax arrears (£)"
    RENT_ARREARS = "rent_arrears", "Rent arrears (£)"
    INCIDENTS_12M = "incidents_12m", "Police incidents in 12 months"
    ASB_INCIDENTS_12M = "asb_incidents_12m", "Anti-social behaviour incidents in 12 months"
    OPEN_REFERRAL = "open_referral", "Open social care referral"
    ATTENDANCE_PCT = "attendance_pct", "School attendance (%)"
    MONTHS_CLAIMING = "months_claiming", "Months claiming out-of-work benefits"
    AE_ATTENDANCES_12M = "ae_attendances_12m", "A&E attendances in 12 months"


class ColumnMapping(BaseModel):
    """A saved mapping of an agency's column headers to the standard fields and signals,
    reused for each new extract from the same agency."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="column_mappings"
    )
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices)
    name = models.CharField(max_length=120)
    id_column = models.CharField(
        max_length=120, help_text="The column holding the agency's own record id."
    )
    fields = models.JSONField(default=dict, help_text="Standard field → column header.")
    signals = models.JSONField(default=dict, help_text="Signal → column header.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="column_mapping_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def columns(self) -> set[str]:
        return {self.id_column, *self.fields.values(), *self.signals.values()}


class Extract(BaseModel):
    """One agency extract, loaded whole or not at all. The same file loaded again for the
    same organisation is recognised by its SHA-256 and not loaded twice (REL-02)."""

    reference = models.CharField(max_length=12, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="extracts"
    )
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices)
    extract_date = models.DateField(help_text="The day the agency took the extract.")
    lawful_basis = models.TextField(
        help_text="The lawful basis for sharing it, e.g. 'UK GDPR 6(1)(e) public task'."
    )
    agreement = models.ForeignKey(
        "sharing.SharingAgreement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="extracts",
    )
    mapping = models.ForeignKey(
        ColumnMapping, null=True, blank=True, on_delete=models.SET_NULL, related_name="extracts"
    )
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    #: SHA-256 of the kind, extract date and record ids (``services.content_digest``): the
    #: same extract saved again as another file is recognised as the same extract (REL-02).
    content_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    row_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-extract_date", "-created_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "sha256"], name="extract_once_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_source_kind_display()} {self.extract_date}"


class LinkedPerson(models.Model):
    """Our persistent id for one person across extracts and runs."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        MERGED = "merged", "Merged into another"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="absorbed"
    )
    #: The person on JoinedUp's shared record in this cluster, if any.
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="linked_people",
    )
    created_on = models.DateTimeField(default=timezone.now, editable=False)
    created_by_run = models.ForeignKey(
        "LinkageRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return self.reference


class ExtractRecord(models.Model):
    """One row of an extract: the fields as the agency gave them (trimmed), its signals,
    and the person it was linked to."""

    id = models.BigAutoField(primary_key=True)
    extract = models.ForeignKey(Extract, on_delete=models.CASCADE, related_name="records")
    row_number = models.PositiveIntegerField(help_text="The line in the file (header is 1).")
    source_record_id = models.CharField(max_length=100)
    first_name = models.CharField(max_length=100, blank=True)
    surname = models.CharField(max_length=100, blank=True)
    date_of_birth = models.CharField(max_length=40, blank=True)
    sex = models.CharField(max_length=20, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    uprn = models.CharField(max_length=20, blank=True)
    ni_number = models.CharField(max_length=20, blank=True)
    nhs_number = models.CharField(max_length=20, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    signals = models.JSONField(default=dict)
    linked_person = models.ForeignKey(
        LinkedPerson, null=True, blank=True, on_delete=models.SET_NULL, related_name="records"
    )

    class Meta:
        ordering = ["extract", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["extract", "row_number"], name="extract_record_row")
        ]

    def __str__(self) -> str:
        return f"{self.extract.reference} line {self.row_number}"

    @property
    def key(self) -> str:
        return record_key(self.pk)


def record_key(pk: Any) -> str:
    return f"r{pk}"


def person_key(pk: Any) -> str:
    return f"p{pk}"


class LinkageRun(models.Model):
    """One matching job: queued, running, then succeeded or failed, with its progress."""

    class Kind(models.TextChoices):
        FULL = "full", "Full run (trains the model)"
        INCREMENTAL = "incremental", "New extracts only (the saved model)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.FULL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_on = models.DateTimeField(default=timezone.now)
    started_on = models.DateTimeField(null=True, blank=True)
    finished_on = models.DateTimeField(null=True, blank=True)
    stage = models.CharField(max_length=60, blank=True)
    #: When the job last said it was alive (each stage); a run silent for long has died.
    heartbeat_on = models.DateTimeField(null=True, blank=True)
    records_loaded = models.PositiveIntegerField(default=0)
    pairs_scored = models.PositiveIntegerField(default=0)
    clusters = models.PositiveIntegerField(default=0)
    auto_links = models.PositiveIntegerField(default=0)
    review_pairs = models.PositiveIntegerField(default=0)
    people_created = models.PositiveIntegerField(default=0)
    merges = models.PositiveIntegerField(default=0)
    splits = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    upper_threshold = models.FloatField(default=0.0)
    lower_threshold = models.FloatField(default=-4.0)
    error = models.TextField(blank=True)
    #: The trained Splink model and its term-frequency tables (column → [[value, tf], ...]).
    model = models.JSONField(null=True, blank=True)
    tf_tables = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.requested_on:%d %b %Y %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class PairDecision(models.Model):
    """A data officer's decision that two records are (or are not) the same person; every
    later run honours it. ``left_key`` is the smaller key."""

    class Decision(models.TextChoices):
        MATCH = "match", "The same person"
        NON_MATCH = "non_match", "Different people"

    id = models.BigAutoField(primary_key=True)
    left_key = models.CharField(max_length=40)
    right_key = models.CharField(max_length=40)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    note = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["left_key", "right_key"], name="pair_decision_once")
        ]

    def __str__(self) -> str:
        return f"{self.left_key}–{self.right_key}: {self.get_decision_display()}"


class CandidatePair(models.Model):
    """A pair scored between the thresholds by a run, waiting for a data officer."""

    id = models.BigAutoField(primary_key=True)
    #: What URLs show (SEC-13): the row id stays a fast integer, the address is unguessable.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="candidates")
    left_key = models.CharField(max_length=40)
    right_key = models.CharField(max_length=40)
    match_weight = models.FloatField()
    match_probability = models.FloatField()
    #: Each compared field's match weight (positive: evidence for, negative: against).
    field_weights = models.JSONField(default=dict)
    decision = models.ForeignKey(
        PairDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-match_weight", "id"]
        indexes = [models.Index(fields=["run", "decision"], name="candidate_run_open")]

    def __str__(self) -> str:
        return f"{self.left_key}–{self.right_key} ({self.match_weight:.1f})"


class ClusterChange(models.Model):
    """A merge (``other`` absorbed into ``person``) or split (``records`` moved from
    ``person`` to the new ``other``), by a run or a data officer; an undo points back."""

    class Kind(models.TextChoices):
        MERGE = "merge", "Merged"
        SPLIT = "split", "Split"

    id = models.BigAutoField(primary_key=True)
    #: What URLs show (SEC-13): the row id stays a fast integer, the address is unguessable.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=6, choices=Kind.choices)
    person = models.ForeignKey(LinkedPerson, on_delete=models.PROTECT, related_name="+")
    other = models.ForeignKey(LinkedPerson, on_delete=models.PROTECT, related_name="+")
    records = models.JSONField(default=list, help_text="The keys of the records moved.")
    run = models.ForeignKey(
        LinkageRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_on = models.DateTimeField(default=timezone.now)
    undone_on = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-made_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person} / {self.other}"


class InsightReferral(models.Model):
    """A referral for triage made from "known to several agencies" (F13): the referral, the
    linked person it was made for, and why: the lawful basis the data officer recorded for
    sharing the person's details (there is no consent: the person did not ask) and the
    priority with its reasons as they stood when the referral was made."""

    id = models.BigAutoField(primary_key=True)
    linked_person = models.ForeignKey(
        LinkedPerson, on_delete=models.PROTECT, related_name="insight_referrals"
    )
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="insight_referral"
    )
    lawful_basis = models.TextField(help_text="The lawful basis for sharing their details.")
    #: The priority's reasons: [{"text": ..., "points": ...}, ...].
    reasons = models.JSONField(default=list)
    priority = models.IntegerField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_on = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-made_on", "-id"]

    def __str__(self) -> str:
        return f"{self.linked_person} referred ({self.referral})"
