"""Routes for Outcomes Based Accountability, by part: indicators and areas, turn-the-curve
reports, performance measures, and the shared and public dashboards."""

from __future__ import annotations

from . import urls_dashboard, urls_indicators, urls_measures, urls_reports

app_name = "performance"

urlpatterns = [
    *urls_indicators.urlpatterns,
    *urls_reports.urlpatterns,
    *urls_measures.urlpatterns,
    *urls_dashboard.urlpatterns,
]
