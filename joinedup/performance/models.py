"""Outcomes Based Accountability: areas, population indicators, targets, turn-the-curve reports,
performance measure definitions, the shared dashboard and disclosure control.

No personal data lives here. Reporting reads case data through the other apps' selectors and never
writes it (architecture rule 7). Definitions people will want to change (indicators, measures, the
suppression threshold) are data, and every change to a definition is kept as a version.
"""

from __future__ import annotations

from django.db import models

from joinedup.core.models import BaseModel


class Area(BaseModel):
    """A place the partnership reports on: LSOA, ward, local authority district, or a custom target
    area (a named set of LSOAs such as "worst performing neighbourhoods")."""

    class Level(models.TextChoices):
        LSOA = "lsoa", "Lower layer super output area"
        WARD = "ward", "Ward"
        DISTRICT = "district", "Local authority district"
        CUSTOM = "custom", "Custom target area"

    code = models.CharField(max_length=20, unique=True, help_text="ONS code, e.g. E01012345.")
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True, max_length=2000)
    # For custom target areas only: the LSOAs they are made of.
    lsoas = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="custom_areas"
    )

    class Meta:
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PostcodeArea(models.Model):
    """Postcode to LSOA, from an ONS postcode lookup, to place people and referrals in areas."""

    postcode = models.CharField(
        max_length=8, primary_key=True, help_text="Normalised, with the space."
    )
    lsoa = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="postcodes")

    def __str__(self) -> str:
        return self.postcode


class Indicator(BaseModel):
    """A population indicator (F14): how the whole population is doing, whoever serves it."""

    class Unit(models.TextChoices):
        COUNT = "count", "Number of people"
        PERCENT = "percent", "Percentage"
        RATE = "rate", "Rate per 1,000"
        MONEY = "money", "Pounds"

    class Polarity(models.TextChoices):
        UP_IS_GOOD = "up", "Up is good"
        DOWN_IS_GOOD = "down", "Down is good"

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        ANNUAL = "annual", "Annual"

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    definition = models.TextField(max_length=4000, help_text="In plain English: what it counts.")
    numerator = models.TextField(max_length=2000, blank=True)
    denominator = models.TextField(max_length=2000, blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.COUNT)
    polarity = models.CharField(max_length=4, choices=Polarity.choices)
    source = models.CharField(max_length=300, blank=True, help_text="Who publishes it.")
    where_to_get_data = models.TextField(max_length=2000, blank=True)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    version = models.PositiveIntegerField(default=1, editable=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IndicatorImport(BaseModel):
    """One file of indicator values, as loaded. The same file is recognised by its SHA-256; it
    is recorded again only when loading it again changed figures (after another file had
    replaced them), so the list of imports says when each figure came back."""

    class Shape(models.TextChoices):
        TIDY = "tidy", "Tidy: area_code, period, value[, numerator, denominator]"
        NOMIS = "nomis", "Nomis claimant count table"

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="imports")
    shape = models.CharField(max_length=10, choices=Shape.choices)
    file_name = models.CharField(max_length=255)
    content_sha256 = models.CharField(max_length=64)
    rows_loaded = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["indicator", "content_sha256"], name="indicator_import_sha")
        ]


class IndicatorValue(BaseModel):
    """The value of an indicator for one area and period."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="indicator_values")
    period_start = models.DateField(help_text="First day of the period (month, quarter or year).")
    value = models.DecimalField(max_digits=14, decimal_places=4)
    numerator = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    imported_by = models.ForeignKey(
        IndicatorImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="values"
    )

    class Meta:
        ordering = ["period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period_start"], name="indicator_value_once"
            )
        ]


class Target(BaseModel):
    """What the partnership aims for: e.g. 9,500 on benefits down to 8,200 by March 2028."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="targets")
    baseline_period = models.DateField()
    baseline_value = models.DecimalField(max_digits=14, decimal_places=4)
    target_value = models.DecimalField(max_digits=14, decimal_places=4)
    target_period = models.DateField()
    description = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["target_period"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area"], name="one_target_per_indicator_area"
            )
        ]


