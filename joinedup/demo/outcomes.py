"""Outcomes over three years, shaped like the programmes in the seeds: about four in ten cases
see a job start (most checked at 13 weeks, fewer at 26 and 52 as time allows and jobs end),
many see training or a qualification, volunteering, debt reduced or income gained after a
benefit check, housing secured, treatment, and wellbeing improving. Each is recorded by the
case's lead organisation after the case opened and before it closed, with evidence, and most
are verified. Built with ``bulk_create``."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from joinedup.accounts.models import Organisation
from joinedup.cases.models import Case
from joinedup.outcomes.models import Outcome

from .cases import _at
from .context import DemoContext

JOB_SHARE = 0.42
EMPLOYERS = (
    ("Northvale Care Homes", "Care assistant", "11.44"),
    ("Valley Logistics", "Warehouse operative", "11.60"),
    ("Northvale Borough Council", "Cleaner", "11.50"),
    ("Greenway Supermarkets", "Customer assistant", "11.44"),
    ("Hill Street Cafe", "Kitchen porter", "11.44"),
    ("Northvale College", "Teaching assistant", "12.10"),
    ("Brightside Builders", "Labourer", "12.50"),
)
COURSES = (
    ("Food hygiene level 2", "Northvale College", "2", "Food safety"),
    ("Functional skills maths", "Northvale College", "1", "Maths"),
    ("Functional skills English", "Northvale College", "entry", "English"),
    ("CSCS card", "Brightside Training", "1", "Construction site safety"),
    ("Care certificate", "Northvale Care Academy", "2", "Health and social care"),
    ("Digital skills for work", "Northvale Libraries", "entry", "Digital skills"),
)
EVIDENCE = ("Payslip seen", "Letter from employer", "Certificate seen", "Confirmed by phone")
CHUNK = 2000


def build_outcomes(ctx: DemoContext, *, organisations: dict[str, Organisation]) -> None:
    cases = list(
        Case.objects.order_by("opened_on", "id").values_list(
            "id",
            "person_id",
            "organisation_id",
            "key_worker_id",
            "opened_on",
            "closed_on",
            "status",
        )
    )
    outcomes: list[Outcome] = []
    for row in cases:
        _case_outcomes(ctx, row, outcomes)
    Outcome.objects.bulk_create(
        [o for o in outcomes if o.kind != Outcome.Kind.JOB_SUSTAINED], batch_size=CHUNK
    )
    Outcome.objects.bulk_create(
        [o for o in outcomes if o.kind == Outcome.Kind.JOB_SUSTAINED], batch_size=CHUNK
    )


def _case_outcomes(ctx: DemoContext, row: tuple[Any, ...], outcomes: list[Outcome]) -> None:
    """The outcomes of one case (appended to ``outcomes``)."""
    case_id, person_id, org_id, worker_id, opened, closed, _status = row
    end = closed or ctx.today
    span = (end - opened).days
    if span < 14:
        return

    def add(kind: str, day: date, **fields: Any) -> Outcome:
        verified = ctx.rng.random() < 0.8 and day + timedelta(days=7) <= ctx.today
        outcome = Outcome(
            id=ctx.uuid(),
            case_id=case_id,
            person_id=person_id,
            organisation_id=org_id,
            kind=kind,
            category=Outcome.KIND_CATEGORIES[kind],
            achieved_on=day,
            evidence=ctx.rng.choice(EVIDENCE),
            verification=Outcome.Verification.VERIFIED
            if verified
            else Outcome.Verification.UNVERIFIED,
            verified_by_id=worker_id if verified else None,
            verified_on=min(day + timedelta(days=7), ctx.today) if verified else None,
            created_on=_at(day),
            created_by_id=worker_id,
            **fields,
        )
        outcomes.append(outcome)
        return outcome

    def day_within(low: int = 7) -> date:
        return opened + timedelta(days=ctx.rng.randint(min(low, span), span))

    if ctx.rng.random() < 0.35:
        course, provider, level, subject = ctx.rng.choice(COURSES)
        started = day_within()
        add(Outcome.Kind.TRAINING_STARTED, started, course=course, provider=provider)
        if (end - started).days > 30 and ctx.rng.random() < 0.7:
            finished = started + timedelta(days=ctx.rng.randint(21, min(120, (end - started).days)))
            add(Outcome.Kind.TRAINING_COMPLETED, finished, course=course, provider=provider)
            if ctx.rng.random() < 0.6:
                add(
                    Outcome.Kind.QUALIFICATION,
                    finished,
                    qualification_level=level,
                    subject=subject,
                    provider=provider,
                )
    if ctx.rng.random() < 0.12:
        add(Outcome.Kind.VOLUNTEERING, day_within(), description="Volunteers at the food bank.")
    if ctx.rng.random() < 0.2:
        before = Decimal(ctx.rng.randint(800, 9000))
        add(
            Outcome.Kind.DEBT_REDUCED,
            day_within(30),
            debt_before=before,
            debt_after=(before * Decimal(ctx.rng.choice(("0", "0.3", "0.5", "0.7")))).quantize(
                Decimal("1")
            ),
            debt_how=ctx.rng.choice(
                ("Debt relief order", "Affordable repayment plan", "Written off by creditor")
            ),
        )
    if ctx.rng.random() < 0.22:
        add(
            Outcome.Kind.INCOME_GAINED,
            day_within(14),
            income_gained_per_year=Decimal(ctx.rng.randint(6, 60) * 100),
            description="Benefit check: entitlement not claimed before.",
        )
    if ctx.rng.random() < 0.08:
        add(
            ctx.rng.choice((Outcome.Kind.HOUSING_SECURED, Outcome.Kind.TENANCY_SUSTAINED)),
            day_within(),
        )
    if ctx.rng.random() < 0.05:
        add(Outcome.Kind.TREATMENT_STARTED, day_within())
    if ctx.rng.random() < 0.15:
        add(
            Outcome.Kind.WELLBEING_CHANGE,
            day_within(60),
            description="ONS4 scores up at review.",
        )
    if span > 21 and ctx.rng.random() < JOB_SHARE:
        employer, role, pay = ctx.rng.choice(EMPLOYERS)
        started = day_within(21)
        job = add(
            Outcome.Kind.JOB_START,
            started,
            employer=employer,
            role=role,
            hours_per_week=Decimal(ctx.rng.choice((16, 20, 25, 30, 37.5))),
            pay=Decimal(pay),
            contract_type=ctx.rng.choice(Outcome.ContractType.values),
        )
        still_in_work = True
        for weeks in (13, 26, 52):
            due = started + timedelta(weeks=weeks)
            if due > ctx.today or not still_in_work:
                break
            still_in_work = ctx.rng.random() < (0.8 if weeks == 13 else 0.85)
            if still_in_work:
                add(
                    Outcome.Kind.JOB_SUSTAINED,
                    min(due + timedelta(days=ctx.rng.randint(0, 10)), ctx.today),
                    job_start=job,
                    weeks=weeks,
                )
