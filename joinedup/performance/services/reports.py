"""Writes for turn-the-curve reports (issue 7, item 4): start a report, change it, and add,
change, remove or reorder the items of its lists (causes, partners, ideas, actions, data
development).

Partners co-edit a report, so every change is made the same way (``_edit``):

1. the actor's right to edit is checked (``may_edit_report``);
2. the version the actor's form was built from must still be the report's version: it is
   claimed with a conditional UPDATE (which also locks the row), else ``StaleReportError`` and
   nothing is written (REL-01: no lost update; the page then shows the other person's edit and
   keeps what this user typed);
3. the change is made and checked; if anything is wrong, nothing is written;
4. the version goes up by one and a ``ReportRevision`` keeps the whole report as it now stands
   (a JSON snapshot) with a summary of what changed. A save that changes nothing writes
   nothing and keeps the version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from ..models import (
    Area,
    Indicator,
    ReportPartner,
    ReportRevision,
    TurnTheCurveReport,
)
from ..selectors.reports import (
    SECTIONS,
    changes_summary,
    may_edit_report,
    may_start_report,
    report_snapshot,
    snapshot_changes,
)

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

#: The fields a form may set on each kind of item (SEC-17: nothing else gets through).
ITEM_VALUES: dict[str, tuple[str, ...]] = {
    "causes": ("text", "tag"),
    "partners": ("organisation", "name", "role"),
    "ideas": ("text", "evidence", "cost", "source"),
    "actions": (
        "action",
        "for_whom",
        "lead_organisation",
        "lead_name",
        "due_on",
        "status",
        "programme",
    ),
    "data": ("text",),
}

STALE_MESSAGE = (
    "Someone else changed this report since you opened it. Their changes are shown below and "
    "what you typed is kept: check it and save again."
)


class StaleReportError(ValidationError):
    """Someone else changed the report since the actor's form was built (REL-01)."""


def _clean_text(value: Any) -> str:
    return str(value or "").strip()


class _NothingChangedError(Exception):
    """Raised inside ``_edit``'s transaction to undo the claimed version when nothing changed."""


def _edit(
    *,
    actor: Actor,
    report: TurnTheCurveReport,
    expected_version: int,
    change: Callable[[TurnTheCurveReport], None],
) -> TurnTheCurveReport:
    """Check, claim the version, change, and keep a revision (see the module's docstring).

    The version is claimed first, with ``UPDATE … SET version = n + 1 WHERE version = n``: of
    two saves from the same version, exactly one updates the row (the other waits for the row
    lock, then finds the version moved on) on PostgreSQL and on SQLite alike."""
    current = TurnTheCurveReport.objects.filter(pk=report.pk).first()
    if current is None:
        raise ValidationError("This report no longer exists.")
    if not may_edit_report(actor=actor, report=current):
        raise PermissionDenied(
            "Only performance analysts and staff of the report's partner organisations can "
            "change it."
        )
    try:
        with transaction.atomic():
            claimed = TurnTheCurveReport.objects.filter(
                pk=report.pk, version=expected_version
            ).update(version=F("version") + 1)
            if not claimed:
                raise StaleReportError(STALE_MESSAGE, code="stale")
            locked = TurnTheCurveReport.objects.select_for_update().get(pk=report.pk)
            before = report_snapshot(locked)
            change(locked)
            after = report_snapshot(locked)
            changes = snapshot_changes(before, after)
            if not changes:
                raise _NothingChangedError
            locked.version = expected_version + 1
            locked.stamp(actor)
            locked.save()
            ReportRevision(
                report=locked,
                version=locked.version,
                summary=changes_summary(changes),
                snapshot=after,
            ).stamp(actor).save()
    except _NothingChangedError:
        return TurnTheCurveReport.objects.get(pk=report.pk)
    return locked


# ----------------------------------------------------------------------------- the report


