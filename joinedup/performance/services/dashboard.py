"""Writes for the shared partnership dashboard: which indicators and measures are on it, in
what order, which are public, and the disclosure control (threshold and rounding) for anything
published. Performance analysts only. No figure can be written here: every figure on the
dashboard is computed from recorded data.

Each change to the disclosure control raises its version and keeps a ``DefinitionVersion`` of
kind "disclosure" with the reason, so the public view can say which rules it was published under.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from joinedup.accounts.roles import Role

from ..models import (
    DashboardItem,
    DefinitionVersion,
    DisclosureControl,
    Indicator,
    MeasureDefinition,
)

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

DISCLOSURE_CODE = "disclosure"
THRESHOLD_RANGE = (3, 50)
ROUNDING_RANGE = (1, 20)


def may_manage_dashboard(*, actor: Actor) -> bool:
    """Performance analysts (and the system itself, for the demo) manage the dashboard."""
    if actor.is_system:
        return True
    user = actor.user
    return bool(user is not None and user.has_role(Role.PERFORMANCE_ANALYST))


def _check(actor: Actor) -> None:
    if not may_manage_dashboard(actor=actor):
        raise PermissionDenied("Only performance analysts can change the dashboard.")


def _item(item_id: uuid.UUID) -> DashboardItem:
    item = DashboardItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise ValidationError("That item is no longer on the dashboard.")
    return item


def add_dashboard_item(*, actor: Actor, choice: str, public: bool) -> DashboardItem:
    """Put an indicator (``indicator:<code>``) or a measure (``measure:<code>``) at the end of
    the dashboard."""
    _check(actor)
    kind, _, code = choice.partition(":")
    item = DashboardItem(public=public)
    if kind == "indicator":
        indicator = Indicator.objects.filter(code=code, active=True).first()
        if indicator is None:
            raise ValidationError({"item": "Select an indicator or measure from the list"})
        if DashboardItem.objects.filter(indicator=indicator).exists():
            raise ValidationError({"item": f"{indicator.name} is already on the dashboard"})
        item.indicator = indicator
    elif kind == "measure":
        measure = MeasureDefinition.objects.filter(code=code, active=True).first()
        if measure is None:
            raise ValidationError({"item": "Select an indicator or measure from the list"})
        if DashboardItem.objects.filter(measure=measure).exists():
            raise ValidationError({"item": f"{measure.name} is already on the dashboard"})
        item.measure = measure
    else:
        raise ValidationError({"item": "Select an indicator or measure from the list"})
    with transaction.atomic():
        last = DashboardItem.objects.select_for_update().aggregate(top=Max("order"))["top"]
        item.order = (last or 0) + 1
        item.stamp(actor).save()
    return item


def remove_dashboard_item(*, actor: Actor, item_id: uuid.UUID) -> None:
    """Take an item off the dashboard (its indicator or measure is kept)."""
    _check(actor)
    with transaction.atomic():
        _item(item_id).delete()
        _renumber(actor)


def set_dashboard_item_public(*, actor: Actor, item_id: uuid.UUID, public: bool) -> DashboardItem:
    _check(actor)
    with transaction.atomic():
        item = _item(item_id)
        item.public = public
        item.stamp(actor).save(update_fields=["public", "modified_by", "modified_on"])
    return item


def move_dashboard_item(*, actor: Actor, item_id: uuid.UUID, direction: str) -> None:
    """Move an item one place "up" or "down"; at either end it stays where it is."""
    _check(actor)
    if direction not in ("up", "down"):
        raise ValidationError("Move an item up or down.")
    with transaction.atomic():
        items = list(DashboardItem.objects.select_for_update().order_by("order", "created_on"))
        index = next((n for n, item in enumerate(items) if item.pk == item_id), None)
        if index is None:
            raise ValidationError("That item is no longer on the dashboard.")
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(items):
            items[index], items[other] = items[other], items[index]
        _save_order(actor, items)


def _renumber(actor: Actor) -> None:
    _save_order(actor, list(DashboardItem.objects.order_by("order", "created_on")))


def _save_order(actor: Actor, items: list[DashboardItem]) -> None:
    for number, item in enumerate(items, start=1):
        if item.order != number:
            item.order = number
            item.stamp(actor).save(update_fields=["order", "modified_by", "modified_on"])


def _snapshot(control: DisclosureControl) -> dict[str, int]:
    return {"threshold": control.threshold, "rounding_base": control.rounding_base}


def change_disclosure_control(
    *,
    actor: Actor,
    threshold: int,
    rounding_base: int,
    change_reason: str,
    expected_version: int,
) -> DisclosureControl:
    """Change the threshold and rounding for everything published. The version goes up by one
    and the new rules are kept as a definition version with the reason. The first change also
    keeps the shipped defaults as version 1. A form built from an older version is refused."""
    _check(actor)
    errors: dict[str, str] = {}
    low, high = THRESHOLD_RANGE
    if not low <= threshold <= high:
        errors["threshold"] = f"The threshold must be between {low} and {high}"
    low, high = ROUNDING_RANGE
    if not low <= rounding_base <= high:
        errors["rounding_base"] = f"Rounding must be to a multiple of {low} to {high}"
    reason = " ".join(change_reason.split())
    if not reason:
        errors["change_reason"] = "Enter why the rules are changing"
    elif len(reason) > 500:
        errors["change_reason"] = "The reason must be 500 characters or fewer"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        control = DisclosureControl.objects.select_for_update().order_by("created_on").first()
        if control is None:
            control = DisclosureControl(threshold=5, rounding_base=5, version=1)
            control.stamp(actor).save()
            DefinitionVersion(
                kind=DefinitionVersion.Kind.DISCLOSURE,
                code=DISCLOSURE_CODE,
                version=1,
                definition=_snapshot(control),
                change_reason="Shipped defaults",
            ).stamp(actor).save()
        if control.version != expected_version:
            raise ValidationError(
                "Someone else changed the rules while you were editing. The page now shows "
                "their rules: check them and save again if you still want your change."
            )
        if control.threshold == threshold and control.rounding_base == rounding_base:
            raise ValidationError("Those are the rules already in use. Change a value or cancel.")
        control.threshold = threshold
        control.rounding_base = rounding_base
        control.version += 1
        control.stamp(actor).save()
        DefinitionVersion(
            kind=DefinitionVersion.Kind.DISCLOSURE,
            code=DISCLOSURE_CODE,
            version=control.version,
            definition=_snapshot(control),
            change_reason=reason,
        ).stamp(actor).save()
    return control
