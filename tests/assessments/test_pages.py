"""The assessment pages through the Django test client: recording (pre-filled), the detail as
each partner sees it, rating history and override, the scale, the timeline (F6, rule 5)."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.roles import Role
from joinedup.assessments.models import Assessment, ComplexityRating
from joinedup.audit.models import AuditEvent
from joinedup.sharing.categories import IDENTITY, MONEY_DEBT

from ..conftest import client_for
from ..factories import UserFactory
from .conftest import assess, consent_for

pytestmark = pytest.mark.django_db


def form_data(scale: Any, default: str = "6", **overrides: str) -> dict[str, str]:
    today = timezone.localdate()
    data = {
        "kind": "triage",
        "assessed_on_0": str(today.day),
        "assessed_on_1": str(today.month),
        "assessed_on_2": str(today.year),
    }
    for area in scale.areas.all():
        data[f"score_{area.code}"] = default
    data.update(overrides)
    return data


class TestRecordingAnAssessment:
    def test_the_form_shows_every_area_with_its_stages_and_the_ons4_questions(
        self, person, council_worker, scale
    ) -> None:
        response = client_for(council_worker).get(reverse("assessments:new", args=[person.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        for area in scale.areas.all():
            assert f'data-testid="area-{area.code}"' in html
        assert "1: Far from work" in html and "10: Settled and secure" in html
        assert "Housing: what the scores mean" in html
        assert "Has a secure, suitable home and manages it without help." in html
        assert "Overall, how satisfied are you with your life nowadays?" in html
        assert "how anxious did you feel yesterday?" in html
        assert "Open Government Licence" in html
        assert 'data-testid="prefilled"' not in html
        assert 'value="triage" checked' in html

    def test_the_form_is_prefilled_from_the_last_assessment(
        self, person, council_worker, scale
    ) -> None:
        assess(
            council_worker,
            person,
            scale,
            assessed_on=timezone.localdate() - timedelta(days=30),
            areas={"housing": (2, True)},
            motivators="Her kids",
        )
        html = (
            client_for(council_worker)
            .get(reverse("assessments:new", args=[person.pk]))
            .content.decode()
        )
        assert 'data-testid="prefilled"' in html
        assert 'name="score_housing" type="radio" value="2" checked' in html
        assert (
            'id="id_complex_housing" name="complex_housing" type="checkbox" value="on" checked'
            in html
        )
        assert "Her kids" in html
        assert 'value="review" checked' in html
        assert AuditEvent.objects.latest("sequence").detail["page"] == "new assessment, pre-filled"

    def test_saving_records_the_assessment_and_shows_it(
        self, person, council_worker, scale
    ) -> None:
        client = client_for(council_worker)
        data = form_data(
            scale,
            score_housing="1",
            score_money_debt="2",
            score_offending="none",
            complex_drugs_alcohol="on",
            score_work_skills="3",
            note_housing="Section 21 notice",
            motivator_tags=["family", "career"],
            motivators="<script>alert(1)</script>",
            wellbeing_life_satisfaction="4",
            wellbeing_anxiety="none",
        )
        response = client.post(reverse("assessments:new", args=[person.pk]), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assessment = Assessment.objects.get()
        assert response["Location"] == reverse("assessments:detail", args=[assessment.pk])
        html = client.get(response["Location"]).content.decode()
        assert "The assessment has been recorded." in html
        assert 'data-testid="rating-label">Red<' in html
        assert (
            "Red: 4 complex issues: work and skills, money and debt, housing, drugs and alcohol."
            in html
        )
        assert "Section 21 notice" in html and "Not assessed" in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
        assert "A particular job or career" in html
        assert assessment.wellbeing.life_satisfaction == 4 and assessment.wellbeing.anxiety is None

    def test_mistakes_are_shown_in_govuk_words_and_nothing_is_saved(
        self, person, council_worker, scale
    ) -> None:
        future = timezone.localdate() + timedelta(days=3)
        data = form_data(
            scale,
            assessed_on_0=str(future.day),
            assessed_on_1=str(future.month),
            assessed_on_2=str(future.year),
            safeguarding_concern="on",
        )
        del data["score_housing"]
        response = client_for(council_worker).post(
            reverse("assessments:new", args=[person.pk]), data
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in html
        assert "Select a score for housing, or select not assessed" in html
        assert 'href="#id_score_housing"' in html and 'id="id_score_housing"' in html
        assert not Assessment.objects.exists()
        data["score_housing"] = "5"
        html = (
            client_for(council_worker)
            .post(reverse("assessments:new", args=[person.pk]), data)
            .content.decode()
        )
        assert "The date of the assessment must be today or in the past" in html
        assert "Enter what the safeguarding concern is" in html
        assert not Assessment.objects.exists()


class TestWhoSeesWhat:
    def test_a_partner_sees_only_the_areas_it_has_consent_for(
        self, person, council_worker, cab, cab_adviser, scale
    ) -> None:
        consent_for(person, council_worker, cab, IDENTITY, MONEY_DEBT)
        assessment = assess(
            council_worker,
            person,
            scale,
            areas={"money_debt": 2, "housing": 1, "drugs_alcohol": 1, "offending": 2},
            barriers="Secret barrier",
            motivators="Secret motivator",
        )
        html = (
            client_for(cab_adviser)
            .get(reverse("assessments:detail", args=[assessment.pk]))
            .content.decode()
        )
        assert 'data-area="money_debt"' in html
        for hidden in ("housing", "drugs_alcohol", "offending", "mental_wellbeing"):
            assert f'data-area="{hidden}"' not in html
        assert "10 areas are not shown to you" in html
        assert "Red: 4 complex issues: money and debt, and 3 other areas." in html
        assert "Secret barrier" not in html and "Secret motivator" not in html
        assert "Drugs and alcohol" not in html and "drugs and alcohol" not in html

    def test_pages_for_a_person_without_a_basis_are_404_on_every_verb(
        self, person, council_worker, jcp_coach, scale
    ) -> None:
        assessment = assess(council_worker, person, scale)
        client = client_for(jcp_coach)
        for url in (
            reverse("assessments:new", args=[person.pk]),
            reverse("assessments:history", args=[person.pk]),
            reverse("assessments:override", args=[person.pk]),
            reverse("assessments:detail", args=[assessment.pk]),
        ):
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"rating": "R", "reason": "x"}).status_code == 404, url
        assert Assessment.objects.count() == 1 and ComplexityRating.objects.count() == 1

    def test_roles_are_checked_before_anything_else(self, person, council, council_ig) -> None:
        analyst = UserFactory(organisation=council, roles=[Role.PERFORMANCE_ANALYST])
        assert (
            client_for(analyst).get(reverse("assessments:history", args=[person.pk])).status_code
            == 403
        )
        ig = client_for(council_ig)
        assert ig.get(reverse("assessments:history", args=[person.pk])).status_code == 200
        assert ig.get(reverse("assessments:new", args=[person.pk])).status_code == 403
        assert client_for(analyst).get(reverse("assessments:scale")).status_code == 200

    def test_unknown_ids_are_404(self, council_worker) -> None:
        client = client_for(council_worker)
        assert client.get("/assessments/00000000-0000-4000-8000-000000000000/").status_code == 404
        assert (
            client.get("/people/00000000-0000-4000-8000-000000000000/assessments/").status_code
            == 404
        )


class TestRatingsAndHistory:
    def test_history_and_override(self, person, council_worker, scale) -> None:
        client = client_for(council_worker)
        history_url = reverse("assessments:history", args=[person.pk])
        html = client.get(history_url).content.decode()
        assert 'data-testid="no-rating"' in html
        assert "4 or more complex issues is Red" in html
        assess(council_worker, person, scale, default=8)
        override_url = reverse("assessments:override", args=[person.pk])
        response = client.post(override_url, {"rating": "R", "reason": ""})
        assert "Enter why you are changing the rating" in response.content.decode()
        response = client.post(override_url, {"rating": "R", "reason": "Eviction on Friday."})
        assert response.status_code == 302 and response["Location"] == history_url
        html = client.get(history_url).content.decode()
        assert "The complexity rating has been changed." in html
        assert 'data-testid="override-reason"><strong>Reason:</strong> Eviction on Friday.' in html
        assert "Green: no complex issues." in html  # the earlier rating, in the history
        assert ComplexityRating.objects.filter(is_override=True).count() == 1

    def test_the_detail_page_offers_the_override_to_record_keepers_only(
        self, person, council_worker, council_ig, scale
    ) -> None:
        assessment = assess(council_worker, person, scale)
        url = reverse("assessments:detail", args=[assessment.pk])
        assert 'data-testid="override-form"' in client_for(council_worker).get(url).content.decode()
        assert 'data-testid="override-form"' not in client_for(council_ig).get(url).content.decode()

    def test_the_scale_page_lists_areas_and_stages(self, council_worker, scale) -> None:
        html = client_for(council_worker).get(reverse("assessments:scale")).content.decode()
        assert "Holistic assessment" in html
        for area in scale.areas.all():
            assert f'data-testid="stages-{area.code}"' in html
        assert "Is sleeping rough, sofa-surfing" in html
        assert 'data-testid="rules"' in html


class TestTimeline:
    def test_assessments_and_overrides_appear_on_the_timeline(
        self, person, council_worker, cab, cab_adviser, scale
    ) -> None:
        from joinedup.assessments import services

        from ..conftest import actor_for

        consent_for(person, council_worker, cab, IDENTITY)
        assess(council_worker, person, scale, areas={"housing": 1, "money_debt": 1})
        services.override_rating(
            actor=actor_for(council_worker), person=person, rating="R", reason="Court next week"
        )
        assess(cab_adviser, person, scale, kind="review")  # held by Citizens Advice
        url = reverse("people:timeline", args=[person.pk])
        holder = client_for(council_worker).get(url).content.decode()
        assert "Triage assessment by Northvale Borough Council: Amber" in holder
        assert "Complexity rating changed to Red by Northvale Borough Council" in holder
        # Citizens Advice's review is held by it; the person agreed to share with CAB only.
        assert "Review assessment by Citizens Advice Northvale" not in holder
        partner = client_for(cab_adviser).get(url).content.decode()
        assert "Triage assessment by Northvale Borough Council: Amber" in partner
        assert "Review assessment by Citizens Advice Northvale: Green" in partner


def test_views_never_query_assessment_models_directly() -> None:
    """Rule 1 for this app: its views read and write only through selectors and services."""
    personal = {"Assessment", "AreaScore", "WellbeingCheck", "ComplexityRating", "Person"}
    path = Path(__file__).resolve().parents[2] / "joinedup" / "assessments" / "views.py"
    offenders = [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute)
        and node.attr == "objects"
        and isinstance(node.value, ast.Name)
        and node.value.id in personal
    ]
    imported = [
        alias.name
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name in personal
    ]
    assert offenders == [] and imported == []


def test_audit_failure_shows_no_assessment(person, council_worker, scale) -> None:  # type: ignore[no-untyped-def]
    """SEC-21: if the look cannot be recorded, nothing of the assessment is returned."""
    from unittest import mock

    from joinedup.audit.services import AuditWriteError

    assessment = assess(council_worker, person, scale, areas={"housing": 2}, barriers="Secret")
    client = client_for(council_worker)
    with mock.patch("joinedup.audit.services._locked_head", side_effect=AuditWriteError("down")):
        response = client.get(reverse("assessments:detail", args=[assessment.pk]))
        history = client.get(reverse("assessments:history", args=[person.pk]))
    assert response.status_code == 503 and history.status_code == 503
    assert "Secret" not in response.content.decode()
    assert "No safe home" not in response.content.decode()
