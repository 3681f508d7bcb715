"""The shipped complexity weights (Red 3, Amber 2, Green 1) and one programme, so a new
partnership can open cases at once; both are editable in Django admin."""

from django.db import migrations

WEIGHTS = {"R": 3, "A": 2, "G": 1}
PROGRAMME = "Employment and skills support"


def add_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    weight = apps.get_model("cases", "ComplexityWeight")
    for rating, value in WEIGHTS.items():
        weight.objects.get_or_create(rating=rating, defaults={"weight": value})
    programme = apps.get_model("cases", "Programme")
    programme.objects.get_or_create(
        name=PROGRAMME,
        defaults={"description": "One key worker and one plan across partners, towards work."},
    )


def remove_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("cases", "ComplexityWeight").objects.filter(rating__in=WEIGHTS).delete()
    apps.get_model("cases", "Programme").objects.filter(name=PROGRAMME, cases__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
