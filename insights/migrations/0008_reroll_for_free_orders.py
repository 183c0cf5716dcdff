"""Free orders became orders (``Purchase.ORDER``: amount >= 0). The rollups written before
counted only positive amounts: forget which days are rolled up, so metrics read the raw rows
(correct, slower) until the periodic pass (``rollup_pending``) has rolled every day up again
from the earliest one, first and second orders included. Nothing is lost: the rollups are
derived data. Reversing does nothing (the old rule's rows are not wanted back)."""

from django.db import migrations


def forget_rolled_days(apps, schema_editor):
    apps.get_model("insights", "RollupDay").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("insights", "0007_feedback_followups_and_survey_settings")]

    operations = [migrations.RunPython(forget_rolled_days, migrations.RunPython.noop)]
