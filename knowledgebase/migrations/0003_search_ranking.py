"""Search ranking: the spelling correction of a logged search, and Porter stemming on SQLite.

On SQLite, Wagtail's full-text table (``wagtailsearch_indexentry_fts``, FTS5) is created with
the default ``unicode61`` tokenizer: no stemming, so "cards" never finds "card". It is rebuilt
here with ``porter unicode61 remove_diacritics 2`` (the triggers that keep it in sync with
``wagtailsearch_indexentry`` refer to it by name and keep working) and refilled from the index
entries. PostgreSQL stems with its text-search configuration already: nothing to do there.
"""

from django.db import migrations, models

FTS = "wagtailsearch_indexentry_fts"
ENTRIES = "wagtailsearch_indexentry"


def fts_table_sql(schema_editor) -> str | None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [FTS])
        row = cursor.fetchone()
    return row[0] if row else None


def rebuild_fts(schema_editor, tokenize: str | None) -> None:
    options = f", tokenize='{tokenize}'" if tokenize else ""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {FTS}")
        cursor.execute(
            f"CREATE VIRTUAL TABLE {FTS} USING fts5(autocomplete, body, title{options})"
        )
        cursor.execute(
            f"INSERT INTO {FTS} (rowid, autocomplete, body, title) "  # noqa: S608
            f"SELECT id, autocomplete, body, title FROM {ENTRIES}"
        )


def porter_on(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    sql = fts_table_sql(schema_editor)
    if sql is None or "porter" in sql:
        return
    rebuild_fts(schema_editor, "porter unicode61 remove_diacritics 2")


def porter_off(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    sql = fts_table_sql(schema_editor)
    if sql is None or "porter" not in sql:
        return
    rebuild_fts(schema_editor, None)


class Migration(migrations.Migration):
    dependencies = [
        ("knowledgebase", "0002_create_kb_index"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchquery",
            name="corrected",
            field=models.CharField(
                blank=True,
                help_text="What was searched instead, when the query found nothing and a "
                "spelling correction did.",
                max_length=200,
            ),
        ),
        migrations.RunPython(porter_on, porter_off),
    ]
