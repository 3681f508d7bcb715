"""Ship the default information categories (editable afterwards)."""

from django.db import migrations


def add_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    from joinedup.sharing.categories import DEFAULT_CATEGORIES

    category_model = apps.get_model("sharing", "InformationCategory")
    for order, default in enumerate(DEFAULT_CATEGORIES, start=1):
        category_model.objects.update_or_create(
            code=default.code,
            defaults={
                "name": default.name,
                "description": default.description,
                "special_category": default.special_category,
                "order": order,
            },
        )


def remove_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    from joinedup.sharing.categories import DEFAULT_CATEGORIES

    category_model = apps.get_model("sharing", "InformationCategory")
    category_model.objects.filter(code__in=[d.code for d in DEFAULT_CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("sharing", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
