"""Performance app views, one module per part (indicators, reports, measures, dashboard)."""
