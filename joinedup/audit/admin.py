"""The audit log in the admin: read-only. Nobody adds, changes or deletes events (SEC-22)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent

EVENT_FIELDS: tuple[str, ...] = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_name",
    "organisation_id",
    "organisation_name",
    "person_id",
    "categories",
    "action",
    "basis",
    "request_id",
    "ip_address",
    "process",
    "detail",
    "previous_hash",
    "hash",
)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "sequence",
        "occurred_at",
        "actor_name",
        "organisation_name",
        "action",
        "basis",
        "person_id",
    ]
    list_filter = ["action", "basis"]
    search_fields = ["actor_name", "organisation_name", "request_id"]
    ordering = ["-sequence"]
    show_full_result_count = False  # no COUNT(*) over millions of rows on every page
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
