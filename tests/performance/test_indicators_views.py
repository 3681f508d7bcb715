"""The indicator and area pages through Django's test client: who may see and do what, the
two-step import, targets, custom areas, the chart with its table alternative, and empty states."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from joinedup.accounts.roles import Role
from joinedup.performance.forecasting import add_periods
from joinedup.performance.models import Area, Indicator, IndicatorImport, IndicatorValue, Target
from tests.factories import UserFactory
from tests.helpers import log_in_verified

pytestmark = pytest.mark.django_db

LOOKUP = (
    "LSOA21CD,LSOA21NM,WD24CD,WD24NM,LAD24CD,LAD24NM,PCDS\n"
    "E01000001,Northvale 001A,E05000001,Central,E08000099,Northvale,NV1 1AA\n"
    "E01000002,Northvale 001B,E05000001,Central,E08000099,Northvale,NV1 2AA\n"
)


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def analyst_client(organisation) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    log_in_verified(
        client, UserFactory(organisation=organisation, roles=[Role.PERFORMANCE_ANALYST])
    )
    return client


@pytest.fixture
def district() -> Area:
    return Area.objects.create(code="E08000099", name="Northvale", level=Area.Level.DISTRICT)


def with_history(district: Area, months: int = 24) -> Indicator:
    indicator = Indicator.objects.get(code="claimant-count")
    for i in range(months):
        IndicatorValue.objects.create(
            indicator=indicator,
            area=district,
            period_start=add_periods(date(2022, 1, 1), frequency="monthly", periods=i),
            value=Decimal(9500 - 20 * i + (i % 4) * 6),
        )
    return indicator


# ----------------------------------------------------------------------------- who may do what


ANALYST_ONLY = [
    ("performance:indicator_create", []),
    ("performance:indicator_edit", ["claimant-count"]),
    ("performance:values_upload", ["claimant-count"]),
    ("performance:values_confirm", ["claimant-count"]),
    ("performance:target_edit", ["claimant-count", "E08000099"]),
    ("performance:areas_upload", []),
    ("performance:custom_area_create", []),
]


@pytest.mark.parametrize(("name", "args"), ANALYST_ONLY)
def test_a_key_worker_cannot_manage_indicators_or_areas(
    key_worker_client: Client, district, name, args
) -> None:  # type: ignore[no-untyped-def]
    url = reverse(name, args=args)
    assert key_worker_client.get(url).status_code == 403
    assert key_worker_client.post(url, {}).status_code == 403


def test_a_key_worker_cannot_import_values(key_worker_client: Client, district) -> None:  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile(
        "cc.csv", b"area_code,period,value\nE08000099,2024-01,9500\n", "text/csv"
    )
    response = key_worker_client.post(
        reverse("performance:values_upload", args=["claimant-count"]),
        {"shape": "tidy", "file": upload},
    )
    assert response.status_code == 403
    assert IndicatorValue.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("performance:indicator_list", []),
        ("performance:indicator_detail", ["claimant-count"]),
        ("performance:indicator_area", ["claimant-count", "E08000099"]),
        ("performance:area_list", []),
        ("performance:area_detail", ["E08000099"]),
    ],
)
def test_all_signed_in_staff_may_read(
    key_worker_client: Client, client: Client, district, name, args
) -> None:  # type: ignore[no-untyped-def]
    url = reverse(name, args=args)
    assert key_worker_client.get(url).status_code == 200
    anonymous = client.get(url)
    assert (
        anonymous.status_code == 302 and "sign-in" in anonymous["Location"]
    ) or anonymous.status_code in {302, 403}


def test_unknown_indicators_and_areas_are_404(key_worker_client: Client, district) -> None:  # type: ignore[no-untyped-def]
    assert (
        key_worker_client.get(reverse("performance:indicator_detail", args=["nope"])).status_code
        == 404
    )
    assert (
        key_worker_client.get(reverse("performance:area_detail", args=["E01999999"])).status_code
        == 404
    )
    assert (
        key_worker_client.get(
            reverse("performance:indicator_area", args=["claimant-count", "E01999999"])
        ).status_code
        == 404
    )


# ----------------------------------------------------------------------------- reading


def test_the_list_shows_the_shipped_indicators(key_worker_client: Client) -> None:
    response = key_worker_client.get(reverse("performance:indicator_list"))
    body = response.content.decode()
    assert "Working-age people on out-of-work benefits" in body
    assert "16 to 18 year olds not in education, employment or training" in body
    assert "Add an indicator" not in body  # not for key workers
    detail = key_worker_client.get(
        reverse("performance:indicator_detail", args=["claimant-count"])
    ).content.decode()
    assert "nomisweb.co.uk" in detail and 'data-testid="empty-state"' in detail


def test_the_indicator_area_page_has_the_chart_its_table_and_the_verdict(
    key_worker_client: Client, district
) -> None:  # type: ignore[no-untyped-def]
    indicator = with_history(district)
    Target.objects.create(
        indicator=indicator,
        area=district,
        baseline_period=date(2023, 6, 1),
        baseline_value=Decimal(9166),
        target_value=Decimal(8200),
        target_period=date(2025, 3, 1),
    )
    response = key_worker_client.get(
        reverse("performance:indicator_area", args=["claimant-count", "E08000099"])
    )
    body = response.content.decode()
    assert 'data-vega-spec="indicator-chart-spec"' in body
    assert re.search(r'<script id="indicator-chart-spec" type="application/json">\{', body)
    assert 'data-testid="chart-table"' in body and "Forecast if nothing changes" in body
    assert "performance/charts.js" in body and "performance/vega-interpreter.js" in body
    assert 'data-testid="verdict" data-verdict="' in body
    assert "9,166 in June 2023 down to 8,200 by March 2025" in body
    assert "80% prediction interval" in body
    assert "<script>" not in body  # nothing inline (CSP)
    svg = key_worker_client.get(
        reverse("performance:indicator_area_svg", args=["claimant-count", "E08000099"])
    )
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert svg.content.lstrip().startswith(b"<svg")


def test_an_area_without_figures_has_an_empty_state(key_worker_client: Client, district) -> None:  # type: ignore[no-untyped-def]
    body = key_worker_client.get(
        reverse("performance:indicator_area", args=["claimant-count", "E08000099"])
    ).content.decode()
    assert 'data-testid="empty-state"' in body and "data-vega-spec" not in body


# ----------------------------------------------------------------------------- managing


def test_an_analyst_imports_figures_in_two_steps(analyst_client: Client, district) -> None:  # type: ignore[no-untyped-def]
    upload_url = reverse("performance:values_upload", args=["claimant-count"])
    bad = SimpleUploadedFile(
        "bad.csv", b"area_code,period,value\nE08000099,2024-13,1\nE09,2024-01,2\n"
    )
    response = analyst_client.post(upload_url, {"shape": "tidy", "file": bad})
    body = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in body
    assert (
        "Line 2: &#x27;2024-13&#x27; is not a month" in body
        and "Line 3: E09 is not a loaded area" in body
    )
    assert IndicatorImport.objects.count() == 0

    good = SimpleUploadedFile(
        "cc.csv", b"area_code,period,value\nE08000099,2024-01,9500\nE08000099,2024-02,9450\n"
    )
    response = analyst_client.post(upload_url, {"shape": "tidy", "file": good})
    assert response.status_code == 302 and response["Location"].endswith("/import/check/")
    check = analyst_client.get(response["Location"]).content.decode()
    assert 'data-testid="new">2<' in check
    assert IndicatorValue.objects.count() == 0  # nothing saved before confirming
    done = analyst_client.post(response["Location"], {})
    assert done.status_code == 302
    assert IndicatorValue.objects.count() == 2

    newer = SimpleUploadedFile("newer.csv", b"area_code,period,value\nE08000099,2024-02,9460\n")
    response = analyst_client.post(upload_url, {"shape": "tidy", "file": newer})
    check_url = response["Location"]
    page = analyst_client.get(check_url).content.decode()
    assert 'data-testid="changed">1<' in page and "Yes, this is a newer file" in page
    refused = analyst_client.post(check_url, {})
    assert refused.status_code == 400 and "Confirm that this newer file" in refused.content.decode()
    assert IndicatorValue.objects.get(period_start=date(2024, 2, 1)).value == Decimal("9450")
    analyst_client.post(check_url, {"replace": "on"})
    assert IndicatorValue.objects.get(period_start=date(2024, 2, 1)).value == Decimal("9460")
    # The checked file is gone once loaded.
    assert analyst_client.get(check_url).status_code == 302


def test_an_analyst_sets_a_target(analyst_client: Client, district) -> None:  # type: ignore[no-untyped-def]
    with_history(district, months=6)
    url = reverse("performance:target_edit", args=["claimant-count", "E08000099"])
    page = analyst_client.get(url).content.decode()
    assert "June 2022" in page
    response = analyst_client.post(
        url,
        {"baseline_period": "2022-06-01", "target_value": "nonsense", "target_period": "2020-01"},
    )
    body = response.content.decode()
    assert (
        response.status_code == 400 and "There is a problem" in body and "is not a number" in body
    )
    response = analyst_client.post(
        url,
        {
            "baseline_period": "2022-06-01",
            "target_value": "8,200",
            "target_period": "March 2028",
            "description": "9,500 on benefits down to 8,200 by March 2028",
        },
    )
    assert response.status_code == 302
    target = Target.objects.get()
    assert (target.target_value, target.target_period, target.baseline_period) == (
        Decimal("8200"),
        date(2028, 3, 1),
        date(2022, 6, 1),
    )


def test_an_analyst_creates_and_changes_an_indicator(analyst_client: Client) -> None:
    response = analyst_client.post(
        reverse("performance:indicator_create"),
        {
            "code": "long-term-unemployed",
            "name": "Long-term unemployed",
            "definition": "Claiming for a year or more.",
            "unit": "count",
            "polarity": "down",
            "frequency": "monthly",
            "source": "DWP",
        },
    )
    assert response.status_code == 302
    indicator = Indicator.objects.get(code="long-term-unemployed")
    assert indicator.version == 1
    edit = reverse("performance:indicator_edit", args=["long-term-unemployed"])
    missing = analyst_client.post(
        edit,
        {
            "version": "1",
            "name": "Long-term unemployed (12 months+)",
            "definition": "x",
            "unit": "count",
            "polarity": "down",
            "frequency": "monthly",
            "active": "on",
        },
    )
    assert "Say why the definition is changing" in missing.content.decode()
    analyst_client.post(
        edit,
        {
            "name": "Long-term unemployed (12 months+)",
            "definition": "x",
            "unit": "count",
            "polarity": "down",
            "frequency": "monthly",
            "active": "on",
            "change_reason": "Clearer",
            "version": "1",
        },
    )
    indicator.refresh_from_db()
    assert indicator.version == 2 and indicator.name == "Long-term unemployed (12 months+)"
    empty = analyst_client.post(reverse("performance:indicator_create"), {})
    assert empty.status_code == 400
    assert (
        "Enter a name" in empty.content.decode() and "There is a problem" in empty.content.decode()
    )


def test_an_analyst_loads_areas_and_makes_a_custom_area(analyst_client: Client) -> None:
    empty = analyst_client.get(reverse("performance:area_list")).content.decode()
    assert "No areas are loaded yet" in empty
    response = analyst_client.post(
        reverse("performance:areas_upload"),
        {"file": SimpleUploadedFile("lookup.csv", LOOKUP.encode())},
    )
    assert response.status_code == 302
    assert Area.objects.filter(level=Area.Level.LSOA).count() == 2
    bad = analyst_client.post(
        reverse("performance:areas_upload"),
        {
            "file": SimpleUploadedFile(
                "bad.csv", (LOOKUP + "E01,X,E05000001,Central,E08000099,Northvale,\n").encode()
            )
        },
    )
    assert "Line 4:" in bad.content.decode() and "nothing was saved" in bad.content.decode()
    form = analyst_client.get(reverse("performance:custom_area_create")).content.decode()
    assert "Northvale 001B (E01000002), Central" in form
    response = analyst_client.post(
        reverse("performance:custom_area_create"),
        {
            "code": "nv-worst",
            "name": "Worst performing neighbourhoods",
            "lsoa_codes": ["E01000002"],
        },
    )
    assert response.status_code == 302
    detail = analyst_client.get(
        reverse("performance:area_detail", args=["NV-WORST"])
    ).content.decode()
    assert "Northvale 001B" in detail and 'data-testid="lsoa-count">1<' in detail
    analyst_client.post(
        reverse("performance:custom_area_edit", args=["NV-WORST"]),
        {"name": "Worst two", "lsoa_codes": ["E01000001", "E01000002"]},
    )
    assert Area.objects.get(code="NV-WORST").lsoas.count() == 2


# ----------------------------------------------------------------------------- refused input is a 4xx


def values_check(client: Client, name: str, content: bytes) -> str:
    """Upload a tidy file of claimant counts; the URL of the check page it leads to."""
    response = client.post(
        reverse("performance:values_upload", args=["claimant-count"]),
        {"shape": "tidy", "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"])


@pytest.mark.parametrize(
    ("shape", "content", "shown"),
    [
        (
            "tidy",
            b"area_code,period,value\nE08000099,2024-13,1\nE09,2024-01,2\nE08000099,2024-02,lots\n",
            [
                "Line 2: &#x27;2024-13&#x27; is not a month",
                "Line 3: E09 is not a loaded area",
                "Line 4: value: &#x27;lots&#x27; is not a number",
                "3 problems in the file",
            ],
        ),
        (
            "tidy",
            b'area_code,period,value\nE08000099,2024-01,"9500\n' + b"x" * 200_000 + b"\n",
            ["cannot be read as CSV"],
        ),
        ("nomis", b"area_code,period,value\nE08000099,2024-01,9500\n", ["not a Nomis layout"]),
        ("tidy", b"area,when,count\nE08000099,2024-01,9500\n", ["missing: area_code, period"]),
        ("tidy", b"", ["The selected file is empty"]),
    ],
    ids=["bad-rows", "unreadable", "wrong-shape", "wrong-columns", "empty"],
)
def test_a_refused_values_file_is_a_400_listing_every_bad_row(
    analyst_client: Client, district, shape, content, shown
) -> None:  # type: ignore[no-untyped-def]
    """REL-04, REL-02: a file that is refused answers 400, not 200, with every bad row still on
    the page, and nothing is saved."""
    response = analyst_client.post(
        reverse("performance:values_upload", args=["claimant-count"]),
        {"shape": shape, "file": SimpleUploadedFile("bad.csv", content)},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in body
    for text in shown:
        assert text in body
    assert IndicatorImport.objects.count() == 0 and IndicatorValue.objects.count() == 0


def test_a_refused_areas_file_or_custom_area_is_a_400(analyst_client: Client) -> None:
    """REL-04: the areas upload and the custom area pages answer 400 when they refuse what was
    sent, listing every bad row, and write nothing."""
    bad = analyst_client.post(
        reverse("performance:areas_upload"),
        {
            "file": SimpleUploadedFile(
                "bad.csv",
                (
                    LOOKUP
                    + "E01,X,E05000001,Central,E08000099,Northvale,\n"
                    + "E01000003,,E05000001,Central,E08000099,Northvale,\n"
                ).encode(),
            )
        },
    )
    body = bad.content.decode()
    assert bad.status_code == 400
    assert "Line 4:" in body and "Line 5:" in body and "nothing was saved" in body
    assert not Area.objects.exists()
    unreadable = analyst_client.post(
        reverse("performance:areas_upload"),
        {
            "file": SimpleUploadedFile(
                "broken.csv", (LOOKUP + '"E01000009,' + "x" * 200_000 + "\n").encode()
            )
        },
    )
    assert unreadable.status_code == 400 and "cannot be read as CSV" in unreadable.content.decode()
    assert analyst_client.post(reverse("performance:areas_upload"), {}).status_code == 400

    analyst_client.post(
        reverse("performance:areas_upload"),
        {"file": SimpleUploadedFile("lookup.csv", LOOKUP.encode())},
    )
    create = reverse("performance:custom_area_create")
    refused = analyst_client.post(
        create, {"code": "E05000001", "name": "Clash", "lsoa_codes": ["E01000001"]}
    )
    assert refused.status_code == 400 and "ONS code" in refused.content.decode()
    assert analyst_client.post(create, {"code": "NV-X", "name": "X"}).status_code == 400
    assert not Area.objects.filter(level=Area.Level.CUSTOM).exists()
    analyst_client.post(create, {"code": "NV-X", "name": "X", "lsoa_codes": ["E01000001"]})
    edit = reverse("performance:custom_area_edit", args=["NV-X"])
    emptied = analyst_client.post(edit, {"name": "", "lsoa_codes": []})
    assert emptied.status_code == 400 and "Choose at least one LSOA" in emptied.content.decode()
    assert Area.objects.get(code="NV-X").name == "X"


# ----------------------------------------------------------------------------- replacing figures


def test_a_changed_numerator_or_denominator_needs_the_same_confirmation(
    analyst_client: Client, district
) -> None:  # type: ignore[no-untyped-def]
    """A file that changes only a figure's numerator or denominator is a replacement: the check
    page lists it and asks for confirmation, and the result counts it."""
    first = values_check(
        analyst_client,
        "cc.csv",
        b"area_code,period,value,numerator,denominator\nE08000099,2024-01,9500,9500,121500\n",
    )
    assert analyst_client.post(first, {}).status_code == 302
    revised = values_check(
        analyst_client,
        "cc-revised.csv",
        b"area_code,period,value,numerator,denominator\nE08000099,2024-01,9500,9500,122000\n",
    )
    page = analyst_client.get(revised).content.decode()
    assert 'data-testid="changed">1<' in page and "Yes, this is a newer file" in page
    assert "121,500" in page and "122,000" in page
    refused = analyst_client.post(revised, {})
    assert refused.status_code == 400 and "Confirm that this newer file" in refused.content.decode()
    assert IndicatorValue.objects.get().denominator == Decimal("121500")
    done = analyst_client.post(revised, {"replace": "on"}, follow=True)
    assert "1 values replaced by this newer file" in done.content.decode()
    assert IndicatorValue.objects.get().denominator == Decimal("122000")


def test_reloading_an_older_file_after_a_newer_one_offers_to_replace(
    analyst_client: Client, district
) -> None:  # type: ignore[no-untyped-def]
    """The older file is recognised but not reported as changing nothing: it is compared with
    what is held now, and its figures come back only on confirmation."""
    older = b"area_code,period,value\nE08000099,2024-01,9500\nE08000099,2024-02,9450\n"
    analyst_client.post(values_check(analyst_client, "january.csv", older), {})
    newer = values_check(
        analyst_client, "february.csv", b"area_code,period,value\nE08000099,2024-02,9460\n"
    )
    analyst_client.post(newer, {"replace": "on"})
    assert IndicatorValue.objects.get(period_start=date(2024, 2, 1)).value == Decimal("9460")

    again = values_check(analyst_client, "january.csv", older)
    page = analyst_client.get(again).content.decode()
    assert 'data-testid="already-loaded"' not in page and "changes nothing" not in page
    assert 'data-testid="loaded-before"' in page and 'data-testid="changed">1<' in page
    assert "Yes, this is a newer file" in page
    assert analyst_client.post(again, {}).status_code == 400
    assert IndicatorValue.objects.get(period_start=date(2024, 2, 1)).value == Decimal("9460")
    done = analyst_client.post(again, {"replace": "on"}, follow=True)
    assert "1 values replaced" in done.content.decode()
    assert IndicatorValue.objects.get(period_start=date(2024, 2, 1)).value == Decimal("9450")
    assert IndicatorImport.objects.filter(file_name="january.csv").count() == 2

    # Now every figure in it is held as it is: loading it again changes nothing.
    same = values_check(analyst_client, "january.csv", older)
    assert 'data-testid="already-loaded"' in analyst_client.get(same).content.decode()
    analyst_client.post(same, {})
    assert IndicatorImport.objects.count() == 3


# ----------------------------------------------------------------------------- changing a definition


def definition_post(indicator: Indicator, **changes: str) -> dict[str, str]:
    data = {
        "version": str(indicator.version),
        "name": indicator.name,
        "definition": indicator.definition,
        "numerator": indicator.numerator,
        "denominator": indicator.denominator,
        "unit": indicator.unit,
        "polarity": indicator.polarity,
        "frequency": indicator.frequency,
        "source": indicator.source,
        "where_to_get_data": indicator.where_to_get_data,
        "active": "on",
    }
    data.update(changes)
    return data


def test_an_analyst_changes_a_definition_from_its_page(analyst_client: Client) -> None:
    """The edit page asks why, makes a new version, and the indicator's page keeps showing the
    old version with the reason."""
    indicator = Indicator.objects.get(code="claimant-count")
    old_name = indicator.name
    detail = reverse("performance:indicator_detail", args=[indicator.code])
    edit = reverse("performance:indicator_edit", args=[indicator.code])
    assert edit in analyst_client.get(detail).content.decode()
    form = analyst_client.get(edit).content.decode()
    assert "Why is the definition changing?" in form
    assert f'name="version" value="{indicator.version}"' in form

    no_reason = analyst_client.post(edit, definition_post(indicator, name="Claimants (all ages)"))
    assert no_reason.status_code == 400
    assert "Say why the definition is changing" in no_reason.content.decode()
    assert Indicator.objects.get(pk=indicator.pk).version == 1

    saved = analyst_client.post(
        edit,
        definition_post(
            indicator, name="Claimants (all ages)", change_reason="Nomis renamed the measure."
        ),
    )
    assert saved.status_code == 302
    indicator.refresh_from_db()
    assert indicator.version == 2 and indicator.name == "Claimants (all ages)"
    page = analyst_client.get(detail).content.decode()
    assert "version 2" in page and 'data-testid="history"' in page
    assert page.count('data-testid="history-row"') == 2
    assert "Nomis renamed the measure." in page and old_name in page


def test_a_stale_definition_form_is_refused_with_a_clear_message(
    analyst_client: Client, organisation
) -> None:  # type: ignore[no-untyped-def]
    """REL-01: two analysts open the same definition; the second to save is refused (409) with
    a message saying why, nothing is lost, and saving again after reading is possible."""
    other = Client()
    log_in_verified(other, UserFactory(organisation=organisation, roles=[Role.PERFORMANCE_ANALYST]))
    indicator = Indicator.objects.get(code="claimant-count")
    edit = reverse("performance:indicator_edit", args=[indicator.code])
    seen = definition_post(indicator)  # both pages show version 1
    first = other.post(
        edit, {**seen, "source": "ONS (Nomis)", "change_reason": "Say who publishes it."}
    )
    assert first.status_code == 302

    stale = analyst_client.post(
        edit, {**seen, "name": "Claimants", "change_reason": "Shorter name."}
    )
    body = stale.content.decode()
    assert stale.status_code == 409
    assert "Someone else changed this definition while you were editing it" in body
    assert 'value="Claimants"' in body  # what was typed is kept
    assert 'name="version" value="2"' in body
    indicator.refresh_from_db()
    assert (indicator.version, indicator.source, indicator.name) == (
        2,
        "ONS (Nomis)",
        "Claimant count",
    )
    again = analyst_client.post(
        edit,
        definition_post(indicator, name="Claimants", change_reason="Shorter name."),
    )
    assert again.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.version, indicator.source, indicator.name) == (3, "ONS (Nomis)", "Claimants")
