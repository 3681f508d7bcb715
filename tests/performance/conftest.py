"""Fixtures the performance tests share."""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.performance import charts


@pytest.fixture
def charts_built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the chart specs Altair actually builds (not taken from the cache)."""
    made: list[int] = []
    real = charts._chart_spec

    def counting(drawn: dict[str, Any]) -> dict[str, Any]:
        made.append(1)
        return real(drawn)

    monkeypatch.setattr(charts, "_chart_spec", counting)
    return made
