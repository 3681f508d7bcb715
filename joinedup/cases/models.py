"""Cases, their history, and the personalised plan (goals and actions across partners).

A case is held by its lead organisation; its key worker is the person's single point of
contact. Each goal and action carries an information category (rule 4): a partner sees the
plan's parts its basis covers, and always the actions it owns. Actions and cases carry a
``version`` that every change checks and increments, so two people editing at once never lose
an update silently (REL-01)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from joinedup.core.models import BaseModel
from joinedup.directory.needs import NeedArea
from joinedup.sharing.categories import IDENTITY


class Programme(BaseModel):
    """What a case is part of, e.g. "Me and My Learning". Set up in Django admin."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Case(BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Re-opened"

    class ClosureReason(models.TextChoices):
        GOALS_MET = "goals_met", "Goals met"
        EMPLOYMENT = "employment", "Moved into work"
        DISENGAGED = "disengaged", "Stopped engaging"
        MOVED_AWAY = "moved_away", "Moved away"
        TRANSFERRED_OUT = "transferred_out", "Another service took over"
        OTHER = "other", "Other"

    ACTIVE_STATUSES: ClassVar[tuple[str, ...]] = (Status.OPEN, Status.REOPENED, Status.PAUSED)
    CATEGORY: ClassVar[str] = IDENTITY

    reference = models.CharField(max_length=12, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="cases")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The lead organisation, which holds the case.",
    )
    key_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases"
    )
    triage = models.OneToOneField(
        "triage.Triage", null=True, blank=True, on_delete=models.PROTECT, related_name="case"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    closure_note = models.TextField(blank=True, max_length=2000)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_on", "-created_on"]
        indexes = [
            models.Index(fields=["key_worker", "status"], name="case_caseload"),
            models.Index(fields=["organisation", "status"], name="case_lead"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme"],
                condition=models.Q(status__in=["open", "paused", "reopened"]),
                name="one_active_case_per_programme",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class CaseEvent(BaseModel):
    """The case's history: opened, paused, resumed, closed, re-opened, key worker or lead
    organisation changed; with the reason, who and when."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        PAUSED = "paused", "Paused"
        RESUMED = "resumed", "Resumed"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Re-opened"
        TRANSFERRED = "transferred", "Key worker or lead organisation changed"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.TextField(blank=True, max_length=2000)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_on"]

    def __str__(self) -> str:
        return self.get_kind_display()


class Goal(BaseModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Working on it"
        ACHIEVED = "achieved", "Achieved"
        DROPPED = "dropped", "No longer a goal"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals")
    need_area = models.CharField(max_length=32, choices=NeedArea.choices)
    description = models.TextField(max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    category = models.CharField(max_length=40, editable=False, db_index=True)

    class Meta:
        ordering = ["created_on"]
        indexes = [
            # A case's first goal, for the "plan within 10 working days" measure.
            models.Index(fields=["case", "created_on"], name="goal_case_first"),
        ]

    def __str__(self) -> str:
        return self.description[:60]


class Action(BaseModel):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES: ClassVar[tuple[str, ...]] = (Status.NOT_STARTED, Status.IN_PROGRESS)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    description = models.TextField(max_length=1000)
    owner_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )
    due_on = models.DateField(null=True, blank=True, db_index=True)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.NOT_STARTED, db_index=True
    )
    progress_note = models.TextField(blank=True, max_length=2000)
    completed_on = models.DateField(null=True, blank=True)
    category = models.CharField(max_length=40, db_index=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "created_on"]
        indexes = [
            models.Index(fields=["owner", "status", "due_on"], name="action_mine"),
            models.Index(fields=["owner_organisation", "status", "due_on"], name="action_org"),
            # A case's first action, for the "plan within 10 working days" measure.
            models.Index(fields=["case", "created_on"], name="action_case_first"),
            # "My work": an organisation's open actions with no one named, in due order.
            models.Index(
                fields=["owner_organisation", "due_on"],
                condition=models.Q(owner__isnull=True, status__in=["not_started", "in_progress"]),
                name="action_org_unassigned_open",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class CrossReferral(BaseModel):
    """A referral from a case to a partner service. The referral itself (in the partner's
    inbox, answered and closed there with what they did) is the referrals app's; this links it
    to the case so the key worker sees it on the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="cross_referrals")
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="cross_referral"
    )

    class Meta:
        ordering = ["created_on"]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.referral_id}"


class Contact(BaseModel):
    """A contact with the person or about them: when, how, who was there, how long, and a
    note. Held by the organisation that recorded it, and shared by its category (rule 4)."""

    class Kind(models.TextChoices):
        FACE_TO_FACE = "face_to_face", "Face to face"
        PHONE = "phone", "Phone"
        HOME_VISIT = "home_visit", "Home visit"
        GROUP_SESSION = "group_session", "Group session"
        VIDEO = "video", "Video call"
        TEXT = "text", "Text message"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    happened_on = models.DateField(db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    attendees = models.CharField(max_length=500, blank=True)
    note = models.TextField(max_length=5000)
    category = models.CharField(max_length=40, db_index=True)

    class Meta:
        ordering = ["-happened_on", "-created_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.happened_on}"


class Attachment(BaseModel):
    """A file kept with a contact: checked on upload (type, size, content), stored outside the
    web root under a random name, and served only through a permission check."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="contact-attachments/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["created_on"]

    def __str__(self) -> str:
        return self.original_name


class ComplexityWeight(BaseModel):
    """How much a case counts towards a key worker's load, by its complexity rating (rule 6:
    data, with shipped defaults Red 3, Amber 2, Green 1; a case not yet rated counts as
    Amber)."""

    rating = models.CharField(max_length=1, unique=True)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rating"]

    def __str__(self) -> str:
        return f"{self.rating}: {self.weight}"


class WorkerCapacity(BaseModel):
    """A key worker's capacity in weighted points for a full-time week, and the share of a
    full-time week they work (pro rata for part-time)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capacity"
    )
    full_time_points = models.PositiveSmallIntegerField(default=60)
    fte = models.DecimalField(max_digits=3, decimal_places=2, default=1)
    specialisms = models.JSONField(
        default=list, blank=True, help_text="Need area codes they specialise in."
    )

    def __str__(self) -> str:
        return f"{self.points} points"

    @property
    def points(self) -> int:
        return round(self.full_time_points * float(self.fte))
