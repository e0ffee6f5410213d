"""Full-text search: a GIN index on the page's search vector, on Postgres only (the embedded
SQLite default searches with a contains fallback instead)."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Serves: WHERE search_vector @@ websearch_to_tsquery('english', :q)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS wiki_page_search_gin ON wiki_page USING gin (search_vector)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS wiki_page_search_gin")


class Migration(migrations.Migration):
    dependencies = [("wiki", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
