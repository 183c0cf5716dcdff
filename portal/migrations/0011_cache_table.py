"""The embedded cache's table (settings.CACHES without REDIS_URL: portal.cache_backend.
SharedDatabaseCache), made like ``manage.py createcachetable`` does, so that ``migrate`` is all a
fresh database needs. It is made whatever the configured cache, so that switching from Redis to
the database cache needs no other step; a database cache configured under another table name is
made too."""

from django.core.cache import caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "portal_cache"


def _tables(settings):
    names = {TABLE}
    for alias in settings.CACHES:
        backend = caches[alias]
        if isinstance(backend, BaseDatabaseCache):
            names.add(backend._table)
    return sorted(names)


def create_cache_tables(apps, schema_editor):
    from django.conf import settings

    command = CreateCacheTable(no_color=True)
    command.verbosity = 0
    for name in _tables(settings):
        command.create_table(schema_editor.connection.alias, name, dry_run=False)


def drop_cache_table(apps, schema_editor):
    connection = schema_editor.connection
    if TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {connection.ops.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("portal", "0010_badges")]

    operations = [migrations.RunPython(create_cache_tables, drop_cache_table, elidable=False)]
