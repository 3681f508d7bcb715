"""Scales and rules as data (rule 6): the shipped "Holistic assessment" scale and complexity
rules, and the checks that keep a changed scale sound."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory

from joinedup.assessments.admin import StageFormSet
from joinedup.assessments.defaults import DEFAULT_RULE_SET, DEFAULT_SCALE
from joinedup.assessments.models import (
    AreaStage,
    AssessmentScale,
    RagRuleSet,
    ScaleArea,
    stage_problems,
)
from joinedup.assessments.rag import DEFAULT_RULES
from joinedup.directory.needs import NeedArea
from joinedup.sharing.models import InformationCategory

pytestmark = pytest.mark.django_db

#: Each area carries the category that decides who may see its score (the issue's mapping).
EXPECTED_CATEGORIES = {
    "work_skills": "work_skills",
    "money_debt": "money_debt",
    "housing": "housing",
    "physical_health": "physical_health",
    "mental_wellbeing": "mental_health",
    "drugs_alcohol": "drugs_alcohol",
    "offending": "offending",
    "family_relationships": "family_relationships",
    "confidence_motivation": "mental_health",
    "basic_digital_skills": "work_skills",
    "practical_barriers": "family_relationships",
}


class TestTheShippedScale:
    def test_the_migration_installs_the_default_scale(self, scale: AssessmentScale) -> None:
        assert scale.name == "Holistic assessment" and scale.active
        areas = list(scale.areas.all())
        assert [a.code for a in areas] == [a.code for a in DEFAULT_SCALE.areas]
        assert {a.code: a.category for a in areas} == EXPECTED_CATEGORIES
        assert {a.need_area for a in areas} == set(NeedArea.values)
        assert scale.problems() == []
        for area in areas:
            stages = list(area.stages.all())
            assert [(s.lowest_score, s.highest_score) for s in stages] == [
                (1, 2),
                (3, 4),
                (5, 6),
                (7, 8),
                (9, 10),
            ]
            assert all(s.label and s.guidance.endswith(".") for s in stages)

    def test_every_area_category_is_a_real_information_category(self) -> None:
        codes = set(InformationCategory.objects.values_list("code", flat=True))
        assert set(EXPECTED_CATEGORIES.values()) <= codes

    def test_the_wording_is_our_own(self) -> None:
        """Not the wording of a licensed tool (e.g. the Outcomes Star's journey of change)."""
        licensed = {"stuck", "accepting help", "believing", "learning", "self-reliance"}
        labels = {s.label.lower() for a in DEFAULT_SCALE.areas for s in a.stages}
        assert not labels & licensed
        assert len(labels) >= 45  # area by area, not one generic ladder

    def test_the_default_rules_are_installed_and_active(self) -> None:
        rule_set = RagRuleSet.objects.get(active=True)
        assert rule_set.name == DEFAULT_RULE_SET.name
        assert rule_set.values() == DEFAULT_RULES
        assert (rule_set.complex_score_max, rule_set.red_min_issues) == (3, 4)
        assert (rule_set.amber_min_issues, rule_set.safeguarding_at_least) == (2, "A")


class TestStagesCoverOneToTen:
    def test_right_stages_have_no_problems(self) -> None:
        assert stage_problems([(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]) == []
        assert stage_problems([(1, 10)]) == []
        assert stage_problems([(6, 10), (1, 5)]) == []

    @pytest.mark.parametrize(
        ("ranges", "message"),
        [
            ([], "Add stages that cover every score from 1 to 10"),
            ([(1, 2), (5, 10)], "No stage covers the scores 3 to 4"),
            ([(1, 2), (4, 10)], "No stage covers the score 3"),
            ([(1, 9)], "No stage covers the score 10"),
            ([(2, 10)], "No stage covers the score 1"),
            ([(1, 5), (4, 10)], "More than one stage covers the scores 4 to 5"),
            ([(1, 5), (5, 10)], "More than one stage covers the score 5"),
            ([(1, 10), (6, 3)], "The stage 6 to 3 must run upwards within 1 to 10"),
            ([(0, 10)], "The stage 0 to 10 must run upwards within 1 to 10"),
        ],
    )
    def test_gaps_and_overlaps_are_found(self, ranges: list[tuple[int, int]], message: str) -> None:
        assert message in stage_problems(ranges)

    def test_the_admin_refuses_stages_with_a_gap(self, scale: AssessmentScale) -> None:
        area = scale.areas.get(code="housing")
        formset_class = inlineformset_factory(
            ScaleArea,
            AreaStage,
            formset=StageFormSet,
            fields=["lowest_score", "highest_score", "label", "guidance"],
            extra=0,
        )
        stages = list(area.stages.all())
        data = {
            "stages-TOTAL_FORMS": str(len(stages)),
            "stages-INITIAL_FORMS": str(len(stages)),
            "stages-MIN_NUM_FORMS": "0",
            "stages-MAX_NUM_FORMS": "1000",
        }
        for i, stage in enumerate(stages):
            data |= {
                f"stages-{i}-id": str(stage.pk),
                f"stages-{i}-area": str(area.pk),
                f"stages-{i}-lowest_score": str(stage.lowest_score),
                f"stages-{i}-highest_score": str(stage.highest_score),
                f"stages-{i}-label": stage.label,
                f"stages-{i}-guidance": stage.guidance,
            }
        assert formset_class(data, instance=area, prefix="stages").is_valid()
        data["stages-2-highest_score"] = "5"  # 5-5 leaves 6 uncovered
        formset = formset_class(data, instance=area, prefix="stages")
        assert not formset.is_valid()
        assert "No stage covers the score 6" in formset.non_form_errors()

    def test_admin_pages_for_scales_and_rules_work(self, system_admin_client, scale) -> None:  # type: ignore[no-untyped-def]
        area = scale.areas.get(code="housing")
        for url in (
            "/admin/assessments/assessmentscale/",
            f"/admin/assessments/assessmentscale/{scale.pk}/change/",
            f"/admin/assessments/scalearea/{area.pk}/change/",
            "/admin/assessments/ragruleset/",
        ):
            assert system_admin_client.get(url).status_code == 200, url
        # Personal data is not in the admin: it is read only through audited selectors.
        assert system_admin_client.get("/admin/assessments/assessment/").status_code == 404


def test_rule_sets_with_amber_above_red_are_refused() -> None:
    rule_set = RagRuleSet(name="Odd", amber_min_issues=5, red_min_issues=3)
    with pytest.raises(ValidationError):
        rule_set.full_clean()
