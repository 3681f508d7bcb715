"""Base models every JoinedUp record stands on.

- UUID primary keys, so identifiers in URLs cannot be guessed or counted (SEC-13).
- Who created and last changed a record, and when.
- Soft archive for records that must be kept (archived records drop out of everyday lists but
  stay for audit, reporting and retention).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from joinedup.core.actor import Actor


class BaseModel(models.Model):
    """Abstract base: UUID id, created/modified by/on."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_on = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    modified_on = models.DateTimeField(auto_now=True, editable=False)
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    def stamp(self, actor: Actor) -> Self:
        """Record the acting user as creator (when new) and as last modifier. Returns self."""
        user_id = actor.user_id
        if self._state.adding and self.created_by_id is None:
            self.created_by_id = user_id
        self.modified_by_id = user_id
        return self


class ArchivableQuerySet(models.QuerySet[Any]):
    def active(self) -> Self:
        return self.filter(archived_on__isnull=True)

    def archived(self) -> Self:
        return self.filter(archived_on__isnull=False)


class ArchivableModel(BaseModel):
    """Abstract base for records that are archived, never deleted, in everyday use."""

    archived_on = models.DateTimeField(null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    archive_reason = models.CharField(max_length=500, blank=True, editable=False)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_on is not None

    def archive(self, *, actor: Actor, reason: str) -> None:
        """Mark archived (the caller saves). A reason is required: archives are reviewed."""
        if not reason.strip():
            raise ValueError("An archive needs a reason.")
        self.archived_on = timezone.now()
        self.archived_by_id = actor.user_id
        self.archive_reason = reason.strip()
        self.stamp(actor)

    def unarchive(self, *, actor: Actor) -> None:
        self.archived_on = None
        self.archived_by_id = None
        self.archive_reason = ""
        self.stamp(actor)
