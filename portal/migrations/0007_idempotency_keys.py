# Idempotency keys shared by the forms and the API's create operations
# (portal.services.idempotency).

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0006_interaction_kind_time_customer"),
    ]

    operations = [
        migrations.CreateModel(
            name="IdempotencyKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("scope", models.CharField(max_length=64)),
                ("owner", models.CharField(max_length=40)),
                ("key", models.CharField(max_length=64)),
                ("fingerprint", models.CharField(max_length=64)),
                ("result_type", models.CharField(blank=True, max_length=100)),
                ("result_id", models.BigIntegerField(blank=True, null=True)),
                ("response_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("response_body", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "indexes": [models.Index(fields=["created_at"], name="portal_idempotency_created")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("owner", "scope", "key"), name="portal_idempotency_key_unique"
                    )
                ],
            },
        ),
    ]
