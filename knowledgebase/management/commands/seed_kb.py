"""``manage.py seed_kb``: the knowledge base's demo content alone (``knowledgebase.demo``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from knowledgebase.demo import seed_kb
from knowledgebase.models import KnowledgeBaseIndexPage


class Command(BaseCommand):
    help = "Create demo knowledge-base categories and articles (idempotent)."

    def handle(self, *args, **options):
        if not KnowledgeBaseIndexPage.objects.exists():
            raise CommandError("No knowledge-base index page: run migrate first.")
        self.stdout.write(f"Knowledge base: {seed_kb()} articles created.")
