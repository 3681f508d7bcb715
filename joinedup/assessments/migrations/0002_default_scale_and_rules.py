"""Ship the default "Holistic assessment" scale and the default complexity rules (editable
afterwards in Django admin). The content lives in ``joinedup.assessments.defaults``."""

from django.db import migrations


def add_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    from joinedup.assessments.defaults import DEFAULT_RULE_SET, DEFAULT_SCALE

    scale_model = apps.get_model("assessments", "AssessmentScale")
    area_model = apps.get_model("assessments", "ScaleArea")
    stage_model = apps.get_model("assessments", "AreaStage")
    rules_model = apps.get_model("assessments", "RagRuleSet")

    scale, _ = scale_model.objects.update_or_create(
        name=DEFAULT_SCALE.name,
        version=DEFAULT_SCALE.version,
        defaults={"description": DEFAULT_SCALE.description, "active": True},
    )
    for order, default in enumerate(DEFAULT_SCALE.areas, start=1):
        area, _ = area_model.objects.update_or_create(
            scale=scale,
            code=default.code,
            defaults={
                "name": default.name,
                "need_area": str(default.need_area),
                "category": default.category,
                "description": default.description,
                "order": order,
            },
        )
        for stage in default.stages:
            stage_model.objects.update_or_create(
                area=area,
                lowest_score=stage.lowest_score,
                defaults={
                    "highest_score": stage.highest_score,
                    "label": stage.label,
                    "guidance": stage.guidance,
                },
            )
    if not rules_model.objects.filter(active=True).exists():
        rules = DEFAULT_RULE_SET.rules
        rules_model.objects.create(
            name=DEFAULT_RULE_SET.name,
            active=True,
            complex_score_max=rules.complex_score_max,
            red_min_issues=rules.red_min_issues,
            amber_min_issues=rules.amber_min_issues,
            safeguarding_at_least=rules.safeguarding_at_least,
        )


def remove_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    from joinedup.assessments.defaults import DEFAULT_RULE_SET, DEFAULT_SCALE

    scale_model = apps.get_model("assessments", "AssessmentScale")
    rules_model = apps.get_model("assessments", "RagRuleSet")
    scale_model.objects.filter(name=DEFAULT_SCALE.name, version=DEFAULT_SCALE.version).delete()
    rules_model.objects.filter(name=DEFAULT_RULE_SET.name).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
