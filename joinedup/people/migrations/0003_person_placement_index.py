# Where people live (their LSOA, or their postcode where it is blank), readable from an index
# alone: the performance measures place people in areas without reading their whole record.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_person_lsoa_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["lsoa_code", "postcode", "id"], name="person_placement"),
        ),
    ]
