"""The CLV-quantile "loyalty tier" becomes the "value band" (issue 15): the loyalty
programme's tier is the only thing called a tier. Field and index renamed, values mapped
(platinum -> top, gold -> high, silver -> middle, bronze -> low)."""

from django.db import migrations, models

MAPPING = {"platinum": "top", "gold": "high", "silver": "middle", "bronze": "low"}


def forwards(apps, schema_editor):
    CustomerScore = apps.get_model("insights", "CustomerScore")
    for old, new in MAPPING.items():
        CustomerScore.objects.filter(value_band=old).update(value_band=new)


def backwards(apps, schema_editor):
    CustomerScore = apps.get_model("insights", "CustomerScore")
    for old, new in MAPPING.items():
        CustomerScore.objects.filter(value_band=new).update(value_band=old)


class Migration(migrations.Migration):
    dependencies = [("insights", "0009_followup_outcome_unrecorded")]

    operations = [
        migrations.RemoveIndex(model_name="customerscore", name="score_tier"),
        migrations.RenameField(model_name="customerscore", old_name="tier", new_name="value_band"),
        migrations.AlterField(
            model_name="customerscore",
            name="value_band",
            field=models.CharField(
                choices=[
                    ("top", "Top 5%"),
                    ("high", "High (next 15%)"),
                    ("middle", "Middle (next 30%)"),
                    ("low", "Low (bottom half)"),
                ],
                max_length=8,
                verbose_name="value band",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddIndex(
            model_name="customerscore",
            index=models.Index(fields=["value_band"], name="score_value_band"),
        ),
    ]
