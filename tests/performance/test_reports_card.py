"""The turn-the-curve report card: a one-page PDF made with WeasyPrint, with the chart drawn as
SVG by vl-convert, downloaded from the report's page."""

from __future__ import annotations

import re
import zlib
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from joinedup.accounts.models import User
from joinedup.performance.models import (
    Area,
    Indicator,
    IndicatorValue,
    ReportAction,
    Target,
    TurnTheCurveReport,
    WhatWorksIdea,
)
from joinedup.performance.selectors import reports as selectors
from joinedup.performance.services import reports as services

from ..conftest import actor_for, client_for
from . import test_reports as shared

# The fixtures of the report tests, shared.
indicator = shared.indicator
area = shared.area
analyst = shared.analyst
report = shared.report

pytestmark = pytest.mark.django_db


def inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (object streams included) opened up."""
    parts = [pdf]
    for found in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(found.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", inflated(pdf)))


def laid_out_text(document) -> str:  # type: ignore[no-untyped-def]
    """Every piece of text WeasyPrint laid out on the pages (its document API)."""
    texts = []
    for page in document.pages:
        for box in page._page_box.descendants():
            text = getattr(box, "text", None)
            if isinstance(text, str):
                texts.append(text)
    return " ".join(texts)


@pytest.fixture
def figures(indicator: Indicator, area: Area) -> None:
    """Two years of monthly figures falling slowly, and a target (the Wigan example)."""
    for month in range(24):
        IndicatorValue.objects.create(
            indicator=indicator,
            area=area,
            period_start=date(2024 + month // 12, month % 12 + 1, 1),
            value=Decimal(9800 - month * 15 + (month % 3) * 20),
        )
    Target.objects.create(
        indicator=indicator,
        area=area,
        baseline_period=date(2025, 6, 1),
        baseline_value=Decimal(9500),
        target_value=Decimal(8200),
        target_period=date(2028, 3, 1),
        description="9,500 on benefits down to 8,200",
    )


def fill(report: TurnTheCurveReport, user: User, count: int) -> None:
    """A full report: ``count`` of everything, long texts included."""
    actor = actor_for(user)
    long = "Lack of financial life skills and of awareness of the support available. " * 6

    def save(section: str, values: dict) -> None:  # type: ignore[type-arg]
        report.refresh_from_db()
        services.save_report_item(
            actor=actor,
            report=report,
            expected_version=report.version,
            section=section,
            values=values,
        )

    for n in range(count):
        save("causes", {"text": f"Cause {n}: {long}", "tag": "debt"})
        save("partners", {"organisation": None, "name": f"Partner {n}", "role": long})
        save(
            "ideas",
            {
                "text": f"Idea {n}: {long}",
                "evidence": WhatWorksIdea.Evidence.COULD_WORK,
                "cost": WhatWorksIdea.Cost.HIGHER_COST if n else WhatWorksIdea.Cost.LOW_COST,
                "source": "",
            },
        )
        save(
            "actions",
            {
                "action": f"Action {n}: {long}",
                "for_whom": "Residents in debt",
                "lead_organisation": user.organisation,
                "lead_name": "Economic regeneration officer",
                "due_on": date(2027, 1 + n % 12, 1),
                "status": ReportAction.Status.IN_PROGRESS,
                "programme": None,
            },
        )
        save("data", {"text": f"Data {n}: {long}"})


def test_the_report_card_is_a_one_page_pdf_with_the_chart(
    report, analyst, indicator, figures
) -> None:  # type: ignore[no-untyped-def]
    fill(report, analyst, 2)
    response = client_for(analyst).get(
        reverse("performance:report_card", kwargs={"report_id": report.pk})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="report-card-fewer-residents-on-out-of-work-benefits-v11.pdf"'
    )
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == 1
    assert indicator.name.encode() in inflated(pdf)  # in the document's title
    document, _ = selectors.report_card_document(actor=actor_for(analyst), report_id=report.pk)
    assert len(document.pages) == 1
    text = laid_out_text(document)
    assert indicator.name in text and report.title in text
    assert "Economic regeneration officer" in text and "Partner 1" in text
    # The chart is there, as an SVG image.
    assert b"/Subtype /Image" in inflated(pdf) or b"/Subtype /Form" in inflated(pdf)


def test_a_long_report_still_fits_on_one_page(report, analyst, figures) -> None:  # type: ignore[no-untyped-def]
    fill(report, analyst, 9)
    card = selectors.report_card(actor=actor_for(analyst), report_id=report.pk)
    assert card.pages == 1 and page_count(card.pdf) == 1
    document, _ = selectors.report_card_document(actor=actor_for(analyst), report_id=report.pk)
    text = laid_out_text(document)
    # Shortened, and says so; the low-cost idea is among those kept.
    assert "more" in text and "Idea 0" in text


def test_a_report_with_no_figures_yet_has_a_card_too(report, analyst, council_worker) -> None:  # type: ignore[no-untyped-def]
    """Anyone signed in may download it (reports are read by everyone)."""
    response = client_for(council_worker).get(
        reverse("performance:report_card", kwargs={"report_id": report.pk})
    )
    assert response.status_code == 200 and page_count(response.content) == 1
    document, _ = selectors.report_card_document(
        actor=actor_for(council_worker), report_id=report.pk
    )
    assert "No figures for this indicator" in laid_out_text(document)


def test_the_report_page_draws_the_chart_with_its_table(report, analyst, figures) -> None:  # type: ignore[no-untyped-def]
    """The chart (history, forecast, target, actual) comes from the indicators part; the page
    gives its spec to the CSP-safe script and the same figures as a table."""
    html = (
        client_for(analyst)
        .get(reverse("performance:report", kwargs={"report_id": report.pk}))
        .content.decode()
    )
    assert 'data-testid="chart"' in html and 'id="report-chart-spec"' in html
    assert 'data-testid="chart-table"' in html and "Forecast if nothing changes" in html
    assert "8,200" in html  # the target, in the table and the summary
    assert "<script>" not in html  # no inline script (CSP)
