"""Outcomes (F9): what a person achieved while their case was open, e.g. a job start and,
13, 26 and 52 weeks later, that the job was sustained.

An outcome belongs to a case and its person and is held by the organisation that recorded
it. It carries the information category of its kind (rule 4), so a partner sees the outcomes
its basis covers and no others. Fields that apply to one kind only are blank for the others;
``KIND_FIELDS`` says which apply and which are needed, and the services check them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models

from joinedup.core.models import BaseModel
from joinedup.sharing.categories import (
    DEFAULT_CATEGORIES,
    DRUGS_ALCOHOL,
    HOUSING,
    MENTAL_HEALTH,
    MONEY_DEBT,
    WORK_SKILLS,
)

#: The weeks after a job start at which it is checked that the person is still in work.
SUSTAINMENT_WEEKS: tuple[int, ...] = (13, 26, 52)

CATEGORY_NAMES: dict[str, str] = {c.code: c.name for c in DEFAULT_CATEGORIES}


class Outcome(BaseModel):
    class Kind(models.TextChoices):
        JOB_START = "job_start", "Started a job"
        JOB_SUSTAINED = "job_sustained", "Stayed in work"
        TRAINING_STARTED = "training_started", "Started training"
        TRAINING_COMPLETED = "training_completed", "Completed training"
        QUALIFICATION = "qualification", "Gained a qualification"
        VOLUNTEERING = "volunteering", "Started volunteering"
        DEBT_REDUCED = "debt_reduced", "Reduced their debt"
        INCOME_GAINED = "income_gained", "Gained income"
        HOUSING_SECURED = "housing_secured", "Secured housing"
        TENANCY_SUSTAINED = "tenancy_sustained", "Kept their tenancy"
        TREATMENT_STARTED = "treatment_started", "Started treatment"
        TREATMENT_COMPLETED = "treatment_completed", "Completed treatment"
        WELLBEING_CHANGE = "wellbeing_change", "Wellbeing improved"

    class ContractType(models.TextChoices):
        PERMANENT = "permanent", "Permanent"
        TEMPORARY = "temporary", "Temporary or fixed term"
        ZERO_HOURS = "zero_hours", "Zero hours"
        SELF_EMPLOYED = "self_employed", "Self-employed"
        APPRENTICESHIP = "apprenticeship", "Apprenticeship"

    class Weeks(models.IntegerChoices):
        THIRTEEN = 13, "13 weeks"
        TWENTY_SIX = 26, "26 weeks"
        FIFTY_TWO = 52, "52 weeks"

    class QualificationLevel(models.TextChoices):
        ENTRY = "entry", "Entry level"
        LEVEL_1 = "1", "Level 1"
        LEVEL_2 = "2", "Level 2"
        LEVEL_3 = "3", "Level 3"
        LEVEL_4 = "4", "Level 4"
        LEVEL_5 = "5", "Level 5"
        LEVEL_6 = "6", "Level 6"
        LEVEL_7 = "7", "Level 7"
        LEVEL_8 = "8", "Level 8"

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", "Not verified yet"
        VERIFIED = "verified", "Verified"
        COULD_NOT_VERIFY = "could_not_verify", "Could not verify"

    #: The information category each kind of outcome carries (rule 4).
    KIND_CATEGORIES: ClassVar[dict[str, str]] = {
        Kind.JOB_START: WORK_SKILLS,
        Kind.JOB_SUSTAINED: WORK_SKILLS,
        Kind.TRAINING_STARTED: WORK_SKILLS,
        Kind.TRAINING_COMPLETED: WORK_SKILLS,
        Kind.QUALIFICATION: WORK_SKILLS,
        Kind.VOLUNTEERING: WORK_SKILLS,
        Kind.DEBT_REDUCED: MONEY_DEBT,
        Kind.INCOME_GAINED: MONEY_DEBT,
        Kind.HOUSING_SECURED: HOUSING,
        Kind.TENANCY_SUSTAINED: HOUSING,
        Kind.TREATMENT_STARTED: DRUGS_ALCOHOL,
        Kind.TREATMENT_COMPLETED: DRUGS_ALCOHOL,
        Kind.WELLBEING_CHANGE: MENTAL_HEALTH,
    }

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="outcomes")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="outcomes")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation that recorded the outcome, which holds it.",
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    category = models.CharField(max_length=40, editable=False, db_index=True)
    achieved_on = models.DateField()

    # Work: job start, volunteering.
    employer = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=200, blank=True)
    hours_per_week = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    pay = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="Hourly, in pounds."
    )
    contract_type = models.CharField(max_length=16, choices=ContractType.choices, blank=True)
    # Job sustained.
    job_start = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sustainments",
        help_text="Job sustained: the job start it sustains.",
    )
    weeks = models.PositiveSmallIntegerField(choices=Weeks.choices, null=True, blank=True)
    # Training, qualifications, treatment.
    course = models.CharField(max_length=200, blank=True)
    provider = models.CharField(max_length=200, blank=True)
    qualification_level = models.CharField(
        max_length=5, choices=QualificationLevel.choices, blank=True
    )
    subject = models.CharField(max_length=200, blank=True)
    # Money.
    debt_before = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    debt_after = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    debt_how = models.TextField(blank=True, max_length=1000)
    income_gained_per_year = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True
    )
    description = models.TextField(blank=True, max_length=1000)

    evidence = models.CharField(
        max_length=500, blank=True, help_text='What evidence there is, e.g. "payslip seen".'
    )
    verification = models.CharField(
        max_length=16, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_on = models.DateField(null=True, blank=True)
    verification_note = models.TextField(blank=True, max_length=1000)

    class Meta:
        ordering = ["-achieved_on", "-created_on"]
        indexes = [
            models.Index(fields=["case", "kind"], name="outcome_case_kind"),
            models.Index(fields=["kind", "achieved_on"], name="outcome_kind_achieved"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["job_start", "weeks"],
                condition=models.Q(kind="job_sustained"),
                name="one_sustainment_per_job_start_and_weeks",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.achieved_on:%-d %B %Y}"

    @property
    def category_name(self) -> str:
        return CATEGORY_NAMES.get(self.category, self.category)

    @property
    def is_verified(self) -> bool:
        return self.verification == self.Verification.VERIFIED

    @property
    def summary(self) -> str:
        """One line saying what was achieved, for lists and the timeline."""
        kind = self.Kind
        if self.kind == kind.JOB_START:
            hours = (
                f", {self.hours_per_week.normalize():f} hours a week" if self.hours_per_week else ""
            )
            return f"{self.role} at {self.employer}{hours}"
        if self.kind == kind.JOB_SUSTAINED:
            job = self.job_start
            where = f" at {job.employer}" if job is not None else ""
            return f"Still in work{where} after {self.weeks} weeks"
        if self.kind in (kind.TRAINING_STARTED, kind.TRAINING_COMPLETED):
            return f"{self.course} with {self.provider}"
        if self.kind == kind.QUALIFICATION:
            return f"{self.get_qualification_level_display()} in {self.subject}"
        if self.kind == kind.VOLUNTEERING:
            return f"{self.role} at {self.employer}"
        if self.kind == kind.DEBT_REDUCED:
            return f"Debt down from {pounds(self.debt_before)} to {pounds(self.debt_after)}"
        if self.kind == kind.INCOME_GAINED:
            return f"{pounds(self.income_gained_per_year)} a year: {self.description}"
        if self.kind in (kind.TREATMENT_STARTED, kind.TREATMENT_COMPLETED):
            return f"With {self.provider}" + (f": {self.description}" if self.description else "")
        return self.description


def pounds(value: Decimal | None) -> str:
    """An amount as people write it: £1,250 or £12.21."""
    if value is None:
        return ""
    return f"£{value:,.2f}".removesuffix(".00")


def sustainment_due_on(job_started_on: date, weeks: int) -> date:
    """The day a job start becomes ``weeks`` weeks sustained."""
    return job_started_on + timedelta(weeks=weeks)
