"""Review pairs and cluster changes get a UUID for their URLs (SEC-13): added empty, filled in
for existing rows, then made unique and required."""

import uuid

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):  # type: ignore[no-untyped-def]
    for name in ("CandidatePair", "ClusterChange"):
        model = apps.get_model("matching", name)
        rows = list(model.objects.filter(public_id__isnull=True).only("id"))
        for row in rows:
            row.public_id = uuid.uuid4()
        model.objects.bulk_update(rows, ["public_id"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("matching", "0003_extract_content_and_heartbeat")]

    operations = [
        migrations.AddField(
            model_name="candidatepair",
            name="public_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="clusterchange",
            name="public_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="candidatepair",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, unique=True, editable=False),
        ),
        migrations.AlterField(
            model_name="clusterchange",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, unique=True, editable=False),
        ),
    ]