def create_report(
    *,
    actor: Actor,
    indicator: Indicator,
    area: Area,
    title: str,
    population: str,
    outcome: str,
    what_success_looks_like: str = "",
) -> TurnTheCurveReport:
    """Start a draft report for an indicator and population (area), as version 1 with its first
    revision. Performance analysts of a partner organisation only."""
    if not may_start_report(actor=actor):
        raise PermissionDenied("Only performance analysts can start a turn-the-curve report.")
    report = TurnTheCurveReport(
        indicator=indicator,
        area=area,
        title=_clean_text(title),
        population=_clean_text(population),
        outcome=_clean_text(outcome),
        what_success_looks_like=_clean_text(what_success_looks_like),
    )
    errors: dict[str, str] = {}
    if not indicator.active:
        errors["indicator"] = "That indicator is no longer in use. Select another"
    try:
        report.full_clean(exclude=["indicator", "area"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, messages[0])
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report.stamp(actor).save()
        ReportRevision(
            report=report,
            version=report.version,
            summary="Started the report",
            snapshot=report_snapshot(report),
        ).stamp(actor).save()
    return report


def change_report(
    *,
    actor: Actor,
    report: TurnTheCurveReport,
    expected_version: int,
    title: str,
    population: str,
    outcome: str,
    what_success_looks_like: str,
    status: str,
) -> TurnTheCurveReport:
    """Change the report's own words and its status (draft, agreed, archived)."""

    def change(locked: TurnTheCurveReport) -> None:
        locked.title = _clean_text(title)
        locked.population = _clean_text(population)
        locked.outcome = _clean_text(outcome)
        locked.what_success_looks_like = _clean_text(what_success_looks_like)
        locked.status = status
        locked.full_clean(exclude=["indicator", "area"])

    return _edit(actor=actor, report=report, expected_version=expected_version, change=change)


# ----------------------------------------------------------------------------- list items


def _section(section: str) -> tuple[type[Any], str]:
    if section not in SECTIONS:
        raise ValueError(f"Unknown part of a report: {section!r}")
    model, _, noun, _, _ = SECTIONS[section]
    return model, noun


def _find_item(model: type[Any], report: TurnTheCurveReport, item_id: Any, noun: str) -> Any:
    item = model.objects.filter(report_id=report.pk, pk=item_id).first()
    if item is None:
        raise ValidationError(f"That {noun} has been removed from the report by someone else.")
    return item


def _check_item(
    section: str, item: Any, report: TurnTheCurveReport, values: dict[str, Any]
) -> None:
    """The rules a form cannot know on its own, then the model's own checks."""
    errors: dict[str, str] = {}
    if section == "partners":
        organisation, name = values.get("organisation"), _clean_text(values.get("name"))
        if organisation and name:
            errors["name"] = "Select a JoinedUp organisation or type a partner's name, not both"
        elif not organisation and not name:
            errors["organisation"] = (
                "Select a JoinedUp organisation, or type the name of a partner outside JoinedUp"
            )
        if organisation is not None:
            if organisation.archived_on is not None:
                errors["organisation"] = "That organisation has left the partnership"
            elif (
                ReportPartner.objects.filter(report_id=report.pk, organisation=organisation)
                .exclude(pk=item.pk)
                .exists()
            ):
                errors["organisation"] = "That organisation is already a partner of this report"
    if section == "actions":
        lead = values.get("lead_organisation")
        if lead is not None and lead.archived_on is not None:
            errors["lead_organisation"] = "That organisation has left the partnership"
        programme = values.get("programme")
        if programme is not None and not programme.active and programme.pk != item.programme_id:
            errors["programme"] = "That programme is closed. Select another"
    try:
        item.full_clean(exclude=["report"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, messages[0])
    if errors:
        raise ValidationError(errors)


def save_report_item(
    *,
    actor: Actor,
    report: TurnTheCurveReport,
    expected_version: int,
    section: str,
    values: dict[str, Any],
    item_id: Any = None,
) -> TurnTheCurveReport:
    """Add an item to one of the report's lists (``item_id`` None) or change one. ``section``
    is one of ``SECTIONS`` (causes, partners, ideas, actions, data); ``values`` may hold only
    that section's ``ITEM_VALUES``. A new cause or data item goes to the end of its list."""
    model, noun = _section(section)
    unknown = set(values) - set(ITEM_VALUES[section])
    if unknown:
        raise ValueError(f"These fields cannot be set on a {noun}: {', '.join(sorted(unknown))}")
    order_field = SECTIONS[section][4]

    def change(locked: TurnTheCurveReport) -> None:
        if item_id is None:
            item = model(report=locked)
            if order_field:
                setattr(item, order_field, model.objects.filter(report_id=locked.pk).count() + 1)
        else:
            item = _find_item(model, locked, item_id, noun)
        for name, value in values.items():
            setattr(item, name, value.strip() if isinstance(value, str) else value)
        _check_item(section, item, locked, values)
        item.stamp(actor).save()

    return _edit(actor=actor, report=report, expected_version=expected_version, change=change)


def remove_report_item(
    *,
    actor: Actor,
    report: TurnTheCurveReport,
    expected_version: int,
    section: str,
    item_id: Any,
) -> TurnTheCurveReport:
    """Remove an item from one of the report's lists (the history keeps it)."""
    model, noun = _section(section)
    order_field = SECTIONS[section][4]

    def change(locked: TurnTheCurveReport) -> None:
        _find_item(model, locked, item_id, noun).delete()
        if order_field:
            _renumber(model, locked, order_field, actor)

    return _edit(actor=actor, report=report, expected_version=expected_version, change=change)


def _renumber(
    model: type[Any], report: TurnTheCurveReport, order_field: str, actor: Actor
) -> list[Any]:
    """Number a ranked list 1, 2, 3… in its current order; returns the items in that order."""
    items = list(model.objects.filter(report_id=report.pk).order_by(order_field, "created_on"))
    for position, item in enumerate(items, start=1):
        setattr(item, order_field, position)
        item.stamp(actor)
    model.objects.bulk_update(items, [order_field, "modified_by"])
    return items


def move_report_item(
    *,
    actor: Actor,
    report: TurnTheCurveReport,
    expected_version: int,
    section: str,
    item_id: Any,
    direction: str,
) -> TurnTheCurveReport:
    """Move a cause (ranked) or a data development item (by priority) one place ``up`` or
    ``down``. Moving the first up or the last down changes nothing."""
    model, noun = _section(section)
    order_field = SECTIONS[section][4]
    if not order_field:
        raise ValueError(f"The {noun}s of a report are not in an order that can be changed.")
    if direction not in ("up", "down"):
        raise ValueError("Move up or down.")

    def change(locked: TurnTheCurveReport) -> None:
        item = _find_item(model, locked, item_id, noun)
        items = _renumber(model, locked, order_field, actor)
        index = next(i for i, found in enumerate(items) if found.pk == item.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        for position, found in enumerate(items, start=1):
            setattr(found, order_field, position)
        model.objects.bulk_update(items, [order_field])

    return _edit(actor=actor, report=report, expected_version=expected_version, change=change)
