"""Assessment scales and complexity rules in Django admin (system admins only): the business
rules a partnership changes (rule 6). Assessments, scores and ratings are personal data and are
not in the admin: they are read and written only through selectors and services, which audit.

Change a scale that assessments already use by adding a new version (and making it the active
one) rather than rewording it, so earlier assessments keep the meaning they were scored with.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from .models import AreaStage, AssessmentScale, RagRuleSet, ScaleArea, stage_problems


class AreaInline(admin.TabularInline):
    model = ScaleArea
    fields = ["order", "code", "name", "need_area", "category"]
    extra = 0
    show_change_link = True


@admin.register(AssessmentScale)
class AssessmentScaleAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "active"]
    list_filter = ["active"]
    inlines = [AreaInline]


class StageFormSet(forms.BaseInlineFormSet):
    """An area's stages must cover every score from 1 to 10 exactly once."""

    def clean(self) -> None:
        super().clean()
        ranges: list[tuple[int, int]] = []
        for form in self.forms:
            data: dict[str, Any] = getattr(form, "cleaned_data", {})
            if not data or data.get("DELETE"):
                continue
            low, high = data.get("lowest_score"), data.get("highest_score")
            if low is None or high is None:
                return  # the field errors say what is missing
            ranges.append((low, high))
        problems = stage_problems(ranges)
        if problems:
            raise forms.ValidationError(problems)


class StageInline(admin.TabularInline):
    model = AreaStage
    formset = StageFormSet
    fields = ["lowest_score", "highest_score", "label", "guidance"]
    extra = 0


@admin.register(ScaleArea)
class ScaleAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "scale", "code", "need_area", "category", "order"]
    list_filter = ["scale", "category"]
    list_select_related = ["scale"]
    inlines = [StageInline]


@admin.register(RagRuleSet)
class RagRuleSetAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "active",
        "complex_score_max",
        "red_min_issues",
        "amber_min_issues",
        "safeguarding_at_least",
    ]
