"""Background jobs for data matching (django-tasks; the worker is ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def linkage_task(run_id: str) -> str:
    """Carry out a queued linkage run; returns its final status."""
    from .services import execute_run

    return execute_run(run_id).status