class TurnTheCurveReport(BaseModel):
    """A turn-the-curve report for one indicator and population, co-edited by partners."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AGREED = "agreed", "Agreed"
        ARCHIVED = "archived", "Archived"

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="reports")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="reports")
    title = models.CharField(max_length=200)
    population = models.CharField(
        max_length=300, help_text="Who: e.g. working-age residents of Northvale."
    )
    outcome = models.TextField(max_length=2000, help_text="The condition of well-being we want.")
    what_success_looks_like = models.TextField(max_length=4000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-modified_on"]

    def __str__(self) -> str:
        return self.title


class StoryCause(BaseModel):
    """A cause in the story behind the baseline, tagged and ranked."""

    report = models.ForeignKey(TurnTheCurveReport, on_delete=models.CASCADE, related_name="causes")
    text = models.TextField(max_length=2000)
    tag = models.CharField(max_length=60, blank=True, help_text="e.g. skills, health, transport.")
    rank = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["rank", "created_on"]


class ReportPartner(BaseModel):
    """A partner with a role to play in turning the curve."""

    report = models.ForeignKey(
        TurnTheCurveReport, on_delete=models.CASCADE, related_name="partners"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True, help_text="For partners outside JoinedUp.")
    role = models.TextField(max_length=1000)


class WhatWorksIdea(BaseModel):
    """An idea for what works: evidence-based or could work, with its cost."""

    class Evidence(models.TextChoices):
        EVIDENCE_BASED = "evidence", "Evidence-based"
        COULD_WORK = "could", "Could work"

    class Cost(models.TextChoices):
        NO_COST = "none", "No cost"
        LOW_COST = "low", "Low cost"
        HIGHER_COST = "higher", "Higher cost"

    report = models.ForeignKey(TurnTheCurveReport, on_delete=models.CASCADE, related_name="ideas")
    text = models.TextField(max_length=2000)
    evidence = models.CharField(max_length=10, choices=Evidence.choices)
    cost = models.CharField(max_length=10, choices=Cost.choices)
    source = models.CharField(max_length=300, blank=True)


class ReportAction(BaseModel):
    """One line of the action plan: what, for whom, who leads, by when, status."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    report = models.ForeignKey(TurnTheCurveReport, on_delete=models.CASCADE, related_name="actions")
    action = models.TextField(max_length=2000)
    for_whom = models.CharField(max_length=300)
    lead_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    lead_name = models.CharField(max_length=200, blank=True)
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    programme = models.ForeignKey(
        "cases.Programme", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "created_on"]


class DataDevelopmentItem(BaseModel):
    """Data the partnership wishes it had: the data development agenda."""

    report = models.ForeignKey(
        TurnTheCurveReport, on_delete=models.CASCADE, related_name="data_development"
    )
    text = models.TextField(max_length=2000)
    priority = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["priority", "created_on"]


class ReportRevision(BaseModel):
    """The report as it stood after each edit: its history."""

    report = models.ForeignKey(
        TurnTheCurveReport, on_delete=models.CASCADE, related_name="revisions"
    )
    version = models.PositiveIntegerField()
    summary = models.CharField(max_length=300)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="report_revision_once")
        ]


class MeasureDefinition(BaseModel):
    """A performance measure (F15), counted live from case data by a named calculation."""

    class Question(models.TextChoices):
        HOW_MUCH = "how_much", "How much did we do?"
        HOW_WELL = "how_well", "How well did we do it?"
        BETTER_OFF = "better_off", "Is anyone better off?"

    class Unit(models.TextChoices):
        COUNT = "count", "Number"
        PERCENT = "percent", "Percentage"
        RATIO = "ratio", "Ratio"
        MONEY = "money", "Pounds"

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    question = models.CharField(max_length=12, choices=Question.choices)
    unit = models.CharField(max_length=10, choices=Unit.choices)
    how_we_count = models.TextField(max_length=4000)
    calculation = models.CharField(max_length=60, help_text="The calculation that counts it.")
    parameters = models.JSONField(default=dict, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["question", "order", "name"]

    def __str__(self) -> str:
        return self.name


class DefinitionVersion(BaseModel):
    """Every version of an indicator or measure definition, so changes are shown, never hidden."""

    class Kind(models.TextChoices):
        INDICATOR = "indicator", "Indicator"
        MEASURE = "measure", "Performance measure"
        DISCLOSURE = "disclosure", "Disclosure control"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    code = models.CharField(max_length=60)
    version = models.PositiveIntegerField()
    definition = models.JSONField()
    change_reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["kind", "code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code", "version"], name="definition_version_once"
            )
        ]


class DashboardItem(BaseModel):
    """An indicator or measure on the shared partnership dashboard (F16)."""

    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="dashboard_items"
    )
    measure = models.ForeignKey(
        MeasureDefinition,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dashboard_items",
    )
    order = models.PositiveSmallIntegerField(default=0)
    public = models.BooleanField(default=True, help_text="Shown, suppressed, on the public view.")

    class Meta:
        ordering = ["order"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(indicator__isnull=False, measure__isnull=True)
                    | models.Q(indicator__isnull=True, measure__isnull=False)
                ),
                name="dashboard_item_is_indicator_or_measure",
            )
        ]


class DisclosureControl(BaseModel):
    """Statistical disclosure control for published figures (one row; shipped defaults)."""

    threshold = models.PositiveSmallIntegerField(
        default=5, help_text="Counts below this are suppressed on anything published."
    )
    rounding_base = models.PositiveSmallIntegerField(
        default=5, help_text="Published counts are rounded to the nearest multiple of this."
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    @classmethod
    def current(cls) -> DisclosureControl:
        row = cls.objects.order_by("created_on").first()
        return row if row is not None else cls(threshold=5, rounding_base=5)
