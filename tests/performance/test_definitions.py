"""Definitions as data, with versions: the shipped measure definitions, and changes to measure and
indicator definitions through ``services.definitions`` (every change bumps the version and keeps
the whole definition with its reason; stale, unexplained, unknown and unpermitted changes are
refused with nothing written)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from joinedup.accounts.models import User
from joinedup.accounts.roles import Role
from joinedup.performance.models import DefinitionVersion, Indicator, MeasureDefinition
from joinedup.performance.services.definitions import (
    indicator_definition_change,
    measure_definition_change,
)

from ..conftest import actor_for
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst() -> User:
    return UserFactory(roles=[Role.PERFORMANCE_ANALYST], full_name="Priya Shah")


@pytest.fixture
def indicator() -> Indicator:
    return Indicator.objects.create(
        code="definitions-test-neet",
        name="16 to 18 year olds not in education, employment or training",
        definition="Young people aged 16 to 18 who are NEET.",
        polarity=Indicator.Polarity.DOWN_IS_GOOD,
        frequency=Indicator.Frequency.MONTHLY,
    )


def test_every_shipped_measure_has_its_first_version() -> None:
    measures = {m.code: m for m in MeasureDefinition.objects.all()}
    versions = DefinitionVersion.objects.filter(kind=DefinitionVersion.Kind.MEASURE)
    assert {v.code for v in versions} == set(measures)
    for version in versions:
        measure = measures[version.code]
        assert version.version == measure.version == 1
        assert version.definition["calculation"] == measure.calculation
        assert version.definition["how_we_count"] == measure.how_we_count
        assert version.change_reason == "Shipped definition."
    questions = {m.question for m in measures.values()}
    assert questions == {"how_much", "how_well", "better_off"}


def test_a_change_bumps_the_version_and_keeps_the_whole_definition(analyst: User) -> None:
    measure = measure_definition_change(
        actor=actor_for(analyst),
        code="jobs-sustained-26-weeks",
        seen_version=1,
        changes={"parameters": {"weeks": 52}, "name": "Jobs sustained for 52 weeks"},
        reason="The board now reports a year in work.",
    )
    assert measure.version == 2
    assert measure.modified_by == analyst
    saved = DefinitionVersion.objects.get(code="jobs-sustained-26-weeks", version=2)
    assert saved.definition["parameters"] == {"weeks": 52}
    assert saved.definition["name"] == "Jobs sustained for 52 weeks"
    assert saved.definition["how_we_count"] == measure.how_we_count
    assert saved.change_reason == "The board now reports a year in work."
    assert saved.created_by == analyst
    # The first version is still there, unchanged.
    first = DefinitionVersion.objects.get(code="jobs-sustained-26-weeks", version=1)
    assert first.definition["parameters"] == {"weeks": 26}


@pytest.mark.parametrize(
    ("changes", "reason", "message"),
    [
        ({"name": "New name"}, "  ", "Say why the definition is changing."),
        ({"name": "New name"}, "x" * 501, "500 characters or fewer"),
        ({"calculation": "no_such_thing"}, "Why not", "There is no calculation called"),
        ({"parameters": {"weekz": 13}}, "Typo", "takes no parameter 'weekz'"),
        ({"parameters": {"weeks": 0}}, "Zero", "weeks must be a whole number from 1 to 1000"),
        ({"parameters": ["weeks"]}, "List", "Parameters must be a JSON object"),
        ({"code": "new-code"}, "Rename", "These cannot be changed: code."),
        ({"version": 9}, "Sneaky", "These cannot be changed: version."),
        ({"unit": "furlongs"}, "Odd unit", "is not a valid choice"),
        ({"name": "Jobs sustained for 13 weeks"}, "Same", "Nothing has changed."),
    ],
)
def test_bad_changes_are_refused_and_nothing_is_written(
    analyst: User, changes: dict[str, object], reason: str, message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        measure_definition_change(
            actor=actor_for(analyst),
            code="jobs-sustained-13-weeks",
            seen_version=1,
            changes=changes,
            reason=reason,
        )
    assert message in " ".join(error.value.messages)
    measure = MeasureDefinition.objects.get(code="jobs-sustained-13-weeks")
    assert measure.version == 1
    assert measure.parameters == {"weeks": 13}
    assert DefinitionVersion.objects.filter(code=measure.code).count() == 1


def test_a_stale_change_is_refused(analyst: User) -> None:
    actor = actor_for(analyst)
    measure_definition_change(
        actor=actor, code="debt-reduced", seen_version=1, changes={"order": 40}, reason="Move"
    )
    with pytest.raises(ValidationError, match="Someone else changed this definition"):
        measure_definition_change(
            actor=actor, code="debt-reduced", seen_version=1, changes={"order": 41}, reason="Mv"
        )
    assert MeasureDefinition.objects.get(code="debt-reduced").order == 40


@pytest.mark.parametrize(
    ("code", "unit"), [("debt-reduced", "count"), ("people-into-work", "money")]
)
def test_a_unit_that_does_not_fit_the_calculation_is_refused(
    analyst: User, code: str, unit: str
) -> None:
    """Relabelled as a count, a sum of pounds would reach the public dashboard."""
    with pytest.raises(ValidationError, match="the unit must match the calculation"):
        measure_definition_change(
            actor=actor_for(analyst), code=code, seen_version=1, changes={"unit": unit}, reason="x"
        )
    assert MeasureDefinition.objects.get(code=code).version == 1


@pytest.mark.parametrize("role", [Role.KEY_WORKER, Role.TEAM_MANAGER, Role.SYSTEM_ADMIN])
def test_only_performance_analysts_change_definitions(role: str, indicator: Indicator) -> None:
    actor = actor_for(UserFactory(roles=[role]))
    with pytest.raises(PermissionDenied):
        measure_definition_change(
            actor=actor, code="debt-reduced", seen_version=1, changes={"order": 1}, reason="x"
        )
    with pytest.raises(PermissionDenied):
        indicator_definition_change(
            actor=actor, code=indicator.code, seen_version=1, changes={"name": "x"}, reason="x"
        )
    assert MeasureDefinition.objects.get(code="debt-reduced").version == 1
    assert not DefinitionVersion.objects.filter(kind="indicator", code=indicator.code).exists()


def test_unknown_definitions_are_404(analyst: User) -> None:
    with pytest.raises(Http404):
        measure_definition_change(
            actor=actor_for(analyst), code="nope", seen_version=1, changes={}, reason="x"
        )
    with pytest.raises(Http404):
        indicator_definition_change(
            actor=actor_for(analyst), code="nope", seen_version=1, changes={}, reason="x"
        )


def test_an_indicator_change_is_versioned_with_what_it_was_before(
    analyst: User, indicator: Indicator
) -> None:
    changed = indicator_definition_change(
        actor=actor_for(analyst),
        code=indicator.code,
        seen_version=1,
        changes={"definition": "Young people aged 16 and 17 who are NEET.", "source": "DfE"},
        reason="DfE changed the age range in 2026.",
    )
    assert changed.version == 2
    versions = {
        v.version: v
        for v in DefinitionVersion.objects.filter(kind="indicator", code=indicator.code)
    }
    # The indicator had no recorded version yet: the one before the change is kept first.
    assert set(versions) == {1, 2}
    assert versions[1].definition["definition"] == "Young people aged 16 to 18 who are NEET."
    assert versions[2].definition["definition"] == "Young people aged 16 and 17 who are NEET."
    assert versions[2].definition["source"] == "DfE"
    assert versions[2].change_reason == "DfE changed the age range in 2026."
    # A second change adds one version, not two.
    indicator_definition_change(
        actor=actor_for(analyst),
        code=indicator.code,
        seen_version=2,
        changes={"frequency": Indicator.Frequency.QUARTERLY},
        reason="Published quarterly now.",
    )
    assert DefinitionVersion.objects.filter(kind="indicator", code=indicator.code).count() == 3


def test_an_indicator_change_must_be_valid(analyst: User, indicator: Indicator) -> None:
    with pytest.raises(ValidationError):
        indicator_definition_change(
            actor=actor_for(analyst),
            code=indicator.code,
            seen_version=1,
            changes={"polarity": "sideways"},
            reason="Hmm",
        )
    assert Indicator.objects.get(pk=indicator.pk).version == 1
    assert not DefinitionVersion.objects.filter(kind="indicator", code=indicator.code).exists()
