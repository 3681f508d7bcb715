"""The shipped performance measure definitions (F15), each with its first recorded version.

Performance analysts change them on the "How we count" pages; every change is a new version."""

from __future__ import annotations

from typing import Any

from django.db import migrations

HOW_MUCH, HOW_WELL, BETTER_OFF = "how_much", "how_well", "better_off"

MEASURES: list[dict[str, Any]] = [
    {
        "code": "people-engaged",
        "name": "People engaged",
        "question": HOW_MUCH,
        "unit": "count",
        "calculation": "people_engaged",
        "parameters": {},
        "how_we_count": (
            "Each person with a case that was open at any time in the period, counted once "
            "however many cases they had. A case is open from the day it was opened to the day "
            "it was closed."
        ),
    },
    {
        "code": "referrals-received",
        "name": "Referrals received",
        "question": HOW_MUCH,
        "unit": "count",
        "calculation": "referrals_received",
        "parameters": {},
        "how_we_count": (
            "Every referral received in the period, by the organisation (and team) it was sent "
            "to. With a programme chosen, only referrals whose triage opened a case in that "
            "programme."
        ),
    },
    {
        "code": "triages-completed",
        "name": "Triages completed",
        "question": HOW_MUCH,
        "unit": "count",
        "calculation": "triages_completed",
        "parameters": {},
        "how_we_count": (
            "Every triage completed in the period, by the organisation that triaged and the "
            "team of the person who did it."
        ),
    },
    {
        "code": "training-activities",
        "name": "Training activities",
        "question": HOW_MUCH,
        "unit": "count",
        "calculation": "outcomes_recorded",
        "parameters": {"kinds": ["training_started", "training_completed", "qualification"]},
        "how_we_count": (
            "Outcomes recorded with a date in the period where someone started training, "
            "completed training or gained a qualification. One person can count more than once."
        ),
    },
    {
        "code": "referrals-answered-on-time",
        "name": "Referrals answered on time",
        "question": HOW_WELL,
        "unit": "percent",
        "calculation": "referrals_answered_on_time",
        "parameters": {},
        "how_we_count": (
            "Of the referrals received in the period that have been answered or are past their "
            "answer-by date, the percentage answered (accepted or declined) on or before that "
            "date. The answer-by date comes from the receiving team's response target in working "
            "days. Referrals still within their time are left out."
        ),
    },
    {
        "code": "plan-within-10-working-days",
        "name": "Plans made within 10 working days",
        "question": HOW_WELL,
        "unit": "percent",
        "calculation": "plan_within_working_days",
        "parameters": {"working_days": 10},
        "how_we_count": (
            "Of the cases opened in the period, the percentage whose first goal or action was "
            "recorded within 10 working days of the case opening (weekends and bank holidays in "
            "England and Wales are not working days). Cases still within their 10 days with no "
            "plan yet are left out."
        ),
    },
    {
        "code": "caseload-per-worker",
        "name": "Caseload per key worker",
        "question": HOW_WELL,
        "unit": "ratio",
        "calculation": "caseload_per_worker",
        "parameters": {},
        "how_we_count": (
            "Cases open on the last day of the period divided by the number of key workers "
            "holding them."
        ),
    },
    {
        "code": "partner-actions-on-time",
        "name": "Partner actions done on time",
        "question": HOW_WELL,
        "unit": "percent",
        "calculation": "actions_done_on_time",
        "parameters": {},
        "how_we_count": (
            "Of the plan actions due in the period (up to yesterday) and not cancelled, the "
            "percentage marked done on or before their due date. Each action counts for the "
            "partner that owns it; choosing an organisation shows the actions it owns."
        ),
    },
    {
        "code": "people-into-work",
        "name": "People into work",
        "question": BETTER_OFF,
        "unit": "count",
        "calculation": "people_into_work",
        "parameters": {},
        "how_we_count": "Each person with a job start recorded in the period, counted once.",
    },
    {
        "code": "people-into-work-percent",
        "name": "People engaged who moved into work",
        "question": BETTER_OFF,
        "unit": "percent",
        "calculation": "people_into_work_share",
        "parameters": {},
        "how_we_count": (
            "Of the people engaged in the period, the percentage with a job start recorded in "
            "the period."
        ),
    },
    {
        "code": "jobs-sustained-13-weeks",
        "name": "Jobs sustained for 13 weeks",
        "question": BETTER_OFF,
        "unit": "percent",
        "calculation": "jobs_sustained",
        "parameters": {"weeks": 13},
        "how_we_count": (
            "Of the job starts in the period that were at least 13 weeks before the end of the "
            "period, the percentage with a job sustained check of 13 weeks or more recorded."
        ),
    },
    {
        "code": "jobs-sustained-26-weeks",
        "name": "Jobs sustained for 26 weeks",
        "question": BETTER_OFF,
        "unit": "percent",
        "calculation": "jobs_sustained",
        "parameters": {"weeks": 26},
        "how_we_count": (
            "Of the job starts in the period that were at least 26 weeks before the end of the "
            "period, the percentage with a job sustained check of 26 weeks or more recorded."
        ),
    },
    {
        "code": "complex-needs-improved",
        "name": "People with complex needs who improved",
        "question": BETTER_OFF,
        "unit": "percent",
        "calculation": "complex_needs_improved",
        "parameters": {"min_issues": 4, "min_improved": 2},
        "how_we_count": (
            "Of the people engaged in the period whose first assessment marked four or more "
            "complex issues and who had a later assessment by the end of the period, the "
            "percentage whose latest assessment scored higher than the first in two or more "
            "areas."
        ),
    },
    {
        "code": "debt-reduced",
        "name": "Debt reduced",
        "question": BETTER_OFF,
        "unit": "money",
        "calculation": "debt_reduced",
        "parameters": {},
        "how_we_count": (
            "The total of debt before minus debt after on every 'reduced their debt' outcome "
            "with a date in the period, in pounds."
        ),
    },
    {
        "code": "income-gained",
        "name": "Income gained",
        "question": BETTER_OFF,
        "unit": "money",
        "calculation": "income_gained",
        "parameters": {},
        "how_we_count": (
            "The total yearly income gained on every 'gained income' outcome with a date in the "
            "period, in pounds a year."
        ),
    },
]

FIELDS = ("code", "name", "question", "unit", "how_we_count", "calculation", "parameters")


def ship(apps: Any, schema_editor: Any) -> None:
    MeasureDefinition = apps.get_model("performance", "MeasureDefinition")
    DefinitionVersion = apps.get_model("performance", "DefinitionVersion")
    for order, row in enumerate(MEASURES, start=1):
        if MeasureDefinition.objects.filter(code=row["code"]).exists():
            continue
        MeasureDefinition.objects.create(order=order, version=1, active=True, **row)
        DefinitionVersion.objects.create(
            kind="measure",
            code=row["code"],
            version=1,
            definition={**{f: row[f] for f in FIELDS}, "order": order, "active": True},
            change_reason="Shipped definition.",
        )


def unship(apps: Any, schema_editor: Any) -> None:
    codes = [row["code"] for row in MEASURES]
    apps.get_model("performance", "DefinitionVersion").objects.filter(
        kind="measure", code__in=codes
    ).delete()
    apps.get_model("performance", "MeasureDefinition").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("performance", "0002_shipped_indicators")]

    operations = [migrations.RunPython(ship, unship)]
