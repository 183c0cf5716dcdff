"""The follow-up cases' periodic pass (``manage.py tick`` runs it with the other passes)."""

from __future__ import annotations

from django.tasks import task

from insights.services.followups import followups_pass


@task(queue_name="default")
def followups_task() -> dict[str, int]:
    """First contacts onto open cases; cases for recent unhappy answers that have none.
    Safe to run twice: a first contact is written only where none is, and a case is opened
    only for an answer that has none."""
    return followups_pass()
