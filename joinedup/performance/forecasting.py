"""The baseline forecast: where an indicator is heading "if nothing changes".

Outcomes Based Accountability judges success against the forecast, not against last year: a
partnership is doing well when the actual figures are better than where the trend was going.

The method (stated in plain English on every forecast, in ``Forecast.method``):

- With 10 or more points of history: Holt's linear exponential smoothing (statsmodels
  ``ETSModel`` with additive error and additive trend, fitted by maximum likelihood). It follows
  the level and the trend of the series, giving recent periods more weight than old ones, so a
  curve that has recently turned is followed rather than averaged away.
- With 3 to 9 points, or when Holt's method cannot be fitted: a straight line fitted by ordinary
  least squares through the whole history (statsmodels ``OLS``), continued into the future.
- With fewer than 3 points no forecast is made, and ``Forecast.method`` says so.

The interval is an 80% prediction interval: if nothing changes, the figure for a period should
fall inside it four times in five. 80% rather than 95% because a turn-the-curve group needs to
see when the actual figures have moved off the trend; a 95% band on a short, noisy series is so
wide that nothing ever looks different. The band widens with the horizon: the further ahead, the
less certain. Counts, rates and percentages cannot be negative, so no value or bound goes below 0.

Fitting takes a good part of a second, so a forecast is kept in the cache under the identity of
what it was fitted to: the frequency, the horizon and every (period, value) of the history,
with the method's version. The same figures give the same forecast without fitting again; a
figure loaded, replaced or withdrawn changes the key, so the next request fits afresh (nothing
is ever served from before the change, and nothing has to be dropped by hand).
"""

from __future__ import annotations

import functools
import hashlib
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import metadata

import numpy as np
from django.core.cache import cache

INTERVAL = 0.80
MINIMUM_HISTORY = 3
HOLT_MINIMUM_HISTORY = 10
MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "annual": 12}
#: Part of every cached forecast's key: raise it when the method changes, so forecasts made
#: the old way are not served again.
METHOD_VERSION = 1
#: How long an unused forecast stays in the cache (a key never goes stale, see above).
CACHE_SECONDS = 7 * 24 * 60 * 60


@dataclass(frozen=True)
class ForecastPoint:
    """One forecast period: the expected value and the 80% prediction interval around it."""

    period: date
    value: float
    lower: float
    upper: float


@dataclass(frozen=True)
class Forecast:
    """A forecast "if nothing changes". ``points`` is empty when no forecast could be made;
    ``method`` then says why."""

    method: str
    points: list[ForecastPoint] = field(default_factory=list)
    interval: float = INTERVAL

    @property
    def made(self) -> bool:
        return bool(self.points)

    def value_for(self, period: date) -> ForecastPoint | None:
        """The forecast point for ``period``, if the forecast reaches it."""
        for point in self.points:
            if point.period == period:
                return point
        return None


