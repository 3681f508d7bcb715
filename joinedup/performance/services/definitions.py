"""Versioned changes to definitions: performance measures and population indicators.

Every change goes through here: the actor must be a performance analyst; the row is locked and
must still be the version the actor saw (REL-01); the change is checked, the version goes up by
one, and a ``DefinitionVersion`` keeps the whole new definition with the reason given. If the
definition had no recorded version yet, the version it had before the change is recorded first,
so the history always shows what changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from joinedup.accounts.roles import Role

from ..measures import check_parameters, is_money_calculation
from ..models import DefinitionVersion, Indicator, MeasureDefinition

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

MEASURE_FIELDS = (
    "code",
    "name",
    "question",
    "unit",
    "how_we_count",
    "calculation",
    "parameters",
    "order",
    "active",
)
MEASURE_CHANGEABLE = frozenset(MEASURE_FIELDS) - {"code"}
INDICATOR_FIELDS = (
    "code",
    "name",
    "definition",
    "numerator",
    "denominator",
    "unit",
    "polarity",
    "source",
    "where_to_get_data",
    "frequency",
    "active",
)
INDICATOR_CHANGEABLE = frozenset(INDICATOR_FIELDS) - {"code"}


def _require_analyst(actor: Actor) -> None:
    user = actor.user
    if user is None or not user.is_active or not user.has_any_role({Role.PERFORMANCE_ANALYST}):
        raise PermissionDenied("Only performance analysts change definitions.")


def measure_snapshot(measure: MeasureDefinition) -> dict[str, Any]:
    return {name: getattr(measure, name) for name in MEASURE_FIELDS}


def indicator_snapshot(indicator: Indicator) -> dict[str, Any]:
    return {name: getattr(indicator, name) for name in INDICATOR_FIELDS}


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"change_reason": "Say why the definition is changing."})
    if len(reason) > 500:
        raise ValidationError({"change_reason": "The reason must be 500 characters or fewer."})
    return reason


def _apply(
    *,
    actor: Actor,
    kind: str,
    row: Any,
    seen_version: int,
    changes: Mapping[str, Any],
    changeable: frozenset[str],
    snapshot: Any,
    reason: str,
) -> Any:
    unknown = set(changes) - changeable
    if unknown:
        raise ValidationError(f"These cannot be changed: {', '.join(sorted(unknown))}.")
    if row.version != seen_version:
        raise ValidationError(
            "Someone else changed this definition while you were editing it. "
            "Check their change below, then make yours again."
        )
    reason = _clean_reason(reason)
    before = snapshot(row)
    if all(before[name] == value for name, value in changes.items()):
        raise ValidationError("Nothing has changed.")
    versions = DefinitionVersion.objects.filter(kind=kind, code=row.code)
    if not versions.filter(version=row.version).exists():
        DefinitionVersion(
            kind=kind,
            code=row.code,
            version=row.version,
            definition=before,
            change_reason="As it was before its first recorded change.",
        ).stamp(actor).save()
    for name, value in changes.items():
        setattr(row, name, value)
    row.version += 1
    row.full_clean()
    row.stamp(actor).save()
    DefinitionVersion(
        kind=kind,
        code=row.code,
        version=row.version,
        definition=snapshot(row),
        change_reason=reason,
    ).stamp(actor).save()
    return row


def measure_definition_change(
    *,
    actor: Actor,
    code: str,
    seen_version: int,
    changes: Mapping[str, Any],
    reason: str,
) -> MeasureDefinition:
    """Change a performance measure's definition and record the new version."""
    _require_analyst(actor)
    with transaction.atomic():
        measure = MeasureDefinition.objects.select_for_update().filter(code=code).first()
        if measure is None:
            raise Http404("No such measure.")
        problems = check_parameters(
            str(changes.get("calculation", measure.calculation)),
            changes.get("parameters", measure.parameters),
        )
        if problems:
            raise ValidationError({"parameters": problems})
        calculation = str(changes.get("calculation", measure.calculation))
        unit = str(changes.get("unit", measure.unit))
        if is_money_calculation(calculation) != (unit == MeasureDefinition.Unit.MONEY):
            # A sum of pounds is never a count of people: relabelled, it would be published.
            raise ValidationError(
                {"unit": ["Pounds are counted in pounds: the unit must match the calculation."]}
            )
        result: MeasureDefinition = _apply(
            actor=actor,
            kind=DefinitionVersion.Kind.MEASURE,
            row=measure,
            seen_version=seen_version,
            changes=changes,
            changeable=MEASURE_CHANGEABLE,
            snapshot=measure_snapshot,
            reason=reason,
        )
        return result


def indicator_definition_change(
    *,
    actor: Actor,
    code: str,
    seen_version: int,
    changes: Mapping[str, Any],
    reason: str,
) -> Indicator:
    """Change a population indicator's definition and record the new version."""
    _require_analyst(actor)
    with transaction.atomic():
        indicator = Indicator.objects.select_for_update().filter(code=code).first()
        if indicator is None:
            raise Http404("No such indicator.")
        result: Indicator = _apply(
            actor=actor,
            kind=DefinitionVersion.Kind.INDICATOR,
            row=indicator,
            seen_version=seen_version,
            changes=changes,
            changeable=INDICATOR_CHANGEABLE,
            snapshot=indicator_snapshot,
            reason=reason,
        )
        return result
