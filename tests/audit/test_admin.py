"""The audit log in the admin is read-only (SEC-22): nobody adds, changes or deletes events."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_system_admins_read_events_but_cannot_add_change_or_delete(
    system_admin_client: Client, chain: list[AuditEvent]
) -> None:
    """SEC-22: the admin shows events and offers no way to alter them."""
    event = chain[0]
    changelist = system_admin_client.get(reverse("admin:audit_auditevent_changelist"))
    assert changelist.status_code == 200
    assert b"Kirsty Walker" in changelist.content

    detail = system_admin_client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert detail.status_code == 200
    assert event.hash.encode() in detail.content
    assert b'name="_save"' not in detail.content

    add = system_admin_client.get(reverse("admin:audit_auditevent_add"))
    assert add.status_code == 403
    delete = system_admin_client.post(
        reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    change = system_admin_client.post(
        reverse("admin:audit_auditevent_change", args=[event.pk]), {"actor_name": "x"}
    )
    assert change.status_code == 403
    bulk_delete = system_admin_client.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk_delete.status_code in (200, 302)
    assert AuditEvent.objects.count() == 50
    event.refresh_from_db()
    assert event.actor_name == "Kirsty Walker"