def add_periods(start: date, *, frequency: str, periods: int) -> date:
    """The first day of the period ``periods`` periods after ``start`` (monthly, quarterly or
    annual)."""
    months = MONTHS_PER_PERIOD[frequency] * periods
    index = start.year * 12 + (start.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def periods_between(start: date, end: date, *, frequency: str) -> int:
    """How many whole periods from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months // MONTHS_PER_PERIOD[frequency]


def baseline_forecast(
    *, history: Sequence[tuple[date, Decimal]], frequency: str, horizon: int
) -> Forecast:
    """Forecast ``horizon`` periods after the last point of ``history`` (period start, value),
    at ``frequency`` ("monthly", "quarterly" or "annual"). History need not be sorted; gaps are
    allowed (the trend is fitted against the period number, so a missing month is not squeezed
    out)."""
    if frequency not in MONTHS_PER_PERIOD:
        raise ValueError(f"Unknown frequency {frequency!r}: use monthly, quarterly or annual.")
    if horizon < 1:
        raise ValueError("The horizon must be at least one period.")
    ordered = sorted(history, key=lambda item: item[0])
    key = _cache_key(ordered, frequency=frequency, horizon=horizon)
    found = cache.get(key)
    if isinstance(found, Forecast):
        return found
    forecast = _fit(ordered, frequency=frequency, horizon=horizon)
    cache.set(key, forecast, CACHE_SECONDS)
    return forecast


@functools.cache
def _statsmodels_version() -> str:
    try:
        return metadata.version("statsmodels")
    except metadata.PackageNotFoundError:  # pragma: no cover - it is a dependency
        return ""


def _cache_key(ordered: Sequence[tuple[date, Decimal]], *, frequency: str, horizon: int) -> str:
    """The identity of a forecast: the method, the frequency, the horizon and each period and
    value exactly as fitted (a changed, added or removed figure gives another key)."""
    parts = [
        f"v{METHOD_VERSION}",
        _statsmodels_version(),
        frequency,
        str(horizon),
        *(f"{period.isoformat()}={float(value)!r}" for period, value in ordered),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"performance:forecast:{digest}"


def _fit(ordered: Sequence[tuple[date, Decimal]], *, frequency: str, horizon: int) -> Forecast:
    """Fit the forecast to ``ordered`` (sorted by period), without the cache."""
    if len(ordered) < MINIMUM_HISTORY:
        return Forecast(
            method=(
                f"No forecast can be made: it needs at least {MINIMUM_HISTORY} periods of "
                f"history and there {'is' if len(ordered) == 1 else 'are'} {len(ordered)}."
            )
        )
    first = ordered[0][0]
    steps = [periods_between(first, period, frequency=frequency) for period, _ in ordered]
    values = [float(value) for _, value in ordered]
    last_step = steps[-1]
    future_steps = list(range(last_step + 1, last_step + horizon + 1))
    future_periods = [add_periods(first, frequency=frequency, periods=s) for s in future_steps]

    contiguous = steps == list(range(steps[0], steps[0] + len(steps)))
    if len(values) >= HOLT_MINIMUM_HISTORY and contiguous:
        holt = _holt(values, horizon=horizon)
        if holt is not None:
            means, lowers, uppers = holt
            return Forecast(
                method=(
                    "Holt's linear exponential smoothing (level and trend, recent periods "
                    f"weighted more) fitted to {len(values)} periods of history, with an 80% "
                    "prediction interval."
                ),
                points=_points(future_periods, means, lowers, uppers),
            )
    means, lowers, uppers = _linear_trend(steps, values, future_steps)
    reason = (
        "history is short"
        if len(values) < HOLT_MINIMUM_HISTORY
        else ("the history has gaps" if not contiguous else "smoothing could not be fitted")
    )
    return Forecast(
        method=(
            f"A straight-line trend fitted by least squares to {len(values)} periods of history "
            f"and continued ({reason}), with an 80% prediction interval."
        ),
        points=_points(future_periods, means, lowers, uppers),
    )


def _points(
    periods: list[date], means: list[float], lowers: list[float], uppers: list[float]
) -> list[ForecastPoint]:
    return [
        ForecastPoint(
            period=period,
            value=max(0.0, mean),
            lower=max(0.0, min(lower, mean)),
            upper=max(0.0, max(upper, mean)),
        )
        for period, mean, lower, upper in zip(periods, means, lowers, uppers, strict=True)
    ]


def _holt(
    values: list[float], *, horizon: int
) -> tuple[list[float], list[float], list[float]] | None:
    """Holt's method by statsmodels' ETS (A, A, N); None when it cannot be fitted sensibly."""
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    series = pd.Series(values, dtype=float)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = ETSModel(series, error="add", trend="add").fit(disp=False)
            frame = fitted.get_prediction(
                start=len(values), end=len(values) + horizon - 1
            ).summary_frame(alpha=1 - INTERVAL)
    except (ValueError, np.linalg.LinAlgError, ZeroDivisionError):
        return None
    means = [float(v) for v in frame["mean"]]
    lowers = [float(v) for v in frame["pi_lower"]]
    uppers = [float(v) for v in frame["pi_upper"]]
    if not all(math.isfinite(v) for v in (*means, *lowers, *uppers)):
        return None
    # Keep the band from narrowing as the horizon grows (it cannot get more certain).
    for i in range(1, len(means)):
        half_before = (uppers[i - 1] - lowers[i - 1]) / 2
        half = (uppers[i] - lowers[i]) / 2
        if half < half_before:
            lowers[i] = means[i] - half_before
            uppers[i] = means[i] + half_before
    return means, lowers, uppers


def _linear_trend(
    steps: list[int], values: list[float], future_steps: list[int]
) -> tuple[list[float], list[float], list[float]]:
    """OLS of value on period number, with the prediction interval for a new observation."""
    import statsmodels.api as sm

    x = sm.add_constant(np.asarray(steps, dtype=float), has_constant="add")
    fitted = sm.OLS(np.asarray(values, dtype=float), x).fit()
    new_x = sm.add_constant(np.asarray(future_steps, dtype=float), has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = fitted.get_prediction(new_x).summary_frame(alpha=1 - INTERVAL)
    means = [float(v) for v in frame["mean"]]
    lowers = [
        float(v) if math.isfinite(v) else m
        for v, m in zip(frame["obs_ci_lower"], means, strict=True)
    ]
    uppers = [
        float(v) if math.isfinite(v) else m
        for v, m in zip(frame["obs_ci_upper"], means, strict=True)
    ]
    return means, lowers, uppers
